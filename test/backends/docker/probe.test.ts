import { describe, expect, it } from 'vitest';
import { fwmarkLack, mapRelease, noIpvsError, noSchedulersError, parseProbe, readSchedulerProbe, schedulerProbeScenario, schedulersToTry } from '../../../src/backends/docker/probe.js';
import { InfraError } from '../../../src/errors.js';
import { loadKernels, parseKernels } from '../../../src/backends/qemu/kernels.js';

describe('parseProbe', () => {
  it('reads a host with IPVS loaded as modules', () => {
    const p = parseProbe('release 6.8.0-1017-azure\nipvs IP Virtual Server version 1.2.1 (size=4096)\nmodules ip_vs_rr ip_vs \n');
    expect(p).toEqual({ release: '6.8.0-1017-azure', ipvs: 'IP Virtual Server version 1.2.1 (size=4096)', modules: ['ip_vs_rr', 'ip_vs'] });
  });
  it('reads a host without IPVS', () => {
    expect(parseProbe('release 6.18.44-fc-v669\nipvs none\nmodules \n')).toEqual({ release: '6.18.44-fc-v669', ipvs: null, modules: [] });
  });
  it('keeps /proc/version', () => {
    expect(parseProbe('release 6.1.0-57-cloud-amd64\nversion Linux version 6.1.0-57-cloud-amd64 (x) #1 SMP Debian 6.1.192-3 (2026-11-20)\nipvs none\n').procVersion).toBe(
      'Linux version 6.1.0-57-cloud-amd64 (x) #1 SMP Debian 6.1.192-3 (2026-11-20)',
    );
  });
  it('rejects output that is not the probe', () => {
    expect(() => parseProbe('sh: /probe.sh: not found\n')).toThrow(/printed no "release" and "ipvs" lines/);
  });
});

describe('noIpvsError', () => {
  it('names what is missing and both fixes', () => {
    const e = noIpvsError({ release: '6.18.44', ipvs: null, modules: [] }, 'unix:///x.sock');
    expect(e).toBeInstanceOf(InfraError);
    expect(e.code).toBe('IPVS_CONFORM_NO_IPVS');
    expect(e.exitCode).toBe(3);
    expect(e.message).toMatch(/6\.18\.44.*has no IPVS.*\/proc\/net\/ip_vs/);
    expect(e.message).toMatch(/modprobe ip_vs/);
    expect(e.message).toMatch(/--backend qemu/);
    expect(e.permanent).toBe(true); // not retried: only the user can load ip_vs
  });
});

describe('mapRelease (the host kernel\'s exact version picks the semantics)', () => {
  const table = loadKernels();
  const debian = (rel: string, pkg: string) => ({ release: rel, procVersion: `Linux version ${rel} (debian-kernel@lists.debian.org) (gcc-12) #1 SMP PREEMPT_DYNAMIC Debian ${pkg} (2026-11-20)` });
  it('reads /proc/version on a Debian host: 6.1.192 follows the 6.12 rules (backported in 6.1.183)', () => {
    expect(mapRelease(debian('6.1.0-57-cloud-amd64', '6.1.192-3'), table)).toMatchObject({ name: '6.12', semantics: '6.12' });
    expect(mapRelease(debian('6.1.0-50-cloud-amd64', '6.1.176-1'), table)).toMatchObject({ name: '6.1', semantics: '6.1' });
    expect(mapRelease(debian('6.12.107+deb12-amd64', '6.12.107-1~deb12u1'), table)).toMatchObject({ name: '6.12', semantics: '6.12' });
  });
  it('says which version it read and which table line applied', () => {
    expect(mapRelease(debian('6.1.0-57-cloud-amd64', '6.1.192-3'), table).rule).toMatch(/semantics 6\.12: 6\.1\.192 \(\/proc\/version's "Debian 6\.1\.192-3"\): stable 6\.1\.183/);
    expect(mapRelease({ release: '6.12.103' }, table).rule).toMatch(/semantics 6\.1: 6\.12\.103 \(release 6\.12\.103\): before stable 6\.12\.104/);
  });
  it('an ABI release without /proc/version, or an unknown stream, is an error naming --semantics', () => {
    expect(() => mapRelease({ release: '6.1.0-57-cloud-amd64' }, table)).toThrow(/6\.1\.0-57-cloud-amd64.*ABI number.*--semantics/);
    expect(() => mapRelease({ release: '6.10.14-linuxkit' }, table)).toThrow(/kernel 6\.10\.14 \(release 6\.10\.14-linuxkit\).*--semantics 6\.1 .*--semantics 6\.12/);
  });
  it('--semantics skips the lookup', () => {
    expect(mapRelease({ release: '6.10.14-linuxkit' }, table, '6.1')).toMatchObject({ name: '6.1', semantics: '6.1' });
  });
  it('names the newest pinned kernel of that semantics, from the table', () => {
    const entry = (release: string, version: string) =>
      `{release: ${release}, version: ${version}, image: linux-image-${release}, headers: [linux-headers-${release}], source: linux-source-x=${version}}`;
    const t = parseKernels(
      `default: a\nkernels:\n  a: ${entry('6.1.0-1-amd64', '6.1.1-1')}\n  b: ${entry('6.1.0-2-amd64', '6.1.170-1')}\n` +
        `  c: ${entry('6.12.110+deb12-amd64', '6.12.110-1')}\n  d: ${entry('6.1.0-3-amd64', '6.1.190-1')}\n`,
    );
    expect(mapRelease({ release: '6.1.100' }, t).name).toBe('b');
    expect(mapRelease({ release: '6.1.185' }, t).name).toBe('c');
  });
});

describe('scheduler probe', () => {
  const names = ['rr', 'wlc', 'hprio'];
  it('adds one throwaway service per scheduler on distinct ports', () => {
    const s = schedulerProbeScenario(names);
    expect(s.events.map((e) => (e.op === 'svc-add' ? `${e.svc} ${e.scheduler}` : e.op))).toEqual([
      '10.0.0.1:10000 rr',
      '10.0.0.1:10001 wlc',
      '10.0.0.1:10002 hprio',
    ]);
  });
  it('ENOENT means unavailable, success means present', () => {
    const r = readSchedulerProbe(names, [
      { index: 0 },
      { index: 1 },
      { index: 2, error: { errno: 2, name: 'ENOENT', message: 'No such file or directory' } },
    ]);
    expect(r).toEqual({ schedulers: ['rr', 'wlc'], unavailable: ['hprio'] });
  });
  it('any other error is infrastructure trouble, not an unavailable scheduler', () => {
    expect(() =>
      readSchedulerProbe(['rr'], [{ index: 0, error: { errno: 1, name: 'EPERM', message: 'Operation not permitted' } }]),
    ).toThrow(/EPERM.*expected success or ENOENT/);
    expect(() => readSchedulerProbe(['rr'], [])).toThrow(/no result for rr/);
  });
});

describe('schedulersToTry (never make the host load a module)', () => {
  const known = ['rr', 'wlc', 'twos', 'hprio'];
  it('with ip_vs as a loaded module, only the loaded scheduler modules are tried', () => {
    const probe = { release: '6.8.0', ipvs: 'IP Virtual Server version 1.2.1 (size=4096)', modules: ['ip_vs_wlc', 'ip_vs_rr', 'ip_vs'] };
    expect(schedulersToTry(probe, known)).toEqual({ tryThese: ['rr', 'wlc'], notLoaded: ['twos', 'hprio'] });
  });
  it('hprio counts where its module is loaded', () => {
    const probe = { release: '6.1.0', ipvs: 'x', modules: ['ip_vs_hprio', 'ip_vs'] };
    expect(schedulersToTry(probe, known).tryThese).toEqual(['hprio']);
  });
  it('with IPVS built in, every known scheduler is tried', () => {
    expect(schedulersToTry({ release: '6.10.14-linuxkit', ipvs: 'x', modules: [] }, known)).toEqual({ tryThese: known, notLoaded: [] });
  });
  it('no scheduler at all is a clear error with the modprobe line', () => {
    const e = noSchedulersError({ release: '6.8.0', ipvs: 'x', modules: ['ip_vs'] });
    expect(e.code).toBe('IPVS_CONFORM_NO_SCHEDULERS');
    expect(e.permanent).toBe(true);
    expect(e.message).toMatch(/modprobe ip_vs_\$s/);
  });
});

describe('fwmark on a Docker host (tc clsact, flower, skbedit)', () => {
  const base = 'release 6.1.0-50-cloud-amd64\nipvs IP Virtual Server version 1.2.1 (size=4096)\nmodules ip_vs \n';
  it('reads the tc modules the host has loaded', () => {
    expect(parseProbe(`${base}tc sch_ingress cls_flower \n`).tc).toEqual(['sch_ingress', 'cls_flower']);
    expect(parseProbe(`${base}tc builtin\n`).tc).toBe('builtin');
  });
  it('can run fwmark cases only with all three loaded, or with no module support at all', () => {
    expect(fwmarkLack(parseProbe(`${base}tc sch_ingress cls_flower act_skbedit \n`))).toBeUndefined();
    expect(fwmarkLack(parseProbe(`${base}tc builtin\n`))).toBeUndefined();
    const why = fwmarkLack(parseProbe(`${base}tc cls_flower \n`));
    expect(why).toMatch(/has not loaded sch_ingress, act_skbedit/);
    expect(why).toMatch(/modprobe -a sch_ingress cls_flower act_skbedit/);
    expect(fwmarkLack(parseProbe(base))).toMatch(/sch_ingress, cls_flower, act_skbedit/); // an older probe said nothing
  });
});
