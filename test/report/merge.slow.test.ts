// Sharding end to end on the real 6.1 kernel: the same seed split in two shards (two processes,
// two backends) and merged with `report merge` gives the unsharded run, case for case.
import { execa } from 'execa';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = path.resolve(import.meta.dirname, '../../bin/ipvs-conform.mjs');
const run = (...args: string[]) => execa('node', [BIN, ...args], { reject: false });

describe('report merge of real shards', () => {
  it('two shards merged equal the unsharded run', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ipvsc-shards-'));
    const common = ['run', '--kernel', '6.1', '--cases', '12', '--seed', '5', '--scheduler', 'rr', '--scheduler', 'wlc', '--scheduler', 'sh', '--scheduler', 'mh'];
    const [a, b, all] = await Promise.all([
      run(...common, '--shard', '0/2', '--jobs', '1', '--report', path.join(dir, 's0')),
      run(...common, '--shard', '1/2', '--jobs', '1', '--report', path.join(dir, 's1')),
      run(...common, '--jobs', '1', '--report', path.join(dir, 'all')),
    ]);
    for (const r of [a, b, all]) expect([0, 1], r.stderr).toContain(r.exitCode);
    const m = await run('report', 'merge', path.join(dir, 's0'), path.join(dir, 's1'), '--out', path.join(dir, 'merged'), '--json');
    const merged = JSON.parse(m.stdout);
    const unsharded = JSON.parse(await readFile(path.join(dir, 'all', 'summary.json'), 'utf8'));
    const key = (c: { index: number; seed: number; scheduler: string; events: number; outcome: string }) => `${c.index} ${c.seed} ${c.scheduler} ${c.events} ${c.outcome}`;
    expect(merged.cases.map(key)).toEqual(unsharded.cases.map(key).sort((x: string, y: string) => parseInt(x) - parseInt(y)));
    expect(merged.kernels[0].schedulers).toEqual(unsharded.kernels[0].schedulers);
    expect(merged.exitCode).toBe(unsharded.exitCode);
    expect(await readFile(path.join(dir, 'merged', 'junit.xml'), 'utf8')).toContain('tests="12"');
  }, 400_000);
});
