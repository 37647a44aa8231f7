// Cache keys: an unchanged input gives the same key (a second build is a cache hit); any changed
// input gives another (it rebuilds).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheKey, hashFile, hashTree } from '../../../src/backends/qemu/hash.js';
import { rootfsKey } from '../../../src/backends/qemu/rootfs.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ipvsc-hash-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('cacheKey', () => {
  it('does not depend on the order inputs are listed in', () => {
    expect(cacheKey({ a: '1', b: '2' })).toBe(cacheKey({ b: '2', a: '1' }));
  });
  it('changes when any input changes, is added or removed', () => {
    const k = cacheKey({ a: '1', b: '2' });
    expect(cacheKey({ a: '1', b: '3' })).not.toBe(k);
    expect(cacheKey({ a: '1', b: '2', c: '' })).not.toBe(k);
    expect(cacheKey({ a: '1' })).not.toBe(k);
  });
});

describe('hashTree', () => {
  it('follows file contents and names, and leaves out skipped directories', async () => {
    const t = path.join(dir, 'tree');
    await fs.mkdir(path.join(t, 'src'), { recursive: true });
    await fs.mkdir(path.join(t, 'build'), { recursive: true });
    await fs.writeFile(path.join(t, 'src', 'a.c'), 'int a;');
    const h1 = await hashTree(t, ['build']);
    await fs.writeFile(path.join(t, 'build', 'a.o'), 'junk');
    expect(await hashTree(t, ['build'])).toBe(h1);
    await fs.writeFile(path.join(t, 'src', 'a.c'), 'int b;');
    expect(await hashTree(t, ['build'])).not.toBe(h1);
    await fs.writeFile(path.join(t, 'src', 'a.c'), 'int a;');
    expect(await hashTree(t, ['build'])).toBe(h1);
    await fs.rename(path.join(t, 'src', 'a.c'), path.join(t, 'src', 'b.c'));
    expect(await hashTree(t, ['build'])).not.toBe(h1);
  });
});

describe('rootfsKey', () => {
  it('changes with a given init script and the agent binary (the default /init is the agent)', async () => {
    const agent = path.join(dir, 'agent');
    await fs.writeFile(agent, 'agent v1');
    const base = cacheKey(await rootfsKey(agent));
    expect(cacheKey(await rootfsKey(agent))).toBe(base);
    const init2 = path.join(dir, 'init');
    await fs.writeFile(init2, '#!/bin/sh\nexec /sbin/ipvsc-agent\n');
    const withScript = cacheKey(await rootfsKey(agent, init2));
    expect(withScript).not.toBe(base);
    await fs.writeFile(init2, '#!/bin/sh\nexec /sbin/ipvsc-agent --verbose\n');
    expect(cacheKey(await rootfsKey(agent, init2))).not.toBe(withScript);
    await fs.writeFile(agent, 'agent v2');
    expect(cacheKey(await rootfsKey(agent))).not.toBe(base);
    expect(await hashFile(agent)).toMatch(/^[0-9a-f]{64}$/);
  });
});
