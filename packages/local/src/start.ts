/**
 * `npm start`: the whole pipeline on one machine. An embedded S3-compatible server (or a real RGW named
 * by AWS_ENDPOINT_URL_S3) with bucket `photos` whose notifications push to classify, run as a child
 * process with the shared MobileNet; the sample photos are uploaded and their labels printed; then it
 * keeps running, classifying whatever any S3 client uploads, until Ctrl-C (SIGINT) or SIGTERM.
 * PIPELINE=broker puts the cluster's eventing in between (run/broker-pipeline.ts). NOTIFY=off uploads
 * with no notifications and catches up with configure-notify's reconcile (run/catch-up.ts).
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3ClientFor } from '@bucket-ml/core';
import { S3Server, type DeliveryEvent, type RequestLogEntry } from './s3-server/index.js';
import type { BrokerRecord } from './eventing/index.js';
import { describeCounts, OVERLAY, startBrokerPipeline, type BrokerPipeline } from './run/broker-pipeline.js';
import { BuildError, ensureFunctionBuilt } from './run/build.js';
import { describeReconcile, reconcileCommand, reconcileOnce } from './run/catch-up.js';
import { startFunctionProcess, type FunctionProcess, type LogLine } from './run/classify-process.js';
import { choosePort } from './run/ports.js';
import { configureRealRgw, notificationId } from './run/real-rgw.js';
import { LOCAL_CREDENTIALS, loadStartSettings, type StartSettings } from './run/settings.js';
import { Console, ResultTable, type ResultRow } from './run/ui.js';

const IMAGE_TYPES: Record<string, string> = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp' };
/** How long one sample photo may take from upload to result before the table says so. */
const RESULT_TIMEOUT_MS = 60_000;

interface Outcome {
  key: string;
  row: ResultRow;
}

// The SDK warns on Node 20 about releases from 2027 on: noise for someone trying this out.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ui = new Console();
const logFile = path.join(tmpdir(), `bucket-ml-local-${process.pid}.log`);

function log(source: string, line: string): void {
  try {
    appendFileSync(logFile, `${new Date().toISOString()} [${source}] ${line}\n`);
  } catch {
    // the log file is a convenience; never fail because of it
  }
}

class Run {
  server?: S3Server;
  classify?: FunctionProcess;
  broker?: BrokerPipeline;
  s3?: S3Client;
  stopping = false;
  private readonly outcomes = new Map<string, Outcome>();
  private readonly waiters = new Map<string, (o: Outcome) => void>();
  private table?: ResultTable;
  /** Keys whose result is printed as soon as it is known (uploads after the first table). */
  private live = false;
  /** A stored result of this run, for the banner's example. */
  private exampleResult?: string;

  constructor(private readonly settings: StartSettings) {}

  async main(): Promise<void> {
    const s = this.settings;
    writeFileSync(logFile, '');
    ui.print(ui.bold('bucket-ml: images that land in a bucket are classified, on this machine'));

    ui.progress('checking the classify build');
    const built = await ensureFunctionBuilt('classify', (what) => ui.progress(what));
    ui.done(`classify ${built === 'built' ? 'built' : 'build is up to date'}`);
    if (!s.notify) {
      const cn = await ensureFunctionBuilt('configure-notify', (what) => ui.progress(what));
      ui.done(`configure-notify (reconcile) ${cn === 'built' ? 'built' : 'build is up to date'}`);
    }

    const classifyPort = await choosePort(s.classifyPort, 8080);
    let endpoint: string;
    let credentials: { accessKeyId: string; secretAccessKey: string };
    if (s.mode === 'embedded') {
      this.server = await this.startEmbeddedServer();
      endpoint = this.server.url;
      credentials = LOCAL_CREDENTIALS;
    } else {
      endpoint = s.rgw!.endpoint;
      credentials = { accessKeyId: s.rgw!.accessKeyId, secretAccessKey: s.rgw!.secretAccessKey };
    }
    // The client the functions use, so uploads reach RGW 16 as they do in production.
    this.s3 = s3ClientFor({ endpoint, region: s.rgw?.region ?? 'us-east-1', credentials });

    ui.progress(`starting classify on port ${classifyPort}: loading the model`);
    this.classify = this.startClassify(endpoint, credentials, classifyPort);
    const classifyUrl = this.classify.url;

    // bucket, eventing and notification while the model loads
    await this.ensureBucket();
    if (s.pipeline === 'broker') {
      ui.progress(`starting the Broker stand-in from ${OVERLAY} (kubectl kustomize)`);
      this.broker = await startBrokerPipeline(classifyUrl, (r) => this.onBrokerRecord(r));
      ui.done(`Broker stand-in ready: CephSource adapter ${this.broker.adapterUrl} → Broker ${this.broker.ingressUrl} → Triggers of ${OVERLAY}`);
    }
    const pushEndpoint = s.rgw?.pushEndpoint ?? `http://127.0.0.1:${classifyPort}`;
    if (!s.notify) {
      ui.done(`notifications are off (NOTIFY=off): uploads to s3://${s.bucket}/ wait for a reconcile`);
    } else if (s.mode === 'embedded') {
      this.server!.setBucketNotifications(
        s.bucket,
        s.suffixes.map((suffix) => ({
          id: notificationId(suffix),
          events: ['s3:ObjectCreated:*'],
          filter: { suffix },
          // broker: RGW pushes to the CephSource adapter, in RGW's own format, as in the cluster
          endpoint: this.broker?.adapterUrl ?? classifyUrl,
          format: this.broker ? 'rgw' : s.format,
        })),
      );
    } else {
      const result = await configureRealRgw({ ...s.rgw!, bucket: s.bucket, pushEndpoint, suffixes: s.suffixes });
      for (const line of result.summary) log('configure-notify', line);
    }

    try {
      await this.classify.ready;
    } catch {
      if (this.stopping) return;
      throw new Error(`classify did not start:\n${this.classify.tail(15)}`);
    }
    ui.done(`classify ready on ${classifyUrl} (pid ${this.classify.pid}${this.modelNote ? `, ${this.modelNote}` : ''})`);

    const samples = await this.uploadSamples();
    if (samples.length > 0 && !s.notify) await this.catchUp(samples);
    else if (samples.length > 0) await this.showFirstTable(samples);
    if (this.broker) {
      // the result events' own trip (reply → Broker → review) ends a moment after the results
      await Promise.race([this.broker.eventing.broker.idle(), new Promise((r) => setTimeout(r, 10_000).unref())]);
      ui.print(describeCounts(this.broker.counts()));
    }
    this.printBanner(endpoint, credentials, classifyUrl, pushEndpoint);
    this.live = true;
  }

  private modelNote = '';

  private async startEmbeddedServer(): Promise<S3Server> {
    const s = this.settings;
    const port = await choosePort(s.s3Port, 7480);
    const server = await S3Server.start({
      host: s.s3Host,
      port,
      credentials: LOCAL_CREDENTIALS,
      ...(s.dataDir ? { storage: { directory: s.dataDir } } : {}),
      onRequest: (e: RequestLogEntry) => {
        const line = `${e.method} ${e.url} ${e.status}${e.code ? ` ${e.code}: ${e.message}` : ''} ${e.ms} ms`;
        log('s3', line);
        if (s.verbose) ui.print(ui.dim(`s3: ${line}`));
      },
      notifications: { onEvent: (e) => this.onDelivery(e) },
    });
    ui.done(`S3 server listening on ${server.url} (${s.dataDir ? `data in ${s.dataDir}` : 'in memory'})`);
    return server;
  }

  private onDelivery(e: DeliveryEvent): void {
    const what = `${e.eventName} ${e.bucket}/${e.key} → ${e.endpoint} (${e.format}, attempt ${e.attempt})`;
    const result = e.status !== undefined ? `HTTP ${e.status}` : e.error ?? '';
    log('notify', `${e.outcome}: ${what}: ${result}${e.retryInMs !== undefined ? `, retry in ${e.retryInMs} ms` : ''}`);
    if (this.settings.verbose) ui.print(ui.dim(`notify: ${e.outcome} ${what} ${result}`));
    if (e.outcome === 'dropped' && !this.stopping) {
      this.settle(e.key, { image: e.key, note: `notification dropped after ${e.attempt} attempts (${result})`, failed: true });
    }
  }

  /** What the Broker does, as it happens: logged; retries, review and dead letters shown. */
  private onBrokerRecord(r: BrokerRecord): void {
    const b = this.broker;
    if (!b || this.stopping) return;
    const show = (line: string): void => {
      if (this.live) ui.print(line);
    };
    switch (r.kind) {
      case 'attempt': {
        log('broker', `${r.trigger} ${r.type} ${r.subject ?? ''} attempt ${r.attempt}: ${r.status ?? r.error ?? ''} → ${r.verdict} (${r.ms} ms)`);
        const key = r.subject ?? r.id;
        if (b.classifyTriggers.has(r.trigger) && r.verdict === 'retry') show(ui.yellow(`  ${key}: classify answered ${r.status ?? r.error ?? 'nothing'}; the Broker retries (attempt ${r.attempt})`));
        if (b.reviewTriggers.has(r.trigger) && r.verdict === 'ok') show(ui.dim(`  ${key}: low confidence → result event delivered to review (Trigger ${r.trigger})`));
        break;
      }
      case 'dead-lettered': {
        const key = r.event.attributes.subject ?? r.id;
        const code = r.event.attributes.knativeerrorcode;
        log('broker', `${r.trigger}: ${key} dead-lettered after ${r.attempts} attempts (${code ?? 'no answer'})`);
        show(ui.red(`  ${key}: dead-lettered after ${r.attempts} attempt${r.attempts === 1 ? '' : 's'} (HTTP ${code ?? 'none'}) → dead-letters`));
        if (!this.outcomes.has(key)) this.settle(key, { image: key, note: `dead-lettered after ${r.attempts} attempts (HTTP ${code ?? 'none'})`, failed: true });
        break;
      }
      case 'rejected':
        log('broker', `ingress refused an event: ${r.status} ${r.reason}`);
        break;
      default:
        break;
    }
  }

  private startClassify(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }, port: number): FunctionProcess {
    const env: NodeJS.ProcessEnv = { ...process.env };
    // only this endpoint and key pair: never a profile, token or endpoint from the caller's environment
    for (const name of Object.keys(env)) if (name.startsWith('AWS_')) delete env[name];
    Object.assign(env, {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: this.settings.rgw?.region ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      MODEL_URL: this.settings.modelUrl,
      NODE_NO_WARNINGS: '1',
    });
    delete env.PORT;
    const child = startFunctionProcess({
      name: 'classify',
      port,
      env,
      onLine: (line, parsed, stream) => {
        log(`classify ${stream}`, line);
        if (this.settings.verbose) ui.print(ui.dim(`classify: ${line}`));
        if (parsed) this.onClassifyLog(parsed);
      },
    });
    void child.exited.then(({ code, signal }) => {
      // Ctrl-C on a terminal signals the whole process group, classify included: give our own
      // handler a moment to mark the stop before calling this a crash.
      setTimeout(() => {
        if (this.stopping) return;
        ui.clearStatus();
        ui.print(ui.red(`classify exited unexpectedly (${signal ?? `code ${code}`}):`));
        ui.print(child.tail(15));
        void stop('classify exited', 1);
      }, 300);
    });
    return child;
  }

  private onClassifyLog(entry: LogLine): void {
    const key = typeof entry.key === 'string' ? entry.key : undefined;
    switch (entry.msg) {
      case 'tensorflow backend selected':
        ui.progress(`starting classify: loading the model (backend ${String(entry.backend)})`);
        break;
      case 'ready': {
        const model = entry.model as { name?: string } | undefined;
        this.modelNote = `${model?.name ?? 'model'} on ${String(entry.backend)}, loaded in ${String(entry.initMs)} ms`;
        ui.progress('classify: model loaded, opening its port');
        break;
      }
      case 'classified':
        this.exampleResult ??= `s3://${String(entry.bucket)}/${String(entry.resultKey)}`;
        if (key) void this.resultRow(entry).then((row) => this.settle(key, this.broker && entry.confidence === 'low' ? { ...row, note: 'low confidence' } : row));
        break;
      case 'not classified':
        if (key) this.settle(key, { image: key, note: `not classified: ${String(entry.code)} (${String(entry.reason)})`, failed: true });
        break;
      case 'duplicate delivery':
        if (key && this.live) ui.print(ui.dim(`  ${key}: delivered again, already classified (${String(entry.resultKey)})`));
        break;
      case 'cannot start':
        ui.clearStatus();
        ui.print(ui.red(`classify cannot start: ${String(entry.error)}`));
        break;
    }
  }

  /** The stored result, as production stores it, read back from the bucket. */
  private async resultRow(entry: LogLine): Promise<ResultRow> {
    const key = String(entry.key);
    const timings = entry.timings as { totalMs?: number } | undefined;
    try {
      const got = await this.s3!.send(new GetObjectCommand({ Bucket: String(entry.bucket), Key: String(entry.resultKey) }));
      const doc = JSON.parse(await got.Body!.transformToString()) as { predictions: Array<{ label: string; score: number }>; timings: { totalMs: number } };
      return { image: key, labels: doc.predictions, ms: doc.timings.totalMs };
    } catch (error) {
      return {
        image: key,
        labels: [{ label: String(entry.label), score: Number(entry.score) }],
        ...(timings?.totalMs !== undefined ? { ms: timings.totalMs } : {}),
        note: `(stored result unreadable: ${(error as Error).message})`,
      };
    }
  }

  private settle(key: string, row: ResultRow): void {
    const outcome = { key, row };
    this.outcomes.set(key, outcome);
    const waiter = this.waiters.get(key);
    if (waiter) {
      this.waiters.delete(key);
      waiter(outcome);
    } else if (this.live && !this.stopping) {
      this.table ??= new ResultTable([], ui);
      ui.print(this.table.row(row));
    }
  }

  private waitFor(key: string, timeoutMs: number): Promise<Outcome> {
    const known = this.outcomes.get(key);
    if (known) return Promise.resolve(known);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        resolve({ key, row: { image: key, note: `no result after ${timeoutMs / 1000} s (see ${logFile})`, failed: true } });
      }, timeoutMs);
      timer.unref();
      this.waiters.set(key, (o) => {
        clearTimeout(timer);
        resolve(o);
      });
    });
  }

  private async ensureBucket(): Promise<void> {
    const bucket = this.settings.bucket;
    if (this.server) {
      await this.server.ensureBucket(bucket);
      return;
    }
    try {
      await this.s3!.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
    }
  }

  private async uploadSamples(): Promise<string[]> {
    const dir = this.settings.imagesDir;
    if (!dir) return [];
    if (!existsSync(dir)) {
      ui.print(ui.yellow(`no sample photos at ${dir} (set SAMPLE_IMAGES, or BUCKET_ML_SHARED to the shared folder)`));
      return [];
    }
    const names = (await readdir(dir)).filter((n) => IMAGE_TYPES[path.extname(n).toLowerCase()] && this.settings.suffixes.some((s) => n.endsWith(s))).sort();
    for (const [i, name] of names.entries()) {
      ui.progress(`uploading the sample photos to s3://${this.settings.bucket}/ (${i + 1}/${names.length}): ${name}`);
      await this.s3!.send(
        new PutObjectCommand({
          Bucket: this.settings.bucket,
          Key: name,
          Body: await readFile(path.join(dir, name)),
          ContentType: IMAGE_TYPES[path.extname(name).toLowerCase()],
        }),
      );
    }
    ui.done(`uploaded ${names.length} sample photos from ${dir} to s3://${this.settings.bucket}/`);
    return names;
  }

  /** NOTIFY=off: nothing was announced; reconcile sends what has no result, then finds nothing left. */
  private async catchUp(keys: string[]): Promise<void> {
    const target = { s3: this.s3!, bucket: this.settings.bucket, target: this.reconcileTarget(), region: 'us-east-1', suffixes: this.settings.suffixes };
    ui.progress(`reconciling s3://${target.bucket}/ → ${target.target}`);
    const [, report] = await Promise.all([
      this.showFirstTable(keys, 'caught up by reconcile'),
      reconcileOnce({ ...target, onFailure: (key, error) => this.settle(key, { image: key, note: `reconcile could not send it: ${error}`, failed: true }) }),
    ]);
    ui.done(describeReconcile(report), report.failed === 0);
    const again = await reconcileOnce(target);
    ui.done(`again: ${describeReconcile(again)}`, again.sent === 0 && again.failed === 0);
  }

  /** Where a reconcile sends: the Broker ingress, as the cluster's CronJob does, or classify itself. */
  private reconcileTarget(): string {
    return this.broker?.ingressUrl ?? this.classify!.url;
  }

  private async showFirstTable(keys: string[], verb = 'classified'): Promise<void> {
    const started = performance.now();
    let finished = 0;
    ui.progress(`classifying (0/${keys.length})`);
    const rows = await Promise.all(
      keys.map((key) =>
        this.waitFor(key, RESULT_TIMEOUT_MS).then((o) => {
          finished++;
          ui.progress(`classifying (${finished}/${keys.length}): ${key}`);
          return o.row;
        }),
      ),
    );
    ui.clearStatus();
    this.table = new ResultTable(keys, ui);
    const ok = rows.filter((r) => !r.failed).length;
    ui.print('');
    ui.print(this.table.header());
    for (const row of rows) ui.print(this.table.row(row));
    ui.print('');
    ui.done(`${ok} of ${keys.length} images ${verb} in ${((performance.now() - started) / 1000).toFixed(1)} s; results stored under s3://${this.settings.bucket}/results/`, ok === keys.length);
  }

  private printBanner(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }, classifyUrl: string, pushEndpoint: string): void {
    const s = this.settings;
    const e = `--endpoint-url ${endpoint}`;
    const kind = s.mode === 'embedded' ? `embedded S3 server, ${s.dataDir ? `data in ${s.dataDir}` : 'in memory'}` : 'real Ceph RGW';
    const via = !s.notify
      ? 'off: reconcile sends them'
      : this.broker
      ? 'through the CephSource adapter and the Broker'
      : s.mode === 'embedded'
        ? s.format === 'rgw'
          ? 'as RGW 16 pushes them'
          : 'as CephSource CloudEvents'
        : `RGW pushes to ${pushEndpoint}`;
    const lines = [
      '',
      ui.bold(s.notify ? 'Running. Anything uploaded to the bucket is classified:' : 'Running. Anything uploaded to the bucket is classified by the next reconcile:'),
      '',
      `  S3 endpoint   ${endpoint}   (${kind}; path-style, any region)`,
      `  Access key    ${credentials.accessKeyId}`,
      `  Secret key    ${s.mode === 'embedded' ? credentials.secretAccessKey : '(your AWS_SECRET_ACCESS_KEY)'}`,
      `  Bucket        ${s.bucket}   (${s.suffixes.map((x) => `*${x}`).join(' ')} → classify at ${classifyUrl}, notifications ${via})`,
      `  Results       s3://${s.bucket}/results/<key>/<object version>/<model>@<version>.json`,
      ...(this.broker
        ? [
            `  Broker        ${this.broker.ingressUrl}   (stand-in for the cluster's, Triggers from ${OVERLAY}; CloudEvents from any source, e.g. RGW 17+)`,
            `                low-confidence results → review, failures after retries → dead-letters (see each row)`,
          ]
        : []),
      '',
      '  With the AWS CLI (any S3 client works the same way):',
      `    export AWS_ACCESS_KEY_ID=${credentials.accessKeyId} AWS_SECRET_ACCESS_KEY=${s.mode === 'embedded' ? credentials.secretAccessKey : '…'} AWS_DEFAULT_REGION=us-east-1`,
      `    aws ${e} s3 cp ~/Pictures/cat.jpg s3://${s.bucket}/`,
      `    aws ${e} s3 ls s3://${s.bucket}/results/ --recursive`,
      ...(this.exampleResult ? [`    aws ${e} s3 cp ${this.exampleResult} -`] : []),
      `  Catch up what has no result (configure-notify reconcile, as the cluster's CronJob does)${s.notify ? '' : '; notifications are off, so uploads wait for it'}:`,
      `    ${reconcileCommand({ endpoint, ...credentials, secretAccessKey: s.mode === 'embedded' ? credentials.secretAccessKey : '…', region: s.rgw?.region ?? 'us-east-1', bucket: s.bucket, target: this.reconcileTarget(), suffixes: s.suffixes })}`,
      '',
      `  Send classify an event yourself:  npm run invoke -- classify events/rgw-put.json --format http --url ${classifyUrl}`,
      '',
      `  Log: ${logFile}        Ctrl-C stops everything.`,
      '',
    ];
    ui.print(lines.join('\n'));
  }

  async shutdown(): Promise<void> {
    this.stopping = true;
    for (const [key, resolve] of this.waiters) resolve({ key, row: { image: key, note: 'stopped' } });
    this.waiters.clear();
    if (this.broker) {
      ui.progress('stopping the Broker stand-in');
      await this.broker.close();
    }
    if (this.classify) {
      ui.progress(`stopping classify (pid ${this.classify.pid})`);
      const { code, signal } = await this.classify.stop(5000);
      log('start', `classify exited: ${signal ?? `code ${code}`}`);
    }
    if (this.server) {
      ui.progress('stopping the S3 server');
      await this.server.close();
    }
    this.s3?.destroy();
    ui.clearStatus();
  }
}

let run: Run | undefined;
let stopping: Promise<void> | undefined;

async function stop(reason: string, exitCode: number): Promise<void> {
  if (stopping) return stopping;
  stopping = (async () => {
    ui.clearStatus();
    if (reason) ui.print(`\n${reason}: stopping…`);
    try {
      await run?.shutdown();
      ui.print(exitCode === 0 ? 'Stopped: classify and the S3 server are down.' : 'Stopped.');
    } catch (error) {
      ui.print(ui.red(`while stopping: ${(error as Error).message}`));
      exitCode = exitCode || 1;
    }
    process.exit(exitCode);
  })();
  return stopping;
}

let firstSignalAt: number | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // Ctrl-C signals the whole process group and npm forwards it once more: the same keypress can
    // arrive twice. Only a signal well after the first one means "stop waiting".
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt < 1000) return;
      run?.classify?.child.kill('SIGKILL');
      process.exit(130);
    }
    firstSignalAt = Date.now();
    if (run) run.stopping = true;
    void stop(signal, 0);
  });
}

async function start(): Promise<void> {
  let settings: StartSettings;
  try {
    settings = loadStartSettings();
  } catch (error) {
    ui.print(ui.red(`npm start: ${(error as Error).message}`));
    process.exit(2);
  }
  if (settings.modelUrl.startsWith('file:') && !existsSync(fileURLToPath(settings.modelUrl))) {
    ui.print(ui.red(`npm start: no model at ${settings.modelUrl}: put the shared folder beside the repository, or set BUCKET_ML_SHARED or MODEL_URL`));
    process.exit(2);
  }
  run = new Run(settings);
  try {
    await run.main();
  } catch (error) {
    if (run.stopping) return;
    ui.clearStatus();
    const e = error as NodeJS.ErrnoException;
    // expected failures get their message; anything else its stack, to report it
    const expected = error instanceof BuildError || e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.name === 'ConfigError';
    ui.print(ui.red(expected ? `npm start: ${e.message}${e.code === 'EADDRINUSE' ? ' (set S3_PORT / CLASSIFY_PORT to another port, or 0 for any free one)' : ''}` : `npm start failed: ${e.stack ?? String(error)}`));
    ui.print(`(log: ${logFile})`);
    await stop('', 1);
  }
}

await start();
