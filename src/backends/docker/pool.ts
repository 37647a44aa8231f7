// The workers of a run: each case borrows one, and a worker that failed a case (timeout, channel
// lost, container gone, an agent `fail`) is removed and replaced, never reused. When no worker is
// left and none can be started, waiting cases fail instead of waiting forever.
import type { AgentSession } from '../../agent/session.js';
import { InfraError } from '../../errors.js';
import type { Worker } from './containers.js';
import { log } from './log.js';

export interface Slot {
  worker: Worker;
  session: AgentSession;
}

interface Waiter {
  resolve: (s: Slot) => void;
  reject: (e: Error) => void;
}

export class WorkerPool {
  private readonly slots = new Set<Slot>();
  private idle: Slot[] = [];
  private waiters: Waiter[] = [];
  private replacing = 0;
  private closed = false;

  /** `start` starts one worker and waits for its agent's hello. */
  constructor(private readonly start: () => Promise<Slot>) {}

  /** Workers alive (busy or idle). */
  get size(): number {
    return this.slots.size;
  }

  /** Container ids of the workers alive. */
  ids(): string[] {
    return [...this.slots].map((s) => s.worker.id);
  }

  /** Starts `n` workers in parallel; any failure removes the ones that did start. */
  async fill(n: number): Promise<void> {
    const results = await Promise.allSettled(Array.from({ length: n }, () => this.add()));
    const bad = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (bad) throw bad.reason;
  }

  /** Runs `fn` on a worker; if it throws, the worker is dropped and replaced, and the error rethrown. */
  async use<T>(fn: (s: Slot) => Promise<T>): Promise<T> {
    const slot = await this.acquire();
    let result: T;
    try {
      result = await fn(slot);
    } catch (err) {
      this.replace(); // counted before the drop, so a waiting case never sees an empty pool
      await this.drop(slot).catch(() => undefined);
      throw err;
    }
    this.release(slot);
    return result;
  }

  /** Removes every worker; pending and later calls fail. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.failWaiters(closedError());
    const slots = [...this.slots];
    this.slots.clear();
    this.idle = [];
    for (const s of slots) s.session.close();
    await Promise.allSettled(slots.map((s) => s.worker.remove()));
  }

  private async add(): Promise<Slot> {
    if (this.closed) throw closedError();
    const slot = await this.start();
    if (this.closed) {
      slot.session.close();
      await slot.worker.remove();
      throw closedError();
    }
    this.slots.add(slot);
    this.release(slot);
    return slot;
  }

  private replace(): void {
    if (this.closed) return;
    this.replacing++;
    this.add()
      .catch((e: unknown) => {
        log(`could not replace a worker: ${(e as Error).message}`);
        if (this.slots.size === 0 && this.replacing === 1) this.failWaiters(noWorkers(e));
      })
      .finally(() => this.replacing--);
  }

  private async drop(slot: Slot): Promise<void> {
    this.slots.delete(slot);
    slot.session.close();
    await slot.worker.remove();
  }

  private acquire(): Promise<Slot> {
    if (this.closed) return Promise.reject(closedError());
    const s = this.idle.shift();
    if (s) return Promise.resolve(s);
    if (this.slots.size === 0 && this.replacing === 0) return Promise.reject(noWorkers());
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private release(s: Slot): void {
    if (!this.slots.has(s)) return;
    const w = this.waiters.shift();
    if (w) w.resolve(s);
    else this.idle.push(s);
  }

  private failWaiters(err: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(err);
  }
}

function closedError(): InfraError {
  return new InfraError('IPVS_CONFORM_DOCKER_CLOSED', 'the Docker backend is closed');
}

function noWorkers(cause?: unknown): InfraError {
  return new InfraError('IPVS_CONFORM_DOCKER_AGENT', 'no Docker worker is left: every container failed and none could be replaced', { cause });
}
