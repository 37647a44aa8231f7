import { describe, expect, it } from 'vitest';
import {
  destKey,
  eventLine,
  parseCaseResult,
  parseListings,
  parseResultHead,
  parseTable,
  ResultParseError,
  scenarioScript,
  splitResults,
} from '../../src/agent/script.js';
import { InputError } from '../../src/errors.js';
import type { Event, Scenario } from '../../src/scenario.js';

const SVC = '10.0.0.1:80';

describe('script encoding', () => {
  it('encodes every event kind as PROTOCOL.md spells it', () => {
    const cases: [Event, string][] = [
      [{ op: 'svc-add', svc: SVC, scheduler: 'rr' }, 'svc-add 10.0.0.1:80 sched=rr'],
      [
        { op: 'svc-add', svc: SVC, scheduler: 'sh', flags: ['sh-fallback', 'sh-port'], persistent: 30, netmask: '255.255.255.0' },
        'svc-add 10.0.0.1:80 sched=sh flags=sh-fallback,sh-port p=30 M=255.255.255.0',
      ],
      [{ op: 'svc-edit', svc: SVC, scheduler: 'wrr', persistent: 0 }, 'svc-edit 10.0.0.1:80 sched=wrr p=0'],
      [{ op: 'svc-del', svc: SVC }, 'svc-del 10.0.0.1:80'],
      [{ op: 'svc-add', svc: 'udp/10.0.0.2:53', scheduler: 'rr', ops: true }, 'svc-add udp/10.0.0.2:53 sched=rr ops'],
      [{ op: 'svc-edit', svc: 'fwm/5', scheduler: 'dh', persistent: 60 }, 'svc-edit fwm/5 sched=dh p=60'],
      [{ op: 'dest-del', svc: 'fwm/5', dest: '10.2.0.1:0' }, 'dest-del fwm/5 10.2.0.1:0'],
      [{ op: 'connect', conn: 'u1', svc: 'udp/10.0.5.7:53', client: '10.1.0.7', cport: 40000 }, 'connect u1 udp/10.0.5.7:53 10.1.0.7:40000'],
      [{ op: 'dest-add', svc: SVC, dest: '10.2.0.1:80', weight: 5, upper: 50, lower: 20 }, 'dest-add 10.0.0.1:80 10.2.0.1:80 w=5 x=50 y=20'],
      [{ op: 'dest-edit', svc: SVC, dest: '10.2.0.1:8080', weight: -1, upper: 0, lower: 0 }, 'dest-edit 10.0.0.1:80 10.2.0.1:8080 w=-1 x=0 y=0'],
      [{ op: 'dest-add', svc: SVC, dest: '10.2.0.1:80', weight: 1, upper: 0, lower: 0, fwd: 'route' }, 'dest-add 10.0.0.1:80 10.2.0.1:80 w=1 x=0 y=0 fwd=route'],
      [{ op: 'dest-edit', svc: SVC, dest: '10.2.0.1:80', weight: 1, upper: 0, lower: 0, fwd: 'tunnel' }, 'dest-edit 10.0.0.1:80 10.2.0.1:80 w=1 x=0 y=0 fwd=tunnel'],
      [{ op: 'dest-edit', svc: SVC, dest: '10.2.0.1:80', weight: 1, upper: 0, lower: 0, fwd: 'masq' }, 'dest-edit 10.0.0.1:80 10.2.0.1:80 w=1 x=0 y=0 fwd=masq'],
      [{ op: 'dest-del', svc: SVC, dest: '10.2.0.1:80' }, 'dest-del 10.0.0.1:80 10.2.0.1:80'],
      [{ op: 'connect', conn: 'c3', svc: SVC, client: '10.1.0.7', cport: 40000 }, 'connect c3 10.0.0.1:80 10.1.0.7:40000'],
      [{ op: 'fin', conn: 'c3' }, 'fin c3'],
      [{ op: 'rst', conn: 'c3' }, 'rst c3'],
      [{ op: 'timeouts', tcp: 900, tcpfin: 120, udp: 0 }, 'timeouts 900 120 0'],
      [{ op: 'wait', ms: 250 }, 'wait 250'],
      [{ op: 'wait', ms: 86_400_000 }, 'wait 86400000'],
      [{ op: 'send', conn: 'c3' }, 'send c3'],
      [{ op: 'shut', conn: 'c3', side: 'server' }, 'shut c3 server'],
      [{ op: 'sysctl', name: 'lblc_expiration', value: 30 }, 'sysctl lblc_expiration 30'],
    ];
    for (const [e, line] of cases) expect(eventLine(e)).toBe(line);
  });

  it('puts a table after every event and the listings last', () => {
    const s: Scenario = {
      version: 1,
      events: [
        { op: 'svc-add', svc: SVC, scheduler: 'rr' },
        { op: 'connect', conn: 'c1', svc: SVC, client: '10.1.0.1', cport: 1 },
      ],
    };
    expect(scenarioScript(s)).toBe('svc-add 10.0.0.1:80 sched=rr\ntable\nconnect c1 10.0.0.1:80 10.1.0.1:1\ntable\nlistings\n');
    expect(scenarioScript({ version: 1, events: [] })).toBe('listings\n');
  });

  it('refuses fields the line format cannot carry, naming the field', () => {
    const bad: Event[] = [
      { op: 'svc-add', svc: '10.0.0.1', scheduler: 'rr' },
      { op: 'svc-add', svc: '10.0.0.300:80', scheduler: 'rr' },
      { op: 'svc-add', svc: SVC, scheduler: 'two words' },
      { op: 'svc-add', svc: SVC, scheduler: '' },
      { op: 'svc-add', svc: SVC, scheduler: 'sh', flags: ['sh-bogus'] },
      { op: 'svc-add', svc: SVC, scheduler: 'rr', persistent: -1 },
      { op: 'svc-add', svc: SVC, scheduler: 'rr', persistent: 1, netmask: '255.255.255' },
      { op: 'dest-add', svc: SVC, dest: '10.2.0.1:70000', weight: 1, upper: 0, lower: 0 },
      { op: 'dest-add', svc: SVC, dest: '10.2.0.1:80', weight: 1.5, upper: 0, lower: 0 },
      { op: 'dest-add', svc: SVC, dest: '10.2.0.1:80', weight: 1, upper: 0, lower: 0, fwd: 'gre' as 'route' },
      { op: 'connect', conn: 'c 1', svc: SVC, client: '10.1.0.1', cport: 1 },
      { op: 'connect', conn: 'c1', svc: SVC, client: '10.1.0.1', cport: 65536 },
      { op: 'wait', ms: -5 },
      { op: 'svc-add', svc: 'tcp/10.0.0.1:80', scheduler: 'rr' },
      { op: 'svc-add', svc: 'fwm/0', scheduler: 'rr' },
      { op: 'svc-add', svc: 'fwm/05', scheduler: 'rr' },
      { op: 'svc-add', svc: SVC, scheduler: 'rr', ops: false as unknown as true },
      { op: 'connect', conn: 'c1', svc: 'fwm/5', client: '10.1.0.1', cport: 1 },
    ];
    for (const e of bad) expect(() => eventLine(e, 4), JSON.stringify(e)).toThrow(InputError);
    expect(() => eventLine({ op: 'svc-add', svc: SVC, scheduler: 'a b' }, 4)).toThrow(/events\[4\]\.scheduler/);
    expect(() => eventLine({ op: 'dest-add', svc: SVC, dest: '10.2.0.1:80', weight: 1, upper: 0, lower: 0, fwd: 'dr' as 'route' }, 2)).toThrow(/events\[2\]\.fwd.*masq, route, tunnel/);
  });
});

describe('result parsing', () => {
  it('parses ok, err, dest and counted heads', () => {
    expect(parseResultHead('ok t=12.345')).toEqual({ ok: true, t: 12.345 });
    expect(parseResultHead('ok t=1.000 dest=10.2.0.3:80')).toEqual({ ok: true, t: 1, dest: '10.2.0.3:80' });
    expect(parseResultHead('ok t=1.000 dest=none')).toEqual({ ok: true, t: 1, dest: null });
    expect(parseResultHead('ok t=1.000 table=3')).toEqual({ ok: true, t: 1, table: 3 });
    expect(parseResultHead('err t=2.5 errno=34 name=ERANGE msg=Numerical result out of range')).toEqual({
      ok: false,
      t: 2.5,
      error: { errno: 34, name: 'ERANGE', message: 'Numerical result out of range' },
    });
  });

  it('parses the kernel jiffies around a command', () => {
    expect(parseResultHead('ok t=1.000 j=4294968000,4294968002 dest=10.2.0.3:80')).toEqual({ ok: true, t: 1, j: [4294968000, 4294968002], dest: '10.2.0.3:80' });
    expect(parseResultHead('err t=2.5 j=7,7 errno=34 name=ERANGE msg=x')).toMatchObject({ ok: false, j: [7, 7], error: { errno: 34 } });
  });

  it('rejects result lines that do not follow the protocol', () => {
    for (const l of ['', 'ok', 'fine t=1', 'ok t=x', 'err t=1 errno=x', 'ok t=1 surprise=1', 'ok t=1 table=-1', 'ok t=1 j=5,4', 'ok t=1 j=5'])
      expect(() => parseResultHead(l), l).toThrow(ResultParseError);
  });

  it('parses table rows into services with their destinations in kernel order', () => {
    const rows = parseTable([
      'S udp/10.0.0.5:81 sched=sh flags=sh-port,sh-fallback p=30 M=255.255.255.0 ops=1',
      'S fwm/5 sched=dh flags=- p=- M=- ops=0',
      'S 10.0.0.1:80 sched=rr flags=- p=- M=- ops=0',
      'D 10.0.0.1:80 10.2.0.3:8080 fwd=Masq w=1 x=2 y=1 active=1 inact=1 persist=0',
      'D 10.0.0.1:80 10.2.0.2:80 fwd=Masq w=0 x=0 y=0 active=0 inact=1 persist=2',
    ]);
    expect(rows).toEqual([
      { svc: 'udp/10.0.0.5:81', scheduler: 'sh', flags: ['sh-fallback', 'sh-port'], persistent: 30, netmask: '255.255.255.0', ops: true, dests: [] },
      { svc: 'fwm/5', scheduler: 'dh', flags: [], dests: [] },
      {
        svc: '10.0.0.1:80',
        scheduler: 'rr',
        flags: [],
        dests: [
          { dest: '10.2.0.3:8080', fwd: 'Masq', weight: 1, upper: 2, lower: 1, active: 1, inactive: 1, persistent: 0 },
          { dest: '10.2.0.2:80', fwd: 'Masq', weight: 0, upper: 0, lower: 0, active: 0, inactive: 1, persistent: 2 },
        ],
      },
    ]);
    expect(() => parseTable(['D 10.0.0.1:80 10.2.0.2:80 fwd=Masq w=0 x=0 y=0 active=0 inact=1 persist=2'])).toThrow(ResultParseError);
    expect(() => parseTable(['X nonsense'])).toThrow(ResultParseError);
  });

  it('splits the listings block into its four raw texts', () => {
    const l = parseListings(['# list', 'IP Virtual Server', 'TCP  10.0.0.1:80 rr', '# thresholds', 'T', '# persistent', '# conns', 'IPVS connection entries']);
    expect(l).toEqual({ list: 'IP Virtual Server\nTCP  10.0.0.1:80 rr\n', thresholds: 'T\n', persistent: '', conns: 'IPVS connection entries\n' });
    expect(() => parseListings(['stray', '# list'])).toThrow(ResultParseError);
    expect(() => parseListings(['# list', '# thresholds', '# persistent'])).toThrow(/conns/);
  });

  it('refuses a count that runs past the end of the body', () => {
    expect(() => splitResults('ok t=1 table=3\nS 10.0.0.1:80 sched=rr flags=- p=- M=- ops=0\n')).toThrow(/announces 3 lines/);
  });

  const scenario: Scenario = {
    version: 1,
    events: [
      { op: 'svc-add', svc: SVC, scheduler: 'rr' },
      { op: 'dest-add', svc: SVC, dest: '10.2.0.1:80', weight: 1, upper: 0, lower: 0 },
      { op: 'dest-edit', svc: SVC, dest: '10.2.0.1:80', weight: 1, upper: 1, lower: 5 },
      { op: 'connect', conn: 'c1', svc: SVC, client: '10.1.0.1', cport: 40000 },
      { op: 'connect', conn: 'c2', svc: '10.0.0.9:80', client: '10.1.0.2', cport: 40000 },
      { op: 'connect', conn: 'c3', svc: SVC, client: '10.1.0.3', cport: 40000 },
    ],
  };
  const S = 'S 10.0.0.1:80 sched=rr flags=- p=- M=- ops=0';
  const D = (a: number) => `D 10.0.0.1:80 10.2.0.1:80 fwd=Masq w=1 x=0 y=0 active=${a} inact=0 persist=0`;
  const body = [
    'ok t=10.000 j=100,101', 'ok t=10.100 j=101,101 table=1', S,
    'ok t=11.000', 'ok t=11.100 table=2', S, D(0),
    'err t=12.000 errno=34 name=ERANGE msg=Numerical result out of range', 'ok t=12.100 table=2', S, D(0),
    'ok t=13.000 dest=10.2.0.1:80', 'ok t=13.100 table=2', S, D(1),
    'ok t=14.000 dest=none', 'ok t=14.100 table=2', S, D(1),
    'err t=16.000 errno=110 name=ETIMEDOUT msg=Connection timed out', 'ok t=16.100 table=2', S, D(1),
    'ok t=20.000 j=140,141 listings=5', '# list', 'IP Virtual Server version 1.2.1 (size=4096)', '# thresholds', '# persistent', '# conns',
  ].join('\n') + '\n';

  it('turns a whole case reply into steps and listings', () => {
    const r = parseCaseResult(scenario, body);
    expect(r.steps).toHaveLength(6);
    expect(r.steps[0]).toMatchObject({ index: 0, t: 10, j: [100, 101], tableJ: [101, 101], table: [{ svc: SVC, dests: [] }] });
    expect(r.steps[1]!.j).toBeUndefined();
    expect(r.listingsJ).toEqual([140, 141]);
    expect(r.steps[0]!.error).toBeUndefined();
    expect(r.steps[0]!.dest).toBeUndefined();
    expect(r.steps[2]!.error).toEqual({ errno: 34, name: 'ERANGE', message: 'Numerical result out of range' });
    expect(r.steps[3]).toMatchObject({ dest: '10.2.0.1:80', t: 13 });
    expect(r.steps[3]!.table![0]!.dests[0]!.active).toBe(1);
    expect(r.steps[4]!.dest).toBeNull();
    expect(r.steps[5]!.error?.name).toBe('ETIMEDOUT');
    expect(r.steps[5]!.dest).toBeUndefined();
    expect(r.listings.list).toBe('IP Virtual Server version 1.2.1 (size=4096)\n');
    expect(r.listings.conns).toBe('');
  });

  it('names a port-0 destination as the table does, though it receives on the service port', () => {
    const table = parseTable(['S 10.0.0.1:80 sched=rr flags=- p=- M=- ops=0', 'D 10.0.0.1:80 10.2.0.2:0 fwd=Masq w=1 x=0 y=0 active=1 inact=0 persist=0']);
    expect(destKey('10.2.0.2:80', '10.0.0.1:80', table)).toBe('10.2.0.2:0');
    expect(destKey('10.2.0.3:80', '10.0.0.1:80', table)).toBe('10.2.0.3:80');
    expect(destKey('10.2.0.2:81', '10.0.0.1:80', table)).toBe('10.2.0.2:81');
    const both = parseTable([...['S 10.0.0.1:80 sched=rr flags=- p=- M=- ops=0'], 'D 10.0.0.1:80 10.2.0.2:80 fwd=Masq w=1 x=0 y=0 active=1 inact=0 persist=0', 'D 10.0.0.1:80 10.2.0.2:0 fwd=Masq w=1 x=0 y=0 active=0 inact=0 persist=0']);
    expect(destKey('10.2.0.2:80', '10.0.0.1:80', both)).toBe('10.2.0.2:80');
    // a marked target reaches its fwmark service; a persistent one sends to the packet's port
    const fwm = parseTable(['S fwm/5 sched=rr flags=- p=60 M=255.255.255.255 ops=0', 'D fwm/5 10.2.0.5:80 fwd=Masq w=1 x=0 y=0 active=0 inact=1 persist=1']);
    expect(destKey('10.2.0.5:53', 'udp/10.0.5.9:53', fwm)).toBe('10.2.0.5:80');
    expect(destKey('10.2.0.5:54', 'udp/10.0.5.9:53', fwm)).toBe('10.2.0.5:54');
  });

  it('refuses replies of the wrong shape', () => {
    const lines = body.split('\n');
    expect(() => parseCaseResult(scenario, lines.slice(0, 3).join('\n'))).toThrow(/expected 13 result lines/);
    expect(() => parseCaseResult({ version: 1, events: [scenario.events[3]!] }, 'ok t=1\nok t=1 table=0\nok t=2 listings=4\n# list\n# thresholds\n# persistent\n# conns\n')).toThrow(/without dest=/);
    expect(() => parseCaseResult({ version: 1, events: [scenario.events[0]!] }, 'ok t=1\nerr t=1 errno=5 name=EIO msg=x\nok t=2 listings=0\n')).toThrow(/table after event 0 failed/);
    expect(() => parseCaseResult({ version: 1, events: [] }, 'ok t=1\n')).toThrow(/listings result last/);
  });
});
