// Maps a plan (plan.ts) to a concrete Scenario, tracking what the kernel will hold (services,
// present and deleted destinations with their fields, open connections) so that every reference
// is valid: an operation whose target is gone (a destination deleted, a slot switched off) is
// skipped, so shrinking never leaves a dangling event.
import { type DestFields, type Event, type FwdMethod, NET, NET6, type Scenario, type ServiceFields } from '../scenario.js';
import { canonicalIpv6 } from '../service-key.js';
import { type ConnectOp, type DestId, type Op, type Plan, type SlotPlan, WCOMMON } from './plan.js';
import { resolveWait, SYSCTLS } from './lifecycle.js';
import { FLAG_NUMBER, SCHEDULER_FLAGS } from '../registry.js';

/** The first service of every generated case with a shared address and port. */
export const VIP = `${NET.vipPrefix}1:80`;

interface Slot {
  plan: SlotPlan;
  key: string;
  mark: number;
  fields: ServiceFields;
  alive: boolean;
  present: Map<string, DestFields>; // insertion order = order added
  deleted: string[];
  spares: string[];
}

interface Open {
  conn: string;
  udp: boolean;
  /** The connect that opened it: a reconnect uses its target, client address and port again. */
  from: Extract<Event, { op: 'connect' }>;
}

export interface ResolveContext {
  schedulers: readonly string[];
  tcpSend: boolean;
  /** The classic mix (before the lifecycle) has no silent servers and no lblc(r)_expiration. */
  classic?: boolean;
}

interface State {
  events: Event[];
  slots: Slot[];
  open: Open[];
  /** Closed TCP connections (fin, rst) whose client address and port may be used again. */
  closed: Open[];
  usedPorts: Set<number>;
  conns: number;
  ctx: ResolveContext;
}

/** An IPv6 address of the plan in inet_ntop's text: 2001:db8:ROLE:A::B (A a /64 per value). */
const v6Addr = (role: number, a: number, b: number): string => canonicalIpv6(`2001:db8:${role.toString(16)}:${a.toString(16)}::${b.toString(16)}`)!;

/** Real servers in 10.2.0.0/16 (2001:db8:2::/48); silent ones in 10.5.0.0/16 (2001:db8:5::/48), the address plan. */
const destKey = (d: DestId, v6: boolean, classic = false) => {
  const silent = d.silent && !classic;
  return v6 ? `[${v6Addr(silent ? NET6.silent : NET6.server, 0, d.x * 256 + d.y)}]:${d.port}` : `${silent ? NET.silentPrefix : NET.serverPrefix}${d.x}.${d.y}:${d.port}`;
};

/** A silent server's key (10.5.x.y or [2001:db8:5::...]). */
const isSilentKey = (dest: string) => dest.startsWith(NET.silentPrefix) || dest.startsWith(`[2001:db8:${NET6.silent}:`);

/** A client: 10.1.X.Y, or for IPv6 2001:db8:1:X::Y (one /64 per X, as one /24 per X in IPv4). */
const clientOf = (v6: boolean, x: number, y: number) => (v6 ? v6Addr(NET6.client, x, y) : `${NET.clientPrefix}${x}.${y}`);

/** The drawn IPv4 masks as IPv6 prefix lengths of the same grouping. */
const V6_PREFIX: Record<string, string> = { '255.255.255.255': '128', '255.255.255.0': '64', '255.255.0.0': '48', '255.255.255.252': '126', '0.0.0.0': '1' };

/** A service's fields in its family: an IPv6 service's netmask is a prefix length. */
function inFamily(p: SlotPlan, f: ServiceFields): ServiceFields {
  if (!p.v6 || f.netmask === undefined || !f.netmask.includes('.')) return f;
  return { ...f, netmask: V6_PREFIX[f.netmask] ?? '128' };
}

export function resolveFlags(scheduler: string, f: { own: [boolean, boolean]; other: string[] }): string[] {
  const own = SCHEDULER_FLAGS[scheduler];
  if (own) return own.filter((_, i) => f.own[i]);
  return f.other;
}

/** A drawn weight as the service uses it: the common value for WCOMMON, times the unit (at most 65535). */
const weightOf = (p: SlotPlan) => (v: number) => Math.min(65535, (v === WCOMMON ? p.commonWeight : v) * p.unit);

/**
 * The forwarding method a destination gets: its own where the slot mixes methods (TCP slots:
 * DR and tunnel traffic is TCP's), masquerading left implicit so masquerading cases read as before.
 */
const fwdOf = (p: SlotPlan) => (m: FwdMethod): { fwd?: FwdMethod } => (p.mixedFwd && p.kind === 'tcp' && m !== 'masq' ? { fwd: m } : {});

/** A silent server only masquerades (DR would reach the servers, which accept the VIPs). */
const silentFwd = (dest: string, f: { fwd?: FwdMethod }): { fwd?: FwdMethod } => (isSilentKey(dest) ? {} : f);

/** Only thresholds the kernel accepts change the state we track (ip_vs_add_dest: l > u is ERANGE). */
const accepted = (f: DestFields) => f.lower <= f.upper;

function fieldsOf(p: SlotPlan): ServiceFields {
  const f: ServiceFields = { scheduler: p.scheduler };
  const flags = resolveFlags(p.scheduler, p.flags);
  if (flags.length) f.flags = [...flags].sort();
  if (p.persist) {
    f.persistent = p.persist.p;
    if (p.persist.mask !== undefined) f.netmask = p.persist.mask;
  }
  if (p.ops) f.ops = true;
  return inFamily(p, f);
}

/**
 * Slot i's key: the first address service is 10.0.0.1:80 (udp/10.0.0.1:53); the others share
 * that address or port or take their own, so TCP and UDP sit side by side on one address and
 * port now and then; fwmark i+1.
 */
function slotKey(p: SlotPlan, i: number, taken: Set<string>): { key: string; mark: number } {
  if (p.kind === 'fwm') return { key: `${p.v6 ? 'fwm6' : 'fwm'}/${i + 1}`, mark: i + 1 };
  const proto = p.kind === 'udp' ? 'udp/' : '';
  const shared = p.kind === 'udp' ? 53 : 80;
  const port = i === 0 || p.sharedPort ? shared : 8080 + i;
  const vip = (n: number) => (p.v6 ? `[2001:db8::${n}]` : `10.0.0.${n}`);
  let key = `${proto}${vip(i === 0 || p.sharedVip ? 1 : 3 + i)}:${port}`;
  if (taken.has(key)) key = `${proto}${vip(3 + i)}:${port}`;
  return { key, mark: 0 };
}

function setUp(s: State, p: SlotPlan, i: number, taken: Set<string>): Slot {
  const { key, mark } = slotKey(p, i, taken);
  taken.add(key);
  const slot: Slot = { plan: p, key, mark, fields: fieldsOf(p), alive: true, present: new Map(), deleted: [], spares: [] };
  s.events.push({ op: 'svc-add', svc: key, ...slot.fields });
  if (p.expiration !== undefined && !s.ctx.classic && (p.scheduler === 'lblc' || p.scheduler === 'lblcr')) s.events.push({ op: 'sysctl', name: `${p.scheduler}_expiration`, value: p.expiration });
  const w = weightOf(p);
  const fwd = fwdOf(p);
  const mainPool = Math.ceil(p.dests.length / 2);
  for (const [j, d] of p.dests.entries()) {
    const dest = destKey(d.id, p.v6, s.ctx.classic);
    if (!addressFree(slot, dest)) continue;
    const f: DestFields = !p.pools
      ? { weight: w(d.weight), upper: d.th[0], lower: d.th[1], ...silentFwd(dest, fwd(d.fwd)) }
      : j < mainPool
        ? { weight: 5, upper: p.pools.upper, lower: Math.min(d.th[1], p.pools.upper), ...silentFwd(dest, fwd(d.fwd)) }
        : { weight: 1, upper: 0, lower: 0, ...silentFwd(dest, fwd(d.fwd)) };
    s.events.push({ op: 'dest-add', svc: key, dest, ...f });
    if (accepted(f)) slot.present.set(dest, f);
    else slot.spares.push(dest); // rejected: it can be added later
  }
  for (const id of p.spares) {
    const k = destKey(id, p.v6, s.ctx.classic);
    if (!slot.present.has(k) && !slot.spares.includes(k) && addressFree(slot, k)) slot.spares.push(k);
  }
  return slot;
}

/**
 * A fwmark slot has each real server under one port only: a persistent fwmark service sends to
 * the packet's port whatever the destination's, so the wire could not tell two ports apart.
 */
function addressFree(slot: Slot, dest: string): boolean {
  if (!slot.mark) return true;
  const addr = dest.slice(0, dest.lastIndexOf(':'));
  return ![...slot.present.keys(), ...slot.spares].some((d) => d !== dest && d.slice(0, d.lastIndexOf(':')) === addr);
}

export function planToScenario(plan: Plan, ctx: ResolveContext): Scenario {
  const s: State = { events: [], slots: [], open: [], closed: [], usedPorts: new Set(), conns: 0, ctx };
  const taken = new Set<string>();
  plan.slots.forEach((p, i) => {
    if (p.on) s.slots[i] = setUp(s, p, i, taken);
  });
  for (let i = plan.ops.length - 1; i >= 0; i--) {
    const { on, op } = plan.ops[i]!;
    if (on) apply(s, op, plan.slots.length);
  }
  return { version: 1, events: s.events };
}

const at = <T>(list: T[], pick: number): T | undefined => (list.length ? list[pick % list.length] : undefined);

function apply(s: State, op: Op, nSlots: number): void {
  if (op.k === 'wait' || op.k === 'shut' || op.k === 'reconnect' || op.k === 'timeouts' || op.k === 'sysctl' || op.k === 'drain') return lifecycle(s, op);
  if (op.k === 'fin' || op.k === 'rst' || op.k === 'send') return closeOrSend(s, op);
  const slot = s.slots[op.slot % nSlots];
  if (!slot) return; // switched off
  switch (op.k) {
    case 'connect':
      return connect(s, slot, op);
    case 'edit':
    case 'quiesce':
    case 'del':
    case 'add':
      if (slot.alive) destOp(s, slot, op);
      return;
    case 'refwd':
      if (slot.alive) refwd(s, slot, op);
      return;
    case 'svc-edit':
      if (!slot.alive) return;
      svcEdit(s, slot, op);
      connect(s, slot, op.then);
      return;
    case 'svc-del':
    case 'svc-readd':
      return svcDelOrReadd(s, slot, op);
  }
}

function connect(s: State, slot: Slot, op: ConnectOp): void {
  const udp = slot.plan.kind === 'udp' || (slot.plan.kind === 'fwm' && op.udp);
  for (let i = 0; i < op.n; i++) {
    // Each client port once per scenario: a closed connection leaves TIME_WAIT on the client.
    let port = op.port + i;
    while (s.usedPorts.has(port) || port > 65535) port = port >= 65535 ? 1024 : port + 1;
    s.usedPorts.add(port);
    // a fwmark service gets what is sent to 10.0.MARK.x or 2001:db8:0:MARK::x (the address plan)
    const host = ((op.host + i - 1) % 254) + 1;
    const v6 = slot.plan.v6;
    const markTarget = v6 ? `[${v6Addr(NET6.vip, slot.mark, host)}]` : `10.0.${slot.mark}.${host}`;
    const svc = slot.mark ? `${udp ? 'udp/' : ''}${markTarget}:${op.tport}` : slot.key;
    const conn = `c${++s.conns}`;
    const y = ((op.y + i - 1) % 254) + 1;
    const e = { op: 'connect' as const, conn, svc, client: clientOf(v6, op.x, y), cport: port };
    s.events.push(e);
    s.open.push({ conn, udp, from: e });
  }
}

function closeOrSend(s: State, op: Extract<Op, { k: 'fin' | 'rst' | 'send' }>): void {
  // fin and rst close TCP connections; send goes on any open one (TCP only when supported)
  const can = s.open.filter((o) => (op.k === 'send' ? o.udp || s.ctx.tcpSend : !o.udp));
  const c = at(can, op.pick);
  if (!c) return;
  if (op.k === 'send') {
    s.events.push({ op: 'send', conn: c.conn });
    return;
  }
  s.open.splice(s.open.indexOf(c), 1);
  s.closed.push(c);
  s.events.push({ op: op.k, conn: c.conn });
}

/** Whether some service of the case is lblc or lblcr (the half-hour wait is theirs). */
const collecting = (s: State) => s.events.some((e) => (e.op === 'svc-add' || e.op === 'svc-edit') && (e.scheduler === 'lblc' || e.scheduler === 'lblcr'));

// eslint-disable-next-line max-lines-per-function -- one case per lifecycle op
function lifecycle(s: State, op: Extract<Op, { k: 'wait' | 'shut' | 'reconnect' | 'timeouts' | 'sysctl' | 'drain' }>): void {
  if (!s.events.length) return; // every service shrunk away: a case still starts with one
  switch (op.k) {
    case 'drain': {
      // connections closed together and let expire: their dests' counts fall (ip_vs_unbind_dest)
      let closed = 0;
      for (let i = 0; i < op.n; i++) {
        const c = at(s.open.filter((o) => !o.udp), op.pick + i);
        if (!c) break;
        s.open.splice(s.open.indexOf(c), 1);
        s.closed.push(c);
        s.events.push({ op: op.fin ? 'fin' : 'rst', conn: c.conn });
        closed++;
      }
      if (closed) s.events.push({ op: 'wait', ms: resolveWait(op.fin ? 'twomin' : 'close', op.at, false) });
      return;
    }
    case 'wait':
      s.events.push({ op: 'wait', ms: resolveWait(op.tier, op.at, collecting(s)) });
      return;
    case 'shut': {
      const c = at(s.open.filter((o) => !o.udp), op.pick);
      if (!c) return;
      s.events.push({ op: 'shut', conn: c.conn, side: op.server ? 'server' : 'client' });
      if (op.then) s.events.push({ op: 'wait', ms: resolveWait(op.then, op.at, false) });
      return;
    }
    case 'reconnect': {
      // the client side keeps no TIME_WAIT: its port is free once the connection closed
      const c = at(s.closed, op.pick);
      if (!c) return;
      s.closed.splice(s.closed.indexOf(c), 1);
      const conn = `c${++s.conns}`;
      const e = { ...c.from, conn };
      s.events.push(e);
      s.open.push({ conn, udp: c.udp, from: e });
      return;
    }
    case 'timeouts':
      s.events.push({ op: 'timeouts', tcp: op.tcp, tcpfin: op.tcpfin, udp: op.udp });
      return;
    case 'sysctl': {
      const k = SYSCTLS[op.which % SYSCTLS.length]!;
      s.events.push({ op: 'sysctl', name: k.name, value: k.value(op.value) });
      return;
    }
  }
}

/** dest-edit of the forwarding method alone: new connections take it, open ones keep theirs. */
function refwd(s: State, slot: Slot, op: Extract<Op, { k: 'refwd' }>): void {
  const dest = slot.plan.mixedFwd && slot.plan.kind === 'tcp' ? at([...slot.present.keys()], op.pick) : undefined;
  if (!dest || isSilentKey(dest)) return;
  const { fwd: _old, ...rest } = slot.present.get(dest)!;
  const f: DestFields = { ...rest, ...fwdOf(slot.plan)(op.fwd) };
  s.events.push({ op: 'dest-edit', svc: slot.key, dest, ...f });
  slot.present.set(dest, f);
}

function destOp(s: State, slot: Slot, op: Extract<Op, { k: 'edit' | 'quiesce' | 'del' | 'add' }>): void {
  const w = weightOf(slot.plan);
  const fwd = fwdOf(slot.plan);
  const svc = slot.key;
  if (op.k === 'add') {
    // Re-adding a deleted destination (the kernel restores it from its trash) or a new one;
    // rarely one that is present (EEXIST).
    const dest = at(op.dup ? [...slot.present.keys()] : [...slot.deleted, ...slot.spares], op.pick);
    if (!dest) return;
    const f: DestFields = { weight: w(op.weight), upper: op.th[0], lower: op.th[1], ...silentFwd(dest, fwd(op.fwd)) };
    s.events.push({ op: 'dest-add', svc, dest, ...f });
    if (!op.dup && accepted(f)) {
      slot.present.set(dest, f);
      for (const list of [slot.deleted, slot.spares]) if (list.includes(dest)) list.splice(list.indexOf(dest), 1);
    }
    return;
  }
  const dest = at([...slot.present.keys()], op.pick);
  if (!dest) return;
  if (op.k === 'del') {
    slot.present.delete(dest);
    slot.deleted.push(dest);
    s.events.push({ op: 'dest-del', svc, dest });
    return;
  }
  const cur = slot.present.get(dest)!;
  let f: DestFields;
  if (op.k === 'quiesce') f = { ...cur, weight: 0 };
  else if (op.what === 'weight') f = { ...cur, weight: w(op.weight) };
  else if (op.what === 'thresholds') f = { ...cur, upper: op.th[0], lower: op.th[1] };
  else f = { weight: w(op.weight), upper: op.th[0], lower: op.th[1], ...fwd(cur.fwd ?? 'masq') };
  s.events.push({ op: 'dest-edit', svc, dest, ...f });
  if (accepted(f)) slot.present.set(dest, f);
}

/** The same flag bits under the names ipvsadm gives them for `scheduler` (a switch keeps the bits). */
function renameFlags(flags: string[], scheduler: string): string[] {
  const own = SCHEDULER_FLAGS[scheduler];
  return flags.map((f) => (own && FLAG_NUMBER[f]! < 3 ? own[FLAG_NUMBER[f]! - 1]! : `flag-${FLAG_NUMBER[f]}`)).sort();
}

/** Schedulers whose init_service reads the destinations already there (gcd and max weight, hash buckets, Maglev table). */
const INIT_READS_DESTS = ['wrr', 'sh', 'dh', 'mh'];

/** A switch goes half the time to a scheduler whose init meets the live destinations. */
function switchTarget(schedulers: readonly string[], pick: number): string {
  const reads = schedulers.filter((x) => INIT_READS_DESTS.includes(x));
  const pool = pick % 2 === 0 && reads.length ? reads : schedulers;
  return pool[Math.floor(pick / 2) % pool.length]!;
}

function svcEdit(s: State, slot: Slot, op: Extract<Op, { k: 'svc-edit' }>): void {
  const f: ServiceFields = { ...slot.fields };
  const sched = () => (f.scheduler = switchTarget(s.ctx.schedulers, op.sched));
  const flags = () => {
    const fl = resolveFlags(f.scheduler, op.flags);
    if (fl.length) f.flags = [...fl].sort();
    else delete f.flags;
  };
  const persistOn = () => {
    f.persistent = op.persist.p;
    if (op.persist.mask !== undefined) f.netmask = op.persist.mask;
    else delete f.netmask;
  };
  switch (op.change) {
    case 'sched':
      sched();
      if (f.flags) f.flags = renameFlags(f.flags, f.scheduler);
      break;
    case 'flags':
      flags();
      break;
    case 'persist-on':
      persistOn();
      break;
    case 'persist-off':
      delete f.persistent;
      delete f.netmask;
      break;
    case 'mask':
      if (f.persistent === undefined) f.persistent = op.persist.p;
      f.netmask = op.persist.mask ?? '255.255.255.255';
      break;
    case 'ops':
      if (f.ops) delete f.ops;
      else f.ops = true;
      break;
    case 'all':
      sched();
      flags();
      persistOn();
      if (op.ops) f.ops = true;
      else delete f.ops;
      break;
  }
  slot.fields = inFamily(slot.plan, f);
  s.events.push({ op: 'svc-edit', svc: slot.key, ...slot.fields });
}

function svcDelOrReadd(s: State, slot: Slot, op: Extract<Op, { k: 'svc-del' | 'svc-readd' }>): void {
  if (op.k === 'svc-del') {
    if (!slot.alive) return;
    slot.alive = false;
    s.events.push({ op: 'svc-del', svc: slot.key });
    // __ip_vs_del_service: every destination goes to the trash, from where a re-add restores it
    for (const dest of slot.present.keys()) slot.deleted.push(dest);
    if (!op.readd) return;
  } else if (slot.alive) return;
  slot.alive = true;
  s.events.push({ op: 'svc-add', svc: slot.key, ...slot.fields });
  const former = slot.present;
  slot.present = new Map();
  if (!op.dests) return;
  for (const [dest, f] of former) {
    s.events.push({ op: 'dest-add', svc: slot.key, dest, ...f });
    slot.present.set(dest, f);
    slot.deleted.splice(slot.deleted.indexOf(dest), 1);
  }
}
