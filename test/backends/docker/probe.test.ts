import { describe, expect, it } from 'vitest';
import { mapRelease, noIpvsError, noSchedulersError, parseProbe, parseVersion, readSchedulerProbe, schedulerProbeScenario, schedulersToTry } from '../../../src/backends/docker/probe.js';
import { InfraError } from '../../../src/errors.js';
import { loadKernels, parseKernels } from '../../../src/vm/kernels.js';

describe('parseProbe', () => {
  it('reads a host with IPVS loaded as modules', () => {
    const p = parseProbe('release 6.8.0-1017-azure\nipvs IP Virtual Server version 1.2.1 (size=4096)\nmodules ip_vs_rr ip_vs \n');
    expect(p).toEqual({ release: '6.8.0-1017-azure', ipvs: 'IP Virtual Server version 1.2.1 (size=4096)', modules: ['ip_vs_rr', 'ip_vs'] });
  });
  it('reads a host without IPVS', () => {
    expect(parseProbe('release 6.18.44-fc-v669\nipvs none\nmodules \n')).toEqual({ release: '6.18.44-fc-v669', ipvs: null, modules: [] });
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

describe('mapRelease (host release to the pinned semantics the model follows)', () => {
  const table = loadKernels();
  it('before upstream 6.12.104: the 6.1 semantics; at or after it: 6.12', () => {
    expect(parseVersion('6.8.0-1017-azure')).toEqual([6, 8, 0]);
    expect(mapRelease('6.8.0-1017-azure', table)).toMatchObject({ name: '6.1', semantics: '6.1' });
    expect(mapRelease('6.12.50-generic', table)).toMatchObject({ name: '6.1' });
    expect(mapRelease('6.12.104', table)).toMatchObject({ name: '6.12', semantics: '6.12' });
    expect(mapRelease('6.12.107+deb12-amd64', table)).toMatchObject({ name: '6.12' });
    expect(mapRelease('6.18.44-fc-v669', table)).toMatchObject({ name: '6.12' });
    expect(mapRelease('5.15.0-1070-azure', table)).toMatchObject({ name: '6.1' });
  });
  it('says which rule it applied', () => {
    expect(mapRelease('6.10.14-linuxkit', table).rule).toMatch(/6\.10\.14 is before upstream 6\.12\.104.*pinned kernel 6\.1/);
    expect(mapRelease('weird', table).rule).toMatch(/no version number/);
  });
  it('names the newest pinned kernel of that semantics, from the table', () => {
    const t = parseKernels(
      'default: a\nkernels:\n  a: {release: r, version: 6.1.1-1, image: i, headers: [h], source: s, semantics: "6.1"}\n' +
        '  b: {release: r, version: 6.6.30-1, image: i, headers: [h], source: s, semantics: "6.1"}\n' +
        '  c: {release: r, version: 6.12.110-1, image: i, headers: [h], source: s, semantics: "6.12"}\n',
    );
    expect(mapRelease('6.8.0', t).name).toBe('b');
    expect(mapRelease('6.14.0', t).name).toBe('c');
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
