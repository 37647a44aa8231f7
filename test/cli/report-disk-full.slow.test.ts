// The report's disk fills up during a real `run` on the 6.1 kernel: --report is a 200 KiB tmpfs,
// mounted in a mount namespace of the run's own (unshare -m: the host's mounts are untouched):
// hprio's divergence in seed 2 (case 5) saves its case file, then its ~250 KB HTML page fills it.
// The promise: a clear infrastructure error (exit 3, what was refused, the fix), never "internal
// error"; every file already written whole (each case file parses), no temporary file of an atomic
// write left; no QEMU left.
// The tmpfs goes with its namespace: the shell copies the report out before it ends.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pidDir } from '../../src/backends/qemu/reaper.js';
import { loadCase } from '../../src/casefile/casefile.js';
import { REPO_ROOT } from '../../src/patch/env.js';

const BIN = path.join(REPO_ROOT, 'bin/ipvs-conform.mjs');
let root = '';
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'ipvsc-diskfull-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('the report disk full (kernel 6.1)', () => {
  it('is exit 3 with the fix; what was written is whole; nothing left behind', async () => {
    const mnt = path.join(root, 'mnt');
    const kept = path.join(root, 'kept');
    const tmp = path.join(root, 'tmp');
    const run = `node ${BIN} run --kernel 6.1 --scheduler rr,hprio --seed 2 --cases 8 --jobs 1 --report ${mnt}/r`;
    const script = `mkdir -p ${mnt} ${tmp} && mount -t tmpfs -o size=200k tmpfs ${mnt} && { ${run} & echo "node pid $!"; wait $!; code=$?; cp -a ${mnt}/r ${kept}; exit $code; }`;
    const r = await execa('unshare', ['-m', 'sh', '-c', script], { reject: false, all: true, cwd: REPO_ROOT, env: { NO_COLOR: '1', TMPDIR: tmp } });
    expect(r.all).not.toContain('internal error');
    expect(r.all).toMatch(/refused .*: no space left on the device \(ENOSPC\).*Fix: free space on the disk holding --report/);
    expect(r.exitCode, r.all).toBe(3);
    const cases = await readdir(path.join(kept, 'cases'));
    console.log(`kept: ${cases.join(' ') || 'no case file'}; ${r.all.split('\n').filter((l) => l.includes('refused')).join('')}`);
    expect(cases, r.all).toContain('6.1-hprio-dest-seed2-case5.yaml');
    for (const f of cases) {
      expect(f, r.all).toMatch(/\.yaml$/); // an atomic write's temporary is .FILE.yaml.PID-HEX.tmp
      await loadCase(path.join(kept, 'cases', f));
    }
    const node = /node pid (\d+)/.exec(r.all)![1];
    const own = (await readdir(pidDir()).catch(() => [] as string[])).filter((n) => n.startsWith(`${node}-`));
    expect(own).toEqual([]);
    expect((await readdir(tmp)).filter((n) => !n.startsWith('tsx-'))).toEqual([]);
  }, 600_000);
});
