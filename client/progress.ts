/**
 * Progress bars on stderr for `dealflow import` and `dealflow bench` (README "Importing a CSV
 * file", BENCHMARKS.md), on cli-progress: on a terminal the line is redrawn in place (throttled);
 * on anything else (a file, CI) a line is written every few seconds and at the end.
 */
import { Format, SingleBar } from 'cli-progress';

const NOT_TTY_EVERY_MS = 3000;

/** A bar whose text the caller composes: `render` makes the text, `update` shows it, `end` shows the last one. */
export class ProgressBar {
  private bar: SingleBar | null = null;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly width = 30,
  ) {}

  /** "label [###---] done/total pct%extra", or "label N rows extra" when the total is not known yet. */
  render(label: string, done: number, total: number | null, extra = ''): string {
    if (total === null) return `${label} ${done.toLocaleString('en')} rows${extra}`;
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    const bar = Format.BarFormat(ratio, {
      barsize: this.width,
      barCompleteString: '#'.repeat(this.width),
      barIncompleteString: '-'.repeat(this.width),
      barGlue: '',
    });
    return `${label} [${bar}] ${done.toLocaleString('en')}/${total.toLocaleString('en')} ${(ratio * 100).toFixed(0).padStart(3)}%${extra}`;
  }

  /** Shows `line` (redrawn in place on a terminal; elsewhere written at most every few seconds). */
  update(line: string): void {
    if (this.bar) {
      this.bar.update(0, { line });
      return;
    }
    this.bar = new SingleBar({
      stream: this.out,
      format: (_options, _params, payload: { line: string }) => payload.line,
      noTTYOutput: true,
      notTTYSchedule: NOT_TTY_EVERY_MS,
      hideCursor: false,
      gracefulExit: false,
    });
    this.bar.start(1, 0, { line });
  }

  /** Shows `line` once more and ends the bar (the next `update` starts a new one). */
  end(line: string): void {
    this.update(line);
    this.bar?.stop();
    this.bar = null;
  }
}

/** A counting bar for a known number of items: done, failed, rate per second and elapsed seconds. */
export class CountProgress {
  private done = 0;
  private failed = 0;
  private readonly started = Date.now();
  private readonly bar: SingleBar;

  constructor(label: string, total: number, out: NodeJS.WriteStream = process.stderr) {
    this.bar = new SingleBar({
      stream: out,
      format: `[{bar}] ${label.padEnd(22)} {n}/{total}{failed}  {rate}/s  {duration}s`,
      barsize: 30,
      barCompleteChar: '#',
      barIncompleteChar: '.',
      noTTYOutput: true,
      notTTYSchedule: 5000,
      hideCursor: false,
      gracefulExit: false,
      stopOnComplete: true,
    });
    this.bar.start(Math.max(total, 0), 0, this.payload());
    if (total <= 0) this.bar.stop();
  }

  /** One item finished, well (`ok`) or not; the bar stops by itself after the last one. */
  tick(ok = true): void {
    if (ok) this.done++;
    else this.failed++;
    this.bar.update(this.done + this.failed, this.payload());
  }

  private payload(): { n: number; failed: string; rate: string } {
    const secs = (Date.now() - this.started) / 1000;
    return {
      n: this.done + this.failed,
      failed: this.failed ? ` (${this.failed} failed)` : '',
      rate: (secs > 0 ? this.done / secs : 0).toFixed(1),
    };
  }
}
