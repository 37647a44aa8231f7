// Scenario → agent script, and the agent's result lines → StepResult[] + Listings
// (vm/agent/PROTOCOL.md). runCase sends every event followed by a `table`, and `listings` last,
// so result line 2i is event i, 2i+1 its table, and the final one the listings.
import { InputError } from '../errors.js';
import type { DestRow, Listings, OpError, ServiceRow, StepResult } from '../observation.js';
import { type Event, FWD_METHODS, type FwdMethod, MAX_WAIT_MS, type Scenario } from '../scenario.js';
import { canonicalIp, KeyError, keyText, markOf, parseServiceKey, parseTarget, SERVICE_KEY_SYNTAX, type ServiceKey, TARGET_SYNTAX } from '../service-key.js';
import { FLAG_NAMES } from '../registry.js';

export interface CaseResult {
  steps: StepResult[];
  listings: Listings;
  /** The kernel's jiffies around the listings, when the agent reports jiffies. */
  listingsJ?: [number, number];
}

/** The agent's reply does not follow the protocol (a bug on one side, never a kernel result). */
export class ResultParseError extends Error {
  override readonly name = 'ResultParseError';
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** A real server's address and port, "10.2.0.3:80" or "[2001:db8:2::3]:80" (canonical). */
function addrPort(v: unknown, field: string): string {
  try {
    const k = parseTarget(v as string);
    if (k.proto === 'tcp' && keyText(k) === v) return v;
  } catch (e) {
    if (!(e instanceof KeyError)) throw e;
  }
  throw new InputError(undefined, field, 'an address and port like "10.2.0.3:80" or "[2001:db8:2::3]:80"', v);
}

/**
 * A key in its canonical text (the agent's S/D rows print that form): `parse` throws KeyError on
 * text that is no key; text that parses but is written otherwise is refused as well.
 */
function canonical(parse: (text: string) => ServiceKey, syntax: string): (v: unknown, field: string) => string {
  return (v, field) => {
    try {
      if (keyText(parse(v as string)) === v) return v as string;
    } catch (e) {
      if (!(e instanceof KeyError)) throw e;
    }
    throw new InputError(undefined, field, syntax, v);
  };
}

const svcKey = canonical(parseServiceKey, SERVICE_KEY_SYNTAX);
const target = canonical(parseTarget, TARGET_SYNTAX);

function ipv4(v: unknown, field: string): string {
  if (typeof v === 'string' && IPV4.test(v)) return v;
  throw new InputError(undefined, field, 'a dotted-quad IPv4 address like "10.1.0.1"', v);
}

/** A client address of the target's family, canonical; IPv6 goes in brackets on the line. */
function clientText(v: unknown, af: 4 | 6, field: string): string {
  const c = typeof v === 'string' ? canonicalIp(v) : undefined;
  if (c && c.text === v && c.af === af) return af === 6 ? `[${v}]` : v;
  throw new InputError(undefined, field, af === 6 ? 'an IPv6 address like "2001:db8:1::7" (the target is IPv6)' : 'a dotted-quad IPv4 address like "10.1.0.1"', v);
}

/** -M: a dotted quad for an IPv4 service, a prefix length (decimal) for an IPv6 one. */
function netmaskText(v: unknown, svc: string, field: string): string {
  const k = parseServiceKey(svc);
  if (k.af === 4) return ipv4(v, field);
  if (typeof v === 'string' && /^(0|[1-9]\d{0,9})$/.test(v) && Number(v) <= 0xffffffff) return v;
  throw new InputError(undefined, field, 'a prefix length like "64" (an IPv6 service)', v);
}

function uint(v: unknown, field: string, max = 0xffffffff): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max) return v;
  throw new InputError(undefined, field, `an integer in 0..${max}`, v);
}

function int32(v: unknown, field: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) return v;
  throw new InputError(undefined, field, 'a 32-bit integer', v);
}

/** A token the line format can carry: no spaces, no newlines, nothing empty. */
function word(v: unknown, field: string, max: number, re = /^[\x21-\x7e]+$/): string {
  if (typeof v === 'string' && v.length <= max && re.test(v)) return v;
  throw new InputError(undefined, field, `a non-empty word of printable characters without spaces, at most ${max} long`, v);
}

function fwdMethod(v: unknown, field: string): FwdMethod {
  if ((FWD_METHODS as readonly unknown[]).includes(v)) return v as FwdMethod;
  throw new InputError(undefined, field, `one of ${FWD_METHODS.join(', ')}`, v);
}

const FLAGS = new Set(FLAG_NAMES);

/** One script line for one event (the i-th, for error messages). */
export function eventLine(e: Event, i = 0): string {
  const f = (name: string) => `events[${i}].${name}`;
  switch (e.op) {
    case 'svc-add':
    case 'svc-edit': {
      const parts = [e.op, svcKey(e.svc, f('svc')), `sched=${word(e.scheduler, f('scheduler'), 31)}`];
      if (e.flags?.length) {
        for (const fl of e.flags)
          if (!FLAGS.has(fl)) throw new InputError(undefined, f('flags'), `flags among ${[...FLAGS].join(', ')}`, fl);
        parts.push(`flags=${e.flags.join(',')}`);
      }
      if (e.persistent !== undefined) parts.push(`p=${uint(e.persistent, f('persistent'))}`);
      if (e.netmask !== undefined) parts.push(`M=${netmaskText(e.netmask, e.svc, f('netmask'))}`);
      if (e.ops !== undefined) {
        if (e.ops !== true) throw new InputError(undefined, f('ops'), 'true or absent', e.ops);
        parts.push('ops');
      }
      return parts.join(' ');
    }
    case 'svc-del':
      return `svc-del ${svcKey(e.svc, f('svc'))}`;
    case 'dest-add':
    case 'dest-edit': {
      const parts = [
        e.op,
        svcKey(e.svc, f('svc')),
        addrPort(e.dest, f('dest')),
        `w=${int32(e.weight, f('weight'))}`,
        `x=${uint(e.upper, f('upper'))}`,
        `y=${uint(e.lower, f('lower'))}`,
      ];
      if (e.fwd !== undefined) parts.push(`fwd=${fwdMethod(e.fwd, f('fwd'))}`);
      return parts.join(' ');
    }
    case 'dest-del':
      return `dest-del ${svcKey(e.svc, f('svc'))} ${addrPort(e.dest, f('dest'))}`;
    case 'connect': {
      const t = target(e.svc, f('svc'));
      const client = clientText(e.client, parseTarget(t).af, f('client'));
      return `connect ${word(e.conn, f('conn'), 31, /^[A-Za-z0-9_.-]+$/)} ${t} ${client}:${uint(e.cport, f('cport'), 65535)}`;
    }
    case 'fin':
    case 'rst':
    case 'send':
      return `${e.op} ${word(e.conn, f('conn'), 31, /^[A-Za-z0-9_.-]+$/)}`;
    case 'shut':
      if (e.side !== 'client' && e.side !== 'server') throw new InputError(undefined, f('side'), 'client or server', e.side);
      return `shut ${word(e.conn, f('conn'), 31, /^[A-Za-z0-9_.-]+$/)} ${e.side}`;
    case 'sysctl':
      return `sysctl ${word(e.name, f('name'), 31, /^[a-z_]+$/)} ${int32(e.value, f('value'))}`;
    case 'timeouts':
      return `timeouts ${uint(e.tcp, f('tcp'))} ${uint(e.tcpfin, f('tcpfin'))} ${uint(e.udp, f('udp'))}`;
    case 'wait':
      return `wait ${uint(e.ms, f('ms'), MAX_WAIT_MS)}`;
    default:
      throw new InputError(
        undefined,
        `events[${i}].op`,
        'one of svc-add svc-edit svc-del dest-add dest-edit dest-del connect fin rst send shut timeouts sysctl wait',
        (e as { op: unknown }).op,
      );
  }
}

/** The whole script runCase sends: each event then `table`, and `listings` at the end. */
export function scenarioScript(s: Scenario): string {
  const lines: string[] = [];
  s.events.forEach((e, i) => lines.push(eventLine(e, i), 'table'));
  lines.push('listings');
  return lines.join('\n') + '\n';
}

/** One result line, its head parsed. */
export interface ResultHead {
  ok: boolean;
  t: number;
  /** The kernel's jiffies when the command started and completed (`j=S,E`). */
  j?: [number, number];
  error?: OpError;
  /** `dest=` of a connect: an address, or null for `none`. */
  dest?: string | null;
  /** Lines that follow (table= or listings=). */
  table?: number;
  listings?: number;
}

export function parseResultHead(line: string): ResultHead {
  const m = /^(ok|err) t=(\d+(?:\.\d+)?)(?: j=(\d+),(\d+))?(.*)$/.exec(line);
  if (!m) throw new ResultParseError(`expected a result line 'ok|err t=<ms> [j=S,E] ...', got ${JSON.stringify(line)}`);
  const head: ResultHead = { ok: m[1] === 'ok', t: Number(m[2]) };
  if (m[3] !== undefined) {
    const j: [number, number] = [Number(m[3]), Number(m[4])];
    if (!Number.isSafeInteger(j[0]) || !Number.isSafeInteger(j[1]) || j[1] < j[0])
      throw new ResultParseError(`expected j=START,END with START <= END, got ${JSON.stringify(line)}`);
    head.j = j;
  }
  const rest = m[5]!;
  if (!head.ok) {
    const e = /^ errno=(\d+) name=(\S+) msg=(.*)$/.exec(rest);
    if (!e) throw new ResultParseError(`expected 'errno=N name=E msg=...' after err, got ${JSON.stringify(line)}`);
    head.error = { errno: Number(e[1]), name: e[2]!, message: e[3]! };
    return head;
  }
  for (const tok of rest.split(' ').filter(Boolean)) {
    const eq = tok.indexOf('=');
    const key = tok.slice(0, eq);
    const val = tok.slice(eq + 1);
    if (key === 'dest') head.dest = val === 'none' ? null : val;
    else if (key === 'table' && /^\d+$/.test(val)) head.table = Number(val);
    else if (key === 'listings' && /^\d+$/.test(val)) head.listings = Number(val);
    else throw new ResultParseError(`unexpected ${JSON.stringify(tok)} in result line ${JSON.stringify(line)}`);
  }
  return head;
}

/** `S SVCKEY sched=NAME flags=F1,F2|- p=SECONDS|- M=NETMASK|- ops=0|1` and `D SVCKEY RIP:RPORT fwd=.. w= x= y= active= inact= persist=` rows. */
export function parseTable(lines: string[]): ServiceRow[] {
  const out: ServiceRow[] = [];
  for (const line of lines) {
    const s = /^S (\S+) sched=(\S+) flags=(\S+) p=(\S+) M=(\S+) ops=([01])$/.exec(line);
    if (s) {
      const row: ServiceRow = { svc: s[1]!, scheduler: s[2]!, flags: s[3] === '-' ? [] : s[3]!.split(',').sort(), dests: [] };
      if (s[4] !== '-') row.persistent = Number(s[4]);
      if (s[5] !== '-') row.netmask = s[5]!;
      if (s[6] === '1') row.ops = true;
      out.push(row);
      continue;
    }
    const d = /^D (\S+) (\S+) fwd=(\S+) w=(-?\d+) x=(\d+) y=(\d+) active=(\d+) inact=(\d+) persist=(\d+)$/.exec(line);
    if (d) {
      const svc = out.length && out[out.length - 1]!.svc === d[1] ? out[out.length - 1] : undefined;
      if (!svc) throw new ResultParseError(`table row for ${d[1]} does not follow its service's S row: ${JSON.stringify(line)}`);
      const row: DestRow = {
        dest: d[2]!,
        fwd: d[3]!,
        weight: Number(d[4]),
        upper: Number(d[5]),
        lower: Number(d[6]),
        active: Number(d[7]),
        inactive: Number(d[8]),
        persistent: Number(d[9]),
      };
      svc.dests.push(row);
      continue;
    }
    throw new ResultParseError(`expected an S or D table row, got ${JSON.stringify(line)}`);
  }
  return out;
}

const BLOCKS = ['list', 'thresholds', 'persistent', 'conns'] as const;

/** The `listings=` block: four raw ipvsadm outputs, each introduced by `# list` etc. */
export function parseListings(lines: string[]): Listings {
  const got: Partial<Record<(typeof BLOCKS)[number], string[]>> = {};
  let cur: string[] | undefined;
  for (const line of lines) {
    const tag = /^# (list|thresholds|persistent|conns)$/.exec(line)?.[1] as (typeof BLOCKS)[number] | undefined;
    if (tag && !got[tag]) {
      cur = got[tag] = [];
      continue;
    }
    if (!cur) throw new ResultParseError(`listings must start with '# list', got ${JSON.stringify(line)}`);
    cur.push(line);
  }
  const text = (k: (typeof BLOCKS)[number]) => {
    const b = got[k];
    if (!b) throw new ResultParseError(`listings block '# ${k}' is missing`);
    return b.map((l) => `${l}\n`).join('');
  };
  return { list: text('list'), thresholds: text('thresholds'), persistent: text('persistent'), conns: text('conns') };
}

/** Result lines in order, each with the lines its head says follow. */
export function splitResults(body: string): { head: ResultHead; lines: string[] }[] {
  const all = body.split('\n');
  if (all.at(-1) === '') all.pop();
  const out: { head: ResultHead; lines: string[] }[] = [];
  for (let i = 0; i < all.length; ) {
    const head = parseResultHead(all[i]!);
    const n = head.table ?? head.listings ?? 0;
    if (i + 1 + n > all.length)
      throw new ResultParseError(`result line ${out.length + 1} announces ${n} lines but only ${all.length - i - 1} follow`);
    out.push({ head, lines: all.slice(i + 1, i + 1 + n) });
    i += 1 + n;
  }
  return out;
}

/** The table row of the service a target reaches: its fwmark service first (the address plan). */
function serviceRowOf(target: string, table: ServiceRow[]): ServiceRow | undefined {
  const t = parseTarget(target);
  const mark = markOf(t);
  const fwm = `${t.af === 6 ? 'fwm6' : 'fwm'}/${mark}`;
  return (mark ? table.find((r) => r.svc === fwm) : undefined) ?? table.find((r) => r.svc === target);
}

const addrOf = (ap: string) => ap.slice(0, ap.lastIndexOf(':'));
const portOf = (ap: string) => ap.slice(ap.lastIndexOf(':') + 1);

/**
 * The destination a connection reached, as the table names it. The agent sees the real server's
 * address and port on the wire; the port can be the packet's own instead of the destination's: a
 * destination added with port 0 receives on it (ip_vs_schedule(): `dest->port ? dest->port :
 * vport`), so does every destination of a persistent fwmark service (ip_vs_sched_persist()), and
 * DR and tunnels never rewrite the port. So the wire address on the target's port, where the
 * service has that real server under one port only, names that destination.
 */
export function destKey(wire: string, target: string, table: ServiceRow[]): string {
  const row = serviceRowOf(target, table);
  if (!row || row.dests.some((d) => d.dest === wire)) return wire;
  if (portOf(wire) !== portOf(target)) return wire;
  const same = row.dests.filter((d) => addrOf(d.dest) === addrOf(wire));
  return same.length === 1 ? same[0]!.dest : wire;
}

/** Turns a `case` reply to scenarioScript(s) into steps and listings. */
export function parseCaseResult(s: Scenario, body: string): CaseResult {
  const results = splitResults(body);
  const want = s.events.length * 2 + 1;
  if (results.length !== want)
    throw new ResultParseError(`expected ${want} result lines (${s.events.length} events, their tables, listings), got ${results.length}`);
  const targets = new Map<string, string>();
  const steps: StepResult[] = s.events.map((e, index) => {
    const { head } = results[2 * index]!;
    const tableResult = results[2 * index + 1]!;
    const step: StepResult = { index, t: head.t };
    if (head.j) step.j = head.j;
    if (tableResult.head.j) step.tableJ = tableResult.head.j;
    if (head.error) step.error = head.error;
    if (tableResult.head.table === undefined) {
      const why = tableResult.head.error ? `${tableResult.head.error.name}: ${tableResult.head.error.message}` : 'no table=';
      throw new ResultParseError(`table after event ${index} failed (${why})`);
    }
    step.table = parseTable(tableResult.lines);
    if (e.op === 'connect') targets.set(e.conn, e.svc);
    if (e.op === 'connect' && head.ok) {
      if (head.dest === undefined) throw new ResultParseError(`connect of event ${index} answered ok without dest=`);
      step.dest = head.dest === null ? null : destKey(head.dest, e.svc, step.table);
    }
    // a UDP send is a datagram of its own: the agent says which server got it
    if (e.op === 'send' && head.ok && head.dest !== undefined) step.dest = head.dest === null ? null : destKey(head.dest, targets.get(e.conn) ?? '', step.table);
    return step;
  });
  const last = results[want - 1]!;
  if (last.head.listings === undefined) throw new ResultParseError(`expected the listings result last, got ${JSON.stringify(last.head)}`);
  return { steps, listings: parseListings(last.lines), ...(last.head.j ? { listingsJ: last.head.j } : {}) };
}
