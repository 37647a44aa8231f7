// A cache entry appears whole or not at all, even when two builders race or one fails.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cachedDir } from '../../src/patch/cachedir.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'patch-cache-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('cachedDir', () => {
  it('builds once, then returns the cached entry without calling fill', async () => {
    const final = path.join(root, 'a', 'key');
    let calls = 0;
    const fill = async (tmp: string) => {
      calls++;
      await writeFile(path.join(tmp, 'x'), 'built');
    };
    expect(await cachedDir(final, fill)).toEqual({ dir: final, cached: false });
    expect(await cachedDir(final, fill)).toEqual({ dir: final, cached: true });
    expect(calls).toBe(1);
    expect(await readFile(path.join(final, 'x'), 'utf8')).toBe('built');
  });

  it('leaves nothing behind when fill throws', async () => {
    const final = path.join(root, 'key');
    await expect(cachedDir(final, async () => Promise.reject(new Error('compiler said no')))).rejects.toThrow('compiler said no');
    expect(await readdir(root)).toEqual([]);
  });

  it('a second builder waits for the first and reuses its entry: one build, no temporary directory', async () => {
    const final = path.join(root, 'key');
    let calls = 0;
    const fill = (v: string) => async (tmp: string) => {
      calls++;
      await sleep(50);
      await writeFile(path.join(tmp, 'x'), v);
    };
    const [a, b] = await Promise.all([cachedDir(final, fill('one')), cachedDir(final, fill('two'))]);
    expect(calls).toBe(1);
    expect([a.cached, b.cached].sort()).toEqual([false, true]);
    expect(await readdir(root)).toEqual(['key']);
  });

  it('takes over a lock left by a process that is gone', async () => {
    const final = path.join(root, 'key');
    await mkdir(`${final}.lock`);
    await writeFile(path.join(`${final}.lock`, 'pid'), '999999999');
    await cachedDir(final, async (tmp) => writeFile(path.join(tmp, 'x'), 'built'));
    expect(await readdir(root)).toEqual(['key']);
  });
});
