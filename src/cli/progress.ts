// One status line on stderr while cases run (only on a TTY): cases done, rate, findings. Log lines
// clear it, print, and redraw it, so messages and the bar never mix.
import type { CaseRecord } from '../run/records.js';

export class Progress {
  private line = '';
  private kernel = '';
  private total: number | undefined;
  private done = 0;
  private findings = 0;
  private infra = 0;
  private started = Date.now();
  private lastDraw = 0;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly enabled = !!process.stderr.isTTY,
  ) {}

  startKernel(kernel: string, total: number | undefined): void {
    Object.assign(this, { kernel, total, done: 0, infra: 0, started: Date.now(), lastDraw: Date.now() });
    this.draw(true);
  }

  onCase(r: CaseRecord): void {
    this.done++;
    if (r.outcome === 'diverge' || r.outcome === 'kernel') this.findings++;
    if (r.outcome === 'infra') this.infra++;
    this.draw(false);
  }

  log(msg: string): void {
    this.clear();
    this.out.write(msg + '\n');
    this.draw(true);
  }

  stop(): void {
    this.clear();
    this.kernel = '';
  }

  private clear(): void {
    if (this.enabled && this.line) this.out.write('\r\x1b[K');
  }

  private draw(force: boolean): void {
    if (!this.kernel) return;
    const now = Date.now();
    if (!this.enabled) {
      // Not a terminal (CI logs): one plain line every 30 s instead of a redrawn bar.
      if (now - this.lastDraw < 30_000) return;
      this.lastDraw = now;
      this.out.write(this.status(now) + '\n');
      return;
    }
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    this.line = this.status(now);
    this.out.write('\r\x1b[K' + this.line);
  }

  private status(now: number): string {
    const secs = (now - this.started) / 1000;
    const rate = secs > 0 ? this.done / secs : 0;
    const width = 24;
    const frac = this.total ? Math.min(1, this.done / this.total) : 0;
    const bar = this.total && this.enabled ? `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ` : '';
    return `${this.kernel}: ${bar}${this.done}${this.total ? `/${this.total}` : ''} cases  ${rate.toFixed(2)} cases/s  findings ${this.findings}  infra ${this.infra}`;
  }
}
