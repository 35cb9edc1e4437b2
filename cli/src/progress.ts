/**
 * A one-line progress bar on stderr, drawn only on a TTY (never into logs or pipes):
 * `label [█████·····] 52% 510,000/977,500 rows 132k rows/s ETA 4s`.
 */
export class ProgressBar {
  readonly #label: string;
  #total: number;
  readonly #unit: string;
  readonly #started = Date.now();
  readonly #enabled: boolean;
  #lastDraw = 0;

  constructor(label: string, total: number, unit: string, enabled = process.stderr.isTTY === true) {
    this.#label = label;
    this.#total = total;
    this.#unit = unit;
    this.#enabled = enabled;
  }

  /** `total` updates the total when it becomes known (e.g. once a file's metadata is read). */
  update(done: number, total = this.#total, force = false): void {
    this.#total = total;
    if (!this.#enabled) return;
    const now = Date.now();
    if (!force && now - this.#lastDraw < 100) return;
    this.#lastDraw = now;
    process.stderr.write(
      `\r\x1b[K${formatProgress(this.#label, done, this.#total, this.#unit, (now - this.#started) / 1000)}`
    );
  }

  finish(): void {
    if (this.#enabled) process.stderr.write('\r\x1b[K');
  }
}

export function formatProgress(label: string, done: number, total: number, unit: string, seconds: number): string {
  const width = 20;
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(fraction * width);
  const rate = seconds > 0 ? done / seconds : 0;
  const eta = rate > 0 && total > done ? ` ETA ${Math.ceil((total - done) / rate)}s` : '';
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  return `${label} [${'█'.repeat(filled)}${'·'.repeat(width - filled)}] ${Math.floor(fraction * 100)}% ${n(done)}/${n(total)} ${unit} ${formatRate(rate)} ${unit}/s${eta}`;
}

function formatRate(rate: number): string {
  return rate >= 1000 ? `${(rate / 1000).toFixed(rate >= 100_000 ? 0 : 1)}k` : String(Math.round(rate));
}
