// The pool's bookkeeping with stand-in guests (no QEMU): a failing case's guest is killed and a
// fresh one takes its place; the error reaches the caller unchanged.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { InfraError, KernelFinding, UsageError } from '../../../src/errors.js';
import type { AgentLink, Guest } from '../../../src/backends/qemu/guest.js';
import { GuestPool } from '../../../src/backends/qemu/pool.js';

interface Fake {
  id: number;
  alive: boolean;
  /** The agent channel closed (QEMU still runs). */
  channelClosed: boolean;
  readonly usable: boolean;
  killed: boolean;
  closed: boolean;
  kill(): void;
  close(): Promise<void>;
}

function fakes() {
  const made: Fake[] = [];
  let failBoots = 0;
  const boot = async (): Promise<Guest<AgentLink>> => {
    if (failBoots > 0) {
      failBoots--;
      throw new InfraError('IPVS_CONFORM_BOOT', 'no boot');
    }
    const g: Fake = {
      id: made.length + 1,
      alive: true,
      channelClosed: false,
      get usable() {
        return this.alive && !this.channelClosed;
      },
      killed: false,
      closed: false,
      kill() {
        this.killed = true;
        this.alive = false;
      },
      async close() {
        this.closed = true;
        this.alive = false;
      },
    };
    made.push(g);
    return g as unknown as Guest<AgentLink>;
  };
  return { made, boot, failNext: (n: number) => (failBoots = n) };
}

const tick = () => sleep(5);

describe('GuestPool', () => {
  it('rejects a bad size', () => {
    expect(() => new GuestPool(0, fakes().boot)).toThrow('bad jobs: 0, want a positive integer');
  });

  it('boots N guests and hands each case an idle one', async () => {
    const f = fakes();
    const pool = new GuestPool(2, f.boot);
    await pool.start();
    expect(f.made).toHaveLength(2);
    const used = await Promise.all([1, 2, 3, 4].map(() => pool.withGuest(async (g) => (await tick(), g.id))));
    expect(new Set(used)).toEqual(new Set([1, 2]));
    await pool.close();
    expect(f.made.every((g) => g.closed)).toBe(true);
  });

  it('replaces a guest whose case failed, and passes the error on', async () => {
    const f = fakes();
    const pool = new GuestPool(1, f.boot);
    await pool.start();
    const hung = new InfraError('IPVS_CONFORM_AGENT_TIMEOUT', 'hung');
    await expect(pool.withGuest(async () => Promise.reject(hung))).rejects.toBe(hung);
    expect(f.made[0]!.killed).toBe(true);
    expect(await pool.withGuest(async (g) => g.id)).toBe(2);
    const oops = new KernelFinding('oops', 'console');
    await expect(pool.withGuest(async () => Promise.reject(oops))).rejects.toBe(oops);
    expect(await pool.withGuest(async (g) => g.id)).toBe(3);
    expect(pool.replaced).toBe(2);
    await pool.close();
  });

  it('replaces an idle guest whose channel closed before a case takes it (the case is not spent on it)', async () => {
    const f = fakes();
    const pool = new GuestPool(1, f.boot);
    await pool.start();
    f.made[0]!.channelClosed = true;
    expect(await pool.withGuest(async (g) => g.id)).toBe(2);
    expect(f.made[0]!.killed).toBe(true);
    expect(pool.replaced).toBe(1);
    await pool.close();
  });

  it('replaces a guest whose channel closed during a case that still returned', async () => {
    const f = fakes();
    const pool = new GuestPool(1, f.boot);
    await pool.start();
    await pool.withGuest(async () => void (f.made[0]!.channelClosed = true));
    expect(f.made[0]!.killed).toBe(true);
    expect(await pool.withGuest(async (g) => g.id)).toBe(2);
    await pool.close();
  });

  it('keeps the guest when the input was bad before anything reached it', async () => {
    const f = fakes();
    const pool = new GuestPool(1, f.boot);
    await pool.start();
    await expect(pool.withGuest(async () => Promise.reject(new UsageError('X', 'bad field')))).rejects.toThrow('bad field');
    expect(await pool.withGuest(async (g) => g.id)).toBe(1);
    await pool.close();
  });

  it('replaces a guest that died while idle', async () => {
    const f = fakes();
    const pool = new GuestPool(1, f.boot);
    await pool.start();
    f.made[0]!.alive = false;
    expect(await pool.withGuest(async (g) => g.id)).toBe(2);
    await pool.close();
  });

  it('retries a failed replacement boot once, then fails waiting cases', async () => {
    const f = fakes();
    const pool = new GuestPool(1, f.boot);
    await pool.start();
    f.failNext(1);
    await expect(pool.withGuest(async () => Promise.reject(new InfraError('X', 'broken')))).rejects.toThrow('broken');
    expect(await pool.withGuest(async (g) => g.id)).toBe(2);
    f.failNext(2);
    await expect(pool.withGuest(async () => Promise.reject(new InfraError('X', 'broken')))).rejects.toThrow('broken');
    await expect(pool.withGuest(async (g) => g.id)).rejects.toThrow(/none could be booted|no guest could be booted/);
    await pool.close();
  });

  it('passes on a replacement that oopsed while booting as the KernelFinding it is', async () => {
    let calls = 0;
    const oops = new KernelFinding('while booting: Oops', 'console');
    const f = fakes();
    const pool = new GuestPool(1, async () => {
      if (++calls > 1) throw oops;
      return f.boot();
    });
    await pool.start();
    await expect(pool.withGuest(async () => Promise.reject(new InfraError('X', 'broken')))).rejects.toThrow('broken');
    await expect(pool.withGuest(async (g) => g.id)).rejects.toBe(oops);
    await pool.close();
  });

  it('fails start when a guest does not boot, closing the ones that did', async () => {
    const f = fakes();
    let calls = 0;
    const pool = new GuestPool(2, async () => {
      if (++calls === 2) throw new InfraError('IPVS_CONFORM_BOOT', 'second guest failed');
      return f.boot();
    });
    await expect(pool.start()).rejects.toThrow('second guest failed');
    expect(f.made[0]!.closed).toBe(true);
  });
});
