import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadCase, parseCase, saveCase, stringifyCase, type CaseFile } from '../../src/casefile/casefile.js';
import { InputError } from '../../src/errors.js';

const svc = '10.0.0.1:80';
const good: CaseFile = {
  format: 1,
  replay: 'npx ipvs-conform replay reports/cases/x.yaml',
  savedAt: '2026-11-21T00:00:00.000Z',
  finding: 'divergence',
  kernel: { name: '6.1', release: '6.1.0-50-cloud-amd64' },
  semantics: '6.1',
  backend: 'qemu',
  build: { modules: 'abc', patches: [] },
  scheduler: 'rr',
  generator: { runSeed: 1, caseIndex: 2, caseSeed: 3, path: '0:1', schedulers: ['rr'] },
  verdict: { stepIndex: 3, event: 'conn[c1 10.1.0.1:40000]', what: 'dest', expected: '10.2.0.1:80', got: '10.2.0.2:80' },
  diff: 'line one\nline two\n',
  scenario: {
    version: 1,
    events: [
      { op: 'svc-add', svc, scheduler: 'rr' },
      { op: 'dest-add', svc, dest: '10.2.0.1:80', weight: 1, upper: 0, lower: 0 },
      { op: 'connect', conn: 'c1', svc, client: '10.1.0.1', cport: 40000 },
      { op: 'fin', conn: 'c1' },
    ],
  },
};

/** The case with one field replaced, as YAML text (a hand edit). */
function edited(mut: (c: any) => void): string {
  const c = structuredClone(good) as any;
  mut(c);
  return stringifyCase(c);
}

describe('case files', () => {
  it('round-trips, atomically written, with the diff as a literal block', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ipvsc-case-'));
    const file = path.join(dir, 'c.yaml');
    await saveCase(file, good);
    const text = await readFile(file, 'utf8');
    expect(text).toContain('diff: |\n  line one\n  line two\n');
    expect(await loadCase(file)).toEqual(good);
  });

  const bad: [string, (c: any) => void, RegExp][] = [
    ['format', (c) => (c.format = 2), /format: expected 1 \(this version.*got 2/],
    ['kernel', (c) => delete c.kernel, /kernel: expected a mapping with the kernel's name, like \{name: "6.1"\}, got nothing/],
    ['kernel.name', (c) => delete c.kernel.name, /kernel.name: expected a kernel name/],
    ['weight', (c) => (c.scenario.events[1].weight = 'heavy'), /scenario\.events\[1\]\.weight: expected an integer weight 0\.\.2147483647, got "heavy"/],
    ['fwd', (c) => (c.scenario.events[1].fwd = 'gre'), /scenario\.events\[1\]\.fwd: expected a forwarding method: masq, route, tunnel, got "gre"/],
    ['dest', (c) => (c.scenario.events[1].dest = '10.9.0.1:80'), /scenario\.events\[1\]\.dest: expected a real server 10\.2\.X\.Y:PORT or \[2001:db8:2::X\]:PORT, or a silent one 10\.5\.X\.Y:PORT \(port 0\.\.65535\), got "10\.9\.0\.1:80"/],
    ['IPv6 dest outside 2001:db8:2::/48', (c) => (c.scenario.events[1].dest = '[2001:db8:1::1]:80'), /events\[1\]\.dest: expected a real server/],
    ['IPv6 client of an IPv4 target', (c) => (c.scenario.events[2].client = '2001:db8:1::1'), /events\[2\]\.client: expected a client address 10\.1\.X\.Y/],
    ['op', (c) => (c.scenario.events[2].op = 'conect'), /scenario\.events\[2\]\.op: expected one of svc-add.*got "conect"/],
    ['fin', (c) => (c.scenario.events[3].conn = 'c9'), /scenario\.events\[3\]\.conn: expected a connection opened by an earlier connect \(c1\), got "c9"/],
    ['cport', (c) => (c.scenario.events[2].cport = 70000), /events\[2\]\.cport: expected a client port 1\.\.65535, got 70000/],
    ['path', (c) => (c.generator.path = 'x'), /generator\.path: expected a fast-check path/],
    ['what', (c) => (c.verdict.what = 'color'), /verdict\.what: expected one of error, dest/],
    ['service key', (c) => (c.scenario.events[0].svc = 'tcp/10.0.0.1:80'), /events\[0\]\.svc: expected a service key like 10\.0\.0\.1:80, udp\/10\.0\.0\.1:53, fwm\/5, \[2001:db8::1\]:80 or fwm6\/5.*got "tcp\/10\.0\.0\.1:80"/],
    ['VIP on the topology', (c) => (c.scenario.events[0].svc = '10.0.0.2:80'), /events\[0\]\.svc: .*other than 10\.0\.0\.2/],
    ['target', (c) => (c.scenario.events[2].svc = 'fwm/5'), /events\[2\]\.svc: expected a target like 10\.0\.0\.1:80, udp\/10\.0\.5\.7:53 or \[2001:db8::1\]:80/],
    ['ops', (c) => (c.scenario.events[0].ops = 'yes'), /events\[0\]\.ops: expected true or absent, got "yes"/],
    ['netmask', (c) => (c.scenario.events[0].persistent = 300, c.scenario.events[0].netmask = '255.255.0'), /events\[0\]\.netmask: expected a dotted-quad netmask/],
  ];
  for (const [name, mut, re] of bad) {
    it(`names the file, field, expectation and value for a bad ${name}`, () => {
      const err = (() => { try { parseCase('x.yaml', edited(mut)); } catch (e) { return e; } })();
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toMatch(/^x\.yaml: /);
      expect((err as Error).message).toMatch(re);
    });
  }

  it('rejects text that is not YAML or not a mapping, and a missing file, as input errors', async () => {
    expect(() => parseCase('x.yaml', 'a: [')).toThrow(/x\.yaml: \(document\): expected a YAML case file/);
    expect(() => parseCase('x.yaml', '- 1\n- 2\n')).toThrow(/expected a mapping/);
    expect(() => parseCase('x.yaml', '')).toThrow(InputError);
    await expect(loadCase('/nonexistent/case.yaml')).rejects.toThrow(/case\.yaml: \(file\): expected a readable case file.*ENOENT/);
  });

  it('accepts a client port used again once its connection closed (no TIME_WAIT on the client), and checks the new lifecycle events', () => {
    const at = (conn: string, cport: number) => ({ op: 'connect' as const, conn, svc, client: '10.1.0.1', cport });
    const held = edited((c) => c.scenario.events.push(at('c2', 40001), at('c3', 40001)));
    expect(() => parseCase('x.yaml', held)).toThrow(/events\[5\]\.cport: expected a client address and port no open connection holds \(c2 holds it/);
    const reuse = edited((c) => c.scenario.events.push(at('c2', 40000))); // c1 had its fin
    expect(parseCase('x.yaml', reuse).scenario.events).toHaveLength(5);
    const shut = edited((c) => c.scenario.events.push({ op: 'shut', conn: 'c1', side: 'both' as 'client' }));
    expect(() => parseCase('x.yaml', shut)).toThrow(/events\[4\]\.side: expected client or server, got "both"/);
    const send = edited((c) => c.scenario.events.push({ op: 'send', conn: 'c9' }));
    expect(() => parseCase('x.yaml', send)).toThrow(/events\[4\]\.conn: expected a connection opened by an earlier connect \(c1\)/);
    const sysctl = edited((c) => c.scenario.events.push({ op: 'sysctl', name: '../x', value: 1 }));
    expect(() => parseCase('x.yaml', sysctl)).toThrow(/events\[4\]\.name: expected a net\.ipv4\.vs sysctl name/);
    const wait = edited((c) => c.scenario.events.push({ op: 'wait', ms: 86_400_001 }));
    expect(() => parseCase('x.yaml', wait)).toThrow(/events\[4\]\.ms: expected a wait in milliseconds 0\.\.86400000/);
  });

  it('writes plain YAML a person can edit', () => {
    const doc = YAML.parse(stringifyCase(good));
    expect(doc.scenario.events[2]).toEqual({ op: 'connect', conn: 'c1', svc, client: '10.1.0.1', cport: 40000 });
  });
});


describe('a case saved by `check` (a scenario written by hand)', () => {
  it('has no generator and may have found nothing; replay reads it', () => {
    const text = edited((c) => {
      delete c.generator;
      delete c.verdict;
      delete c.diff;
      c.finding = 'none';
    });
    const c = parseCase('checked.yaml', text);
    expect(c.finding).toBe('none');
    expect(c.generator).toBeUndefined();
    expect(() => parseCase('x.yaml', edited((c) => (c.finding = 'nothing')))).toThrow('x.yaml: finding: expected "divergence", "kernel" or "none", got "nothing"');
  });
});
