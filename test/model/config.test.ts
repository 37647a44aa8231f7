// The kernel's errors, predicted: ip_vs_genl_set_cmd, ip_vs_add_service, ip_vs_edit_service,
// ip_vs_add_dest, ip_vs_edit_dest, ip_vs_del_dest, ip_vs_set_timeout (ip_vs_ctl.c), and the
// netlink policy on the scheduler name.
import { describe, expect, it } from 'vitest';
import { runModel } from '../../src/model/index.js';
import type { Observation } from '../../src/observation.js';
import { SVC, Story, rs } from './story.js';

const errs = (s: Story, sem: '6.1' | '6.12' = '6.1') => s.run(sem).steps.map((x) => x.error?.name ?? 'ok');

describe('errors', () => {
  it('EEXIST, ESRCH, ENOENT on services', () => {
    const st = new Story('rr')
      .push({ op: 'svc-add', svc: SVC, scheduler: 'nosuch' }) // exists first: EEXIST before the scheduler
      .push({ op: 'svc-add', svc: '10.0.0.2:80', scheduler: 'nosuch' })
      .push({ op: 'svc-edit', svc: SVC, scheduler: 'nosuch' })
      .push({ op: 'svc-edit', svc: '10.0.0.9:80', scheduler: 'rr' })
      .push({ op: 'svc-del', svc: '10.0.0.9:80' })
      .push({ op: 'svc-add', svc: '10.0.0.3:80', scheduler: 'none' });
    expect(errs(st)).toEqual(['ok', 'EEXIST', 'ENOENT', 'ENOENT', 'ESRCH', 'ESRCH', 'ok']);
  });

  it('strerror texts and numbers', () => {
    const e = new Story('rr').add(1).add(1).run().steps[2]!.error!;
    expect(e).toEqual({ errno: 17, name: 'EEXIST', message: 'File exists' });
    const r = new Story('rr').add(1, { upper: 1, lower: 2 }).run().steps[1]!.error!;
    expect(r).toEqual({ errno: 34, name: 'ERANGE', message: 'Numerical result out of range' });
  });

  it('dests: ESRCH without the service, ERANGE (weight < 0, l > u) before EEXIST, ENOENT on edit/del', () => {
    const st = new Story('rr')
      .add(1)
      .push({ op: 'dest-add', svc: '10.0.0.9:80', dest: rs(1), weight: 1, upper: 0, lower: 0 })
      .add(1, { weight: -1 })
      .add(1, { upper: 1, lower: 2 })
      .edit(2)
      .del(2)
      .edit(1, { upper: 1, lower: 5 });
    expect(errs(st)).toEqual(['ok', 'ok', 'ESRCH', 'ERANGE', 'ERANGE', 'ENOENT', 'ENOENT', 'ERANGE']);
  });

  it('u_threshold > INT_MAX: EINVAL in 6.12 only', () => {
    const st = new Story('rr').add(1, { upper: 2 ** 31 });
    expect(errs(st, '6.12')).toEqual(['ok', 'EINVAL']);
    expect(errs(st, '6.1')).toEqual(['ok', 'ok']);
  });

  it('scheduler names: twos only in 6.12, longer than 15 chars is EINVAL', () => {
    expect(errs(new Story('twos'), '6.1')).toEqual(['ENOENT']);
    expect(errs(new Story('twos'), '6.12')).toEqual(['ok']);
    expect(errs(new Story('a'.repeat(16)))).toEqual(['EINVAL']);
  });

  it("which schedulers exist follows the kernel's own list where it gave one, not the rule set (6.12.101: 6.1 rules, twos built)", () => {
    const story = new Story('twos');
    const kernel = (schedulers: string[]): Observation => ({ backend: 'qemu', kernel: { name: 'debian:6.12.101-1~deb12u1' }, steps: [{ index: 0 }], schedulers });
    const run = (schedulers: string[]) => runModel(story.scenario(), { semantics: '6.1', follow: kernel(schedulers) }).steps.map((x) => x.error?.name ?? 'ok');
    expect(run(['rr', 'twos'])).toEqual(['ok']);
    // and the other way: a 6.12 kernel built without a scheduler has none of it
    expect(runModel(new Story('mh').scenario(), { semantics: '6.12', follow: kernel(['rr']) }).steps[0]!.error?.name).toBe('ENOENT');
  });

  it('timeouts: 0 keeps a value, more than INT_MAX / HZ is EINVAL', () => {
    const st = new Story().push({ op: 'timeouts', tcp: 0, tcpfin: 0, udp: 0 }).push({ op: 'timeouts', tcp: 8_589_935, tcpfin: 0, udp: 0 });
    expect(errs(st)).toEqual(['ok', 'EINVAL']);
  });
});
