// A pool of N guests. A case takes an idle guest and gives it back; a guest that failed (a
// timeout, QEMU gone, a kernel finding) is killed and a fresh one boots in its place, so the
// next case never runs on a hung or tainted kernel. The failing case's error goes to the caller
// as it was (InfraError, KernelFinding): never a pass.
import { InfraError, KernelFinding, UsageError } from '../../errors.js';
import type { AgentLink, Guest } from './guest.js';
import { log } from './log.js';

export class GuestPool<L extends AgentLink> {
  private readonly idle: Guest<L>[] = [];
  private readonly all = new Set<Guest<L>>();
  private readonly waiters: { resolve: (g: Guest<L>) => void; reject: (e: unknown) => void }[] = [];
  private booting = 0;
  private readonly pending = new Set<Promise<Guest<L>>>();
  private closed = false;
  private lastBootError: unknown;
  /** Guests booted to replace failed ones. */
  replaced = 0;

  constructor(
    private readonly size: number,
    private readonly bootOne: () => Promise<Guest<L>>,
  ) {
    if (!Number.isInteger(size) || size < 1)
      throw new InfraError('IPVS_CONFORM_BAD_JOBS', `bad jobs: ${size}, want a positive integer`);
  }

  /** Boots every guest; resolves with the first one's hello once all are ready. Any boot failure fails start. */
  async start(): Promise<Guest<L>[]> {
    const guests = await Promise.allSettled(Array.from({ length: this.size }, () => this.bootOne()));
    const failed = guests.find((g) => g.status === 'rejected');
    for (const g of guests) if (g.status === 'fulfilled') this.all.add(g.value);
    if (failed) {
      await this.close();
      throw (failed as PromiseRejectedResult).reason;
    }
    const ok = guests.map((g) => (g as PromiseFulfilledResult<Guest<L>>).value);
    this.idle.push(...ok);
    return ok;
  }

  /**
   * Runs fn on an idle guest. A throw from fn marks the guest broken (killed and replaced), except
   * a UsageError: the input was bad before anything reached the guest.
   */
  async withGuest<T>(fn: (g: Guest<L>) => Promise<T>): Promise<T> {
    const g = await this.acquire();
    let broken = true;
    try {
      const result = await fn(g);
      broken = false;
      return result;
    } catch (err) {
      if (err instanceof UsageError) broken = false;
      throw err;
    } finally {
      if (broken || !g.usable) this.replace(g);
      else this.release(g);
    }
  }

  private acquire(): Promise<Guest<L>> {
    if (this.closed) return Promise.reject(new InfraError('IPVS_CONFORM_CLOSED', 'the QEMU backend is closed'));
    while (this.idle.length > 0) {
      const g = this.idle.shift()!;
      if (g.usable) return Promise.resolve(g);
      this.replace(g); // died, or lost its channel, while idle
    }
    if (this.all.size === 0 && this.booting === 0) return Promise.reject(this.noGuest('no guest is left and none could be booted'));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private release(g: Guest<L>): void {
    const w = this.waiters.shift();
    if (w) w.resolve(g);
    else this.idle.push(g);
  }

  private replace(g: Guest<L>): void {
    this.all.delete(g);
    g.kill();
    void g.close(0);
    if (this.closed) return;
    this.replaced++;
    log(`guest ${g.id} replaced: booting a fresh one`);
    this.bootReplacement(1);
  }

  /** Boots a replacement (two tries); when no guest is left at all, waiting cases fail. */
  private bootReplacement(attempt: number): void {
    this.booting++;
    const boot = this.bootOne();
    this.pending.add(boot);
    boot.then(
      (fresh) => {
        this.booting--;
        this.pending.delete(boot);
        if (this.closed) return void fresh.close();
        this.all.add(fresh);
        this.release(fresh);
      },
      (err) => {
        this.booting--;
        this.pending.delete(boot);
        this.lastBootError = err;
        log(`replacement guest did not boot (try ${attempt}): ${(err as Error).message.split('\n')[0]}`);
        if (this.closed) return;
        if (attempt < 2) return this.bootReplacement(attempt + 1);
        if (this.all.size === 0 && this.booting === 0)
          for (const w of this.waiters.splice(0)) w.reject(this.noGuest(`no guest could be booted after ${attempt} tries`));
      },
    );
  }

  /** Kills an idle guest whose kernel is tainted and boots a fresh one in its place. */
  retire(g: Guest<L>): void {
    const i = this.idle.indexOf(g);
    if (i < 0) return;
    this.idle.splice(i, 1);
    this.replace(g);
  }

  /** Every guest the pool holds now (idle or busy). */
  guests(): Guest<L>[] {
    return [...this.all];
  }

  /** Why no guest is left: the kernel's own trouble while booting stays a KernelFinding (exit 4). */
  private noGuest(message: string): Error {
    if (this.lastBootError instanceof KernelFinding) return this.lastBootError;
    return new InfraError('IPVS_CONFORM_NO_GUEST', message, { cause: this.lastBootError });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new InfraError('IPVS_CONFORM_CLOSED', 'the QEMU backend was closed'));
    const guests = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(guests.map((g) => g.close()));
    // Replacements still booting are closed as they come up (or fail): wait for them too.
    await Promise.allSettled([...this.pending].map((p) => p.then((g) => g.close())));
  }
}
