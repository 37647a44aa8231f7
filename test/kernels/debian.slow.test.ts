// Debian kernels beyond the pinned ones, on the real kernel in QEMU (TCG), resolved through this
// machine's package index: bookworm's newest 6.1 follows the 6.12 rules by its exact version
// (6.1.183+ has totalconns), judging it with the old rules finds divergences, and golden --diff
// names what changed against the pinned 6.1.176. A kernel the index keeps only as a signed image
// without headers runs too: its own schedulers (twos among them on 6.12) are tested, hprio is not.
import { execa } from 'execa';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEBIAN_STREAMS, debianOffers } from '../../src/kernels/debian.js';
import { REPO_ROOT } from '../../src/patch/env.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/ipvs-conform.mjs');
const cli = (args: string[]) => execa('node', [BIN, ...args], { reject: false });
const report = () => mkdtemp(path.join(tmpdir(), 'ipvsc-debian-'));

describe('debian:latest-6.1 on the real kernel', () => {
  it('is recorded by its exact version and agrees with the semantics its version picks', async () => {
    const r = await cli(['run', '--kernel', 'debian:latest-6.1', '--scheduler', 'lc,wlc,rr,dh', '--cases', '16', '--seed', '2026', '--report', await report(), '--json']);
    const summary = JSON.parse(r.stdout || '{}');
    expect(r.stderr).toMatch(/debian:latest-6\.1 is debian:6\.1\.\d+-\d+: linux-image-6\.1\.0-\d+-cloud-amd64-unsigned/);
    expect(summary.kernels?.[0]?.kernel, r.stderr).toMatch(/^debian:6\.1\.\d+-\d+$/);
    expect(summary.kernels[0].semantics).toBe('6.12');
    expect(summary.totals).toMatchObject({ cases: 16, infra: 0, kernel: 0, divergences: 0 });
    expect(r.exitCode, r.stderr).toBe(0);
  }, 600_000);

  it('judged with the 6.1.176 rules (--semantics 6.1) it diverges, and each divergence is saved as a minimal case', async () => {
    const r = await cli(['run', '--kernel', 'debian:latest-6.1', '--semantics', '6.1', '--scheduler', 'lc,wlc,rr,dh', '--cases', '40', '--seed', '2026', '--shrink-budget', '90s', '--report', await report(), '--json']);
    const summary = JSON.parse(r.stdout || '{}');
    expect(summary.kernels?.[0]?.semantics, r.stderr).toBe('6.1');
    expect(summary.totals.divergences, r.stderr).toBeGreaterThan(0);
    expect(summary.findings.every((f: { file: string }) => /cases\/debian_6\.1\.\d+-\d+-/.test(f.file)), JSON.stringify(summary.findings)).toBe(true);
    expect(r.exitCode).toBe(1);
  }, 900_000);

  it('golden --diff 6.1 debian:latest-6.1 names the scenarios whose scheduling changed; a kernel against itself, none', async () => {
    const r = await cli(['golden', '--diff', '6.1', 'debian:latest-6.1', '--scheduler', 'lc,fo']);
    expect(r.stdout, r.stderr).toMatch(/^lc\/threshold-edit: event 9 conn\[c6 10\.1\.1\.2:40005\]: dest\n {2}6\.1 +10\.2\.0\.1:80\n {2}debian:6\.1\.\d+-\d+ +10\.2\.0\.2:80$/m);
    expect(r.stdout).toMatch(/^2 of \d+ golden scenarios differ between 6\.1 and debian:6\.1\.\d+-\d+ \(schedulers: fo lc\)$/m);
    expect(r.exitCode).toBe(1);
    const same = await cli(['golden', '--diff', '6.1', '6.1', '--scheduler', 'lc']);
    expect(same.stdout, same.stderr).toMatch(/^0 of \d+ golden scenarios differ between 6\.1 and 6\.1$/m);
    expect(same.exitCode).toBe(0);
  }, 600_000);
});

describe('a Debian kernel left only as a signed image, without headers, on the real kernel', () => {
  /** The newest 6.12 of that kind in this machine's index (bookworm keeps 6.12.100 and .101 so). */
  const signedOnly = async () => {
    const offer = (await debianOffers(DEBIAN_STREAMS.find((s) => s.stream === '6.12')!)).find((o) => !o.image.endsWith('-unsigned') && !o.headersComplete);
    if (!offer) throw new Error("the package index has no 6.12 kernel left as a signed image without headers: pick another kernel of that kind for this test (`ipvs-conform kernels` notes them)");
    return `debian:${offer.version}`;
  };

  it('runs: the model follows the schedulers the kernel has (twos, without 6.12.104 rules), hprio is reported as not tested', async () => {
    const kernel = await signedOnly();
    const r = await cli(['run', '--kernel', kernel, '--scheduler', 'twos,lc,wlc,rr,hprio', '--cases', '16', '--seed', '2026', '--report', await report(), '--json']);
    const summary = JSON.parse(r.stdout || '{}');
    expect(r.stderr).toContain("no headers in Debian's index (hprio is not built, --patch and --module cannot be)");
    expect(summary.kernels?.[0], r.stderr).toMatchObject({ kernel, semantics: '6.1', unavailable: ['hprio'] });
    expect(Object.keys(summary.kernels[0].schedulers)).toContain('twos');
    expect(summary.totals).toMatchObject({ cases: 16, infra: 0, kernel: 0, divergences: 0 });
    expect(r.exitCode, r.stderr).toBe(0);
  }, 900_000);

  it('--module on it is a usage error naming the missing headers, before any guest boots', async () => {
    const kernel = await signedOnly();
    const r = await cli(['run', '--kernel', kernel, '--module', path.join(REPO_ROOT, 'vm/modules/hprio'), '--cases', '1', '--report', await report()]);
    expect(r.stderr).toMatch(/kernel debian:6\.12\.\d+-[^ ]+ has no build headers in Debian's package index \(linux-headers-6\.12\.\d+\+deb12-amd64\), so no module can be built for it \(--patch, --module\)\. Fix: /);
    expect(r.exitCode).toBe(2);
  }, 300_000);
});
