/**
 * What `npm start` shows: a spinner with the current step on a terminal (plain progress lines when
 * the output is a pipe or a file, so logs and CI stay readable), and results as aligned tables.
 */
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export class Console {
  private status: string | undefined;
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastPlain: string | undefined;
  readonly tty: boolean;
  readonly color: boolean;

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {
    this.tty = Boolean(out.isTTY);
    this.color = this.tty && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
  }

  bold = (s: string): string => (this.color ? `\x1b[1m${s}\x1b[22m` : s);
  dim = (s: string): string => (this.color ? `\x1b[2m${s}\x1b[22m` : s);
  green = (s: string): string => (this.color ? `\x1b[32m${s}\x1b[39m` : s);
  red = (s: string): string => (this.color ? `\x1b[31m${s}\x1b[39m` : s);
  yellow = (s: string): string => (this.color ? `\x1b[33m${s}\x1b[39m` : s);

  /** Shows what is happening now: a spinner line on a terminal, a plain line otherwise. */
  progress(text: string): void {
    if (!this.tty) {
      if (text !== this.lastPlain) this.out.write(`… ${text}\n`);
      this.lastPlain = text;
      return;
    }
    this.status = text;
    if (!this.timer) {
      this.timer = setInterval(() => this.draw(), 80);
      this.timer.unref();
    }
    this.draw();
  }

  /** Ends the current step with a line that stays. */
  done(text: string, ok = true): void {
    this.clearStatus();
    this.print(`${ok ? this.green('✔') : this.red('✖')} ${text}`);
  }

  /** Prints lines above the spinner. */
  print(text: string): void {
    if (this.tty && this.status !== undefined) this.out.write('\r\x1b[2K');
    this.out.write(text.endsWith('\n') ? text : `${text}\n`);
    if (this.tty && this.status !== undefined) this.draw();
  }

  clearStatus(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.tty && this.status !== undefined) this.out.write('\r\x1b[2K');
    this.status = undefined;
    this.lastPlain = undefined;
  }

  private draw(): void {
    if (this.status === undefined) return;
    this.frame = (this.frame + 1) % FRAMES.length;
    const width = this.out.columns ?? 100;
    const line = `${FRAMES[this.frame]} ${this.status}`;
    this.out.write(`\r\x1b[2K${line.length > width - 1 ? `${line.slice(0, width - 2)}…` : line}`);
  }
}

export interface ResultRow {
  image: string;
  /** Top predictions, best first. */
  labels?: Array<{ label: string; score: number }>;
  ms?: number;
  note?: string;
  failed?: boolean;
}

/** `malamute, malemute, Alaskan malamute` → `malamute` */
export const shortLabel = (label: string): string => (label.split(',')[0] ?? label).trim();
const pct = (score: number): string => `${(score * 100).toFixed(1)}%`;

const fit = (text: string, width: number): string => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width));

export class ResultTable {
  readonly imageWidth: number;
  constructor(imageNames: string[], private readonly ui: Console) {
    // wide enough for the samples and for most keys uploaded later (longer ones keep their end)
    this.imageWidth = Math.min(40, Math.max(24, ...imageNames.map((n) => n.length)));
  }

  header(): string {
    return this.ui.bold(`  ${'IMAGE'.padEnd(this.imageWidth)}  ${'TOP LABEL'.padEnd(22)}  ${'SCORE'.padStart(6)}  ${'NEXT LABELS'.padEnd(44)}  TIME`);
  }

  row(r: ResultRow): string {
    const image = r.image.length > this.imageWidth ? `…${r.image.slice(r.image.length - this.imageWidth + 1)}` : r.image.padEnd(this.imageWidth);
    if (!r.labels || r.labels.length === 0) {
      const note = r.note ?? 'no result';
      return `  ${image}  ${r.failed ? this.ui.red(note) : this.ui.dim(note)}`;
    }
    const [top, ...rest] = r.labels;
    const next = rest
      .slice(0, 2)
      .map((p) => `${shortLabel(p.label)} ${pct(p.score)}`)
      .join(', ');
    const time = r.ms === undefined ? '' : `${Math.round(r.ms)} ms`;
    const line = `  ${image}  ${fit(shortLabel(top!.label), 22)}  ${pct(top!.score).padStart(6)}  ${fit(next, 44)}  ${time}`;
    return r.note ? `${line}  ${this.ui.dim(r.note)}` : line;
  }
}
