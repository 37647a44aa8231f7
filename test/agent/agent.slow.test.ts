// The real agent in a real 6.1 guest (TCG): topology, IPVS over generic netlink, traffic, the
// listings, errors as the kernel gives them, determinism from case to case, and no leaks.
// Expected picks follow ip_vs_rr.c with the destination list newest-first (list_add_rcu).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSession } from '../../src/agent/session.js';
import type { Event, Scenario } from '../../src/scenario.js';
import { Guest } from '../../src/backends/qemu/guest.js';
import { buildImage } from '../../src/backends/qemu/image.js';
import { kernelSpec } from '../../src/backends/qemu/kernels.js';

const SVC = '10.0.0.1:80';
const dest = (d: string, weight = 1, upper = 0, lower = 0): Event => ({ op: 'dest-add', svc: SVC, dest: d, weight, upper, lower });
const connect = (n: number, svc = SVC): Event => ({ op: 'connect', conn: `c${n}`, svc, client: `10.1.0.${n}`, cport: 40000 + n });

const rrCase: Scenario = {
  version: 1,
  events: [
    { op: 'svc-add', svc: SVC, scheduler: 'rr' },
    dest('10.2.0.1:80'),
    dest('10.2.0.2:80'),
    dest('10.2.0.3:8080', 1, 2, 1),
    connect(1),
    connect(2),
    connect(3),
    connect(4),
    { op: 'fin', conn: 'c1' },
    { op: 'rst', conn: 'c2' },
    { op: 'fin', conn: 'c2' },
    { op: 'dest-edit', svc: SVC, dest: '10.2.0.3:8080', weight: 1, upper: 1, lower: 5 },
    { op: 'dest-del', svc: SVC, dest: '10.2.0.9:80' },
    { op: 'svc-add', svc: SVC, scheduler: 'nosuch' },
    { op: 'svc-add', svc: '10.0.0.5:81', scheduler: 'sh', flags: ['sh-port', 'sh-fallback'], persistent: 30, netmask: '255.255.255.0' },
    connect(5, '10.0.0.5:81'),
    { op: 'timeouts', tcp: 900, tcpfin: 120, udp: 300 },
    connect(6, '10.0.0.7:80'), // no service there: the director's own TCP refuses
    { op: 'dest-add', svc: '10.0.0.5:81', dest: '10.2.0.4:0', weight: 1, upper: 0, lower: 0 },
    connect(7, '10.0.0.5:81'), // a port-0 dest receives on the service port
    { op: 'dest-del', svc: SVC, dest: '10.2.0.1:80' },
    { op: 'fin', conn: 'c3' }, // its dest is gone: IPVS drops the FIN
    { op: 'rst', conn: 'c4' },
  ],
};

/** Steps without their times (clock and jiffies), for comparing two runs. */
const untimed = (steps: { t?: number; j?: unknown; tableJ?: unknown }[]) => steps.map(({ t: _t, j: _j, tableJ: _tj, ...rest }) => rest);

describe('guest agent in a real 6.1 kernel', () => {
  let guest: Guest<AgentSession>;

  beforeAll(async () => {
    const image = await buildImage({ kernel: '6.1' });
    guest = await Guest.boot({ image, accel: 'tcg', connect: (s) => new AgentSession(s), bootTimeoutMs: 180_000 });
  }, 600_000);

  afterAll(async () => {
    await guest?.close();
  });

  it('announces the kernel and its schedulers, hprio included', () => {
    expect(guest.hello.agent).toBe('ipvsc-agent/1');
    expect(guest.hello.release).toBe(kernelSpec('6.1').release);
    for (const s of ['rr', 'wrr', 'lc', 'wlc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblc', 'lblcr', 'sed', 'nq', 'hprio'])
      expect(guest.hello.schedulers).toContain(s);
    expect(guest.hello.schedulers).not.toContain('ftp');
    // The agent's own static ipvsadm, unless it was built without one (then the image's).
    expect(guest.hello.ipvsadm).toMatch(/^(embedded \/proc\/self\/fd\/\d+|path \/s?bin\/ipvsadm|path \/usr\/sbin\/ipvsadm)$/);
  });

  it('runs a case: real picks, counters, kernel errors and listings', async () => {
    const r = await guest.session.runCase(rrCase, { timeoutMs: 120_000 });
    const s = r.steps;
    // rr walks the list from its head, newest first: .3, .2, .1, then .3 again (x=2 not reached).
    expect(s.slice(4, 8).map((x) => x.dest)).toEqual(['10.2.0.3:8080', '10.2.0.2:80', '10.2.0.1:80', '10.2.0.3:8080']);
    const after = (i: number, d: string) => s[i]!.table!.find((x) => x.svc === SVC)!.dests.find((x) => x.dest === d)!;
    expect(after(7, '10.2.0.3:8080')).toMatchObject({ active: 2, inactive: 0, upper: 2, lower: 1, weight: 1, fwd: 'Masq' });
    // FIN leaves c1 in TIME_WAIT, RST leaves c2 in CLOSE: both inactive now.
    expect(after(9, '10.2.0.3:8080')).toMatchObject({ active: 1, inactive: 1 });
    expect(after(9, '10.2.0.2:80')).toMatchObject({ active: 0, inactive: 1 });
    expect(s[10]!.error).toBeUndefined(); // c2 was reset already: nothing to send
    expect(s[11]!.error).toEqual({ errno: 34, name: 'ERANGE', message: 'Numerical result out of range' });
    expect(s[12]!.error?.name).toBe('ENOENT');
    expect(s[13]!.error?.name).toBe('EEXIST');
    expect(s[14]!.error).toBeUndefined();
    expect(s[14]!.table!.find((x) => x.svc === '10.0.0.5:81')).toEqual({
      svc: '10.0.0.5:81',
      scheduler: 'sh',
      flags: ['sh-fallback', 'sh-port'],
      persistent: 30,
      netmask: '255.255.255.0',
      dests: [],
    });
    expect(s[15]!.dest).toBeNull(); // no destination: ip_vs_leave's ICMP, ECONNREFUSED
    expect(s[17]!.dest).toBeNull();
    expect(s[19]!.dest).toBe('10.2.0.4:0');
    expect(s[21]!.error?.name).toBe('ETIMEDOUT');
    expect(s[22]!.error).toBeUndefined();
    expect(after(22, '10.2.0.3:8080')).toMatchObject({ active: 0, inactive: 2 });
    for (let i = 1; i < s.length; i++) expect(s[i]!.t!).toBeGreaterThanOrEqual(s[i - 1]!.t!);
    expect(r.listings.list).toMatch(/^IP Virtual Server version 1\.2\.1/);
    expect(r.listings.list).toContain('TCP  10.0.0.5:81 sh (sh-fallback,sh-port) persistent 30 mask 255.255.255.0');
    expect(r.listings.thresholds).toMatch(/-> 10\.2\.0\.3:8080 +2 +1 +0 +2 /);
    expect(r.listings.conns).toMatch(/TIME_WAIT +10\.1\.0\.1:40001 +10\.0\.0\.1:80 +10\.2\.0\.3:8080/);
    expect(r.listings.conns).toMatch(/CLOSE +10\.1\.0\.2:40002 +10\.0\.0\.1:80 +10\.2\.0\.2:80/);
  }, 180_000);

  it('gives the same result case after case, with nothing left behind', async () => {
    const first = await guest.session.runCase(rrCase, { timeoutMs: 120_000 });
    const fds = (await guest.session.stats()).fds;
    for (let i = 0; i < 5; i++) await guest.session.runCase({ version: 1, events: rrCase.events.slice(0, 6) }, { timeoutMs: 60_000 });
    const again = await guest.session.runCase(rrCase, { timeoutMs: 120_000 });
    expect(untimed(again.steps)).toEqual(untimed(first.steps));
    expect((await guest.session.stats()).fds).toBe(fds);
  }, 300_000);

  it('answers a malformed script with bad, runs nothing, and stays up', async () => {
    const r = await guest.session.request('case', 'svc-add 10.0.0.1:80 sched=rr\nconnect c1 nowhere\n', 10_000);
    expect(r.kind).toBe('bad');
    expect(r.body).toMatch(/^line 2: /);
    const dup = await guest.session.request('case', 'fin c9\n', 10_000);
    expect(dup).toEqual({ kind: 'bad', body: 'line 1: fin names c9, which no earlier connect opened\n' });
    expect(await guest.session.ping(10_000)).toBeGreaterThan(0);
  }, 60_000);

  it('lists every service of a table over 256 services', async () => {
    // Regression: the agent kept the first 256 services of a dump and dropped the rest unsaid.
    const svcs = Array.from({ length: 300 }, (_, i) => `svc-add 10.0.${i >> 8}.${i & 255}:80 sched=rr\n`);
    const r = await guest.session.request('case', `${svcs.join('')}table\n`, 120_000);
    expect(r.kind).toBe('ok');
    expect(r.body).toMatch(/ table=300\n/);
    expect(r.body.match(/^S /gm)).toHaveLength(300);
  }, 180_000);

  it('reports timings of a 5-destination, 30-connection-event case with listings', async () => {
    const events: Event[] = [{ op: 'svc-add', svc: SVC, scheduler: 'wlc' }];
    for (let d = 1; d <= 5; d++) events.push(dest(`10.2.0.${d}:80`, d));
    for (let n = 1; n <= 20; n++) events.push(connect(n));
    for (let n = 1; n <= 10; n++) events.push({ op: n % 2 ? 'fin' : 'rst', conn: `c${n}` });
    const sc: Scenario = { version: 1, events };
    const t0 = performance.now();
    const r = await guest.session.runCase(sc, { timeoutMs: 120_000 });
    const wall = performance.now() - t0;
    const st = await guest.session.stats();
    expect(r.steps.filter((x) => x.error)).toEqual([]);
    expect(r.steps.filter((x) => x.dest === null)).toEqual([]);
    console.log(
      `case of ${events.length} events: ${wall.toFixed(0)} ms host round trip; in the agent setup ${st.setupMs.toFixed(1)} ms, ` +
        `script ${st.scriptMs.toFixed(1)} ms (listings ${st.listingsMs.toFixed(1)} ms), teardown ${st.teardownMs.toFixed(1)} ms`,
    );
  }, 180_000);
});
