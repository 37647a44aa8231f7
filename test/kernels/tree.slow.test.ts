// --kernel tree:DIR on a real kernel built from a tree: Debian's linux-source-6.12 with only
// vm/tree/ipvs-conform.config on top of allnoconfig (built once, cached in the per-user cache;
// test/helpers/tree-kernel.ts). The harness boots its bzImage with its own IPVS modules and hprio
// built against it, picks the semantics from the tree's version, and runs the same cases; a
// one-line bug patched into the tree's IPVS is caught.
import { execa } from 'execa';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { treeMissingOptions } from '../../src/kernels/tree.js';
import { testTreeKernel, type TreeBuild } from '../helpers/tree-kernel.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/ipvs-conform.mjs');
const ROOT = path.resolve(import.meta.dirname, '../..');
const cli = (args: string[]) => execa('node', [BIN, ...args], { reject: false });
let tree: TreeBuild;

beforeAll(async () => {
  tree = await testTreeKernel((m) => process.stderr.write(`[tree] ${m}\n`));
  if (tree.buildMs) process.stderr.write(`[tree] built ${tree.dir} in ${(tree.buildMs / 1000).toFixed(0)} s\n`);
}, 90 * 60_000);

describe('a kernel built from a tree (Debian linux-source-6.12, minimal config)', () => {
  it('has every option the harness needs, and vm build makes its image', async () => {
    expect(await treeMissingOptions(tree.dir)).toEqual([]);
    const r = await cli(['vm', 'build', '--kernel', `tree:${tree.dir}`]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`tree:${tree.dir}: release 6\\.12\\.\\d+, build [0-9a-f]{16}; model semantics 6\\.12: 6\\.12\\.\\d+ \\(.*Makefile.*kernel\\.release 6\\.12\\.\\d+\\): stable 6\\.12\\.104`));
  }, 600_000);

  it('run --kernel tree:DIR: the cases agree with the model (hprio may differ only as documented)', async () => {
    const report = await mkdtemp(path.join(tmpdir(), 'ipvsc-tree-'));
    const r = await cli(['run', '--kernel', `tree:${tree.dir}`, '--cases', '30', '--seed', '11', '--report', report, '--json']);
    const summary = JSON.parse(r.stdout || '{}');
    expect(summary.kernels?.[0], r.stderr).toMatchObject({ kernel: `tree:${tree.dir}`, semantics: '6.12' });
    expect(summary.kernels[0].release).toMatch(/^6\.12\.\d+$/);
    expect(summary.totals).toMatchObject({ cases: 30, infra: 0, kernel: 0, modelErrors: 0 });
    expect(summary.findings.filter((f: { scheduler: string }) => f.scheduler !== 'hprio'), r.stderr).toEqual([]);
    expect(r.stderr).toMatch(/schedulers rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh hprio twos/);
  }, 900_000);

  it('run --patch on the tree catches the one-line wlc bug (exit 1)', async () => {
    const report = await mkdtemp(path.join(tmpdir(), 'ipvsc-tree-patch-'));
    const patch = path.join(ROOT, 'vm/examples/patches/wlc-tie-off-by-one.patch');
    const r = await cli(['run', '--kernel', `tree:${tree.dir}`, '--patch', patch, '--scheduler', 'wlc', '--cases', '10', '--seed', '1', '--report', report, '--json']);
    const summary = JSON.parse(r.stdout || '{}');
    expect(summary.totals?.divergences, r.stderr).toBeGreaterThan(0);
    expect(r.exitCode).toBe(1);
  }, 900_000);
});
