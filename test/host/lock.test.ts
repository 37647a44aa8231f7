import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withLock } from '../../src/host/lock.js';

let cache: string;
const saved = process.env.IPVS_CONFORM_CACHE;
beforeAll(async () => {
  cache = await fs.mkdtemp(path.join(os.tmpdir(), 'ipvsc-lock-'));
  process.env.IPVS_CONFORM_CACHE = cache;
});
afterAll(async () => {
  if (saved === undefined) delete process.env.IPVS_CONFORM_CACHE;
  else process.env.IPVS_CONFORM_CACHE = saved;
  await fs.rm(cache, { recursive: true, force: true });
});

describe('withLock', () => {
  it('runs holders of the same lock one at a time', async () => {
    const order: string[] = [];
    const job = (name: string) =>
      withLock('x', async () => {
        order.push(`${name}+`);
        await sleep(50);
        order.push(`${name}-`);
      });
    await Promise.all([job('a'), job('b')]);
    expect([order.slice(0, 2), order.slice(2)].map((p) => p[0]!.slice(0, 1) === p[1]!.slice(0, 1))).toEqual([true, true]);
  });

  it('takes over a lock whose owner is dead', async () => {
    const dir = path.join(cache, 'locks', 'stale.lock');
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'pid'), '999999999');
    expect(await withLock('stale', async () => 'ran')).toBe('ran');
  });

  it('releases the lock when the holder throws', async () => {
    await expect(withLock('y', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await withLock('y', async () => 'again')).toBe('again');
  });
});
