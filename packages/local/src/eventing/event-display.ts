/**
 * A stand-in for Knative's event_display (knative/eventing cmd/event_display), the sink the overlays use
 * for the review queue and dead letters: receives CloudEvents, keeps them (instead of printing them),
 * answers 200 with an empty body; what is not a CloudEvent gets 400.
 */
import http from 'node:http';
import { fromHttp, InvalidEvent, type Event } from './cloudevent.js';
import { close, listen, readBody } from './http.js';

export class EventDisplay {
  readonly events: Event[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    readonly name: string,
  ) {}

  static async start(name: string, port?: number): Promise<EventDisplay> {
    const server = http.createServer();
    const display = new EventDisplay(server, await listen(server, port), name);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      readBody(req).then(
        (body) => {
          try {
            display.events.push(fromHttp(req.headers, body));
            res.writeHead(200).end();
          } catch (e) {
            if (!(e instanceof InvalidEvent)) throw e;
            res.writeHead(400, { 'content-type': 'text/plain' }).end(`${e.message}\n`);
          }
        },
        () => res.writeHead(400).end(),
      );
    });
    return display;
  }

  /** Events received whose attributes include all of `match`. */
  matching(match: Record<string, string>): Event[] {
    return this.events.filter((e) => Object.entries(match).every(([k, v]) => e.attributes[k] === v));
  }

  close(): Promise<void> {
    return close(this.server);
  }
}
