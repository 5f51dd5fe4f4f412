/**
 * Progress display on stderr: a cli-progress bar on a terminal; on anything else (a pipe, a log file) one plain
 * line whenever the current item (or the count) changes, so logs stay readable and stdout stays for results.
 */
import cliProgress from 'cli-progress';
import { humanBytes, isTty } from './output.js';

export type ProgressUnit = 'bytes' | 'files';

export interface ProgressView {
  /** `value` of `total` done; `label` names the current item (file, stage). */
  update(value: number, total: number, label?: string): void;
  /** Ends the display (the bar stays on screen as the last state); call it exactly once, also on errors. */
  stop(): void;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Non-terminal output: a line when the label changes (default) or when the value changes. */
  plainOn?: 'label' | 'value';
}

function amount(v: number, unit: ProgressUnit): string {
  return unit === 'bytes' ? humanBytes(v) : String(v);
}

function clip(label: string, max = 48): string {
  return label.length > max ? `…${label.slice(-(max - 1))}` : label;
}

export function createProgress(title: string, unit: ProgressUnit, o: ProgressOptions = {}): ProgressView {
  const stream = o.stream ?? process.stderr;
  return isTty(stream) ? new BarProgress(title, unit, stream) : new PlainProgress(title, unit, stream, o.plainOn ?? 'label');
}

class BarProgress implements ProgressView {
  private readonly bar: cliProgress.SingleBar;
  private started = false;

  constructor(title: string, unit: ProgressUnit, stream: NodeJS.WriteStream) {
    this.bar = new cliProgress.SingleBar({
      stream,
      barsize: 24,
      barCompleteChar: '\u2588',
      barIncompleteChar: '\u2591',
      hideCursor: false,
      clearOnComplete: false,
      format: (options, params, payload: { label?: string }) => {
        const pct = params.total > 0 ? Math.floor((100 * params.value) / params.total) : 0;
        const bar = cliProgress.Format.BarFormat(params.total > 0 ? params.value / params.total : 0, options);
        const unitText = unit === 'files' ? ' files' : '';
        const label = payload.label ? ` | ${clip(payload.label)}` : '';
        return `${title} ${bar} ${String(pct).padStart(3)}% | ${amount(params.value, unit)}/${amount(params.total, unit)}${unitText}${label}`;
      },
    });
  }

  update(value: number, total: number, label?: string): void {
    const v = Math.min(value, total);
    if (!this.started) {
      this.started = true;
      this.bar.start(total, v, { label });
      return;
    }
    this.bar.setTotal(total);
    this.bar.update(v, { label });
  }

  stop(): void {
    if (this.started) this.bar.stop();
  }
}

class PlainProgress implements ProgressView {
  private last: string | undefined;

  constructor(
    private readonly title: string,
    private readonly unit: ProgressUnit,
    private readonly stream: NodeJS.WriteStream,
    private readonly plainOn: 'label' | 'value',
  ) {}

  update(value: number, total: number, label?: string): void {
    const key = this.plainOn === 'label' ? (label ?? '') : `${value}/${total}`;
    if (key === this.last) return;
    this.last = key;
    const unitText = this.unit === 'files' ? ' files' : '';
    this.stream.write(`${this.title}: ${amount(Math.min(value, total), this.unit)}/${amount(total, this.unit)}${unitText}${label ? ` ${label}` : ''}\n`);
  }

  stop(): void {}
}
