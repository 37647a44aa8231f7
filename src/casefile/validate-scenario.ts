// Checks a Scenario read from a file (a saved case, possibly edited by hand) field by field, so a
// bad one fails with the file, the field, what was expected and what arrived, never a crash later.
import { InputError } from '../errors.js';
import { FWD_METHODS, MAX_WAIT_MS, NET, NET6, type Scenario } from '../scenario.js';
import { ALL_FLAGS } from '../generate/schedulers.js';
import { canonicalIpv6, keyText, parseTarget, SERVICE_KEY_SYNTAX, TARGET_SYNTAX, tryServiceKey, v6Role, type ServiceKey } from '../service-key.js';

const QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function isQuad(s: unknown): s is string {
  const m = typeof s === 'string' ? QUAD.exec(s) : null;
  return !!m && m.slice(1).every((o) => Number(o) <= 255);
}

function isAddrPort(s: unknown, prefix: string, roles6: readonly number[]): s is string {
  if (typeof s !== 'string') return false;
  const i = s.lastIndexOf(':');
  const port = Number(s.slice(i + 1));
  // port 0: ipvsadm's `-r RIP` without a port (the packet's own port is used)
  if (!(i > 0 && Number.isInteger(port) && port >= 0 && port <= 65535 && /^(0|[1-9]\d*)$/.test(s.slice(i + 1)))) return false;
  const a = s.slice(0, i);
  if (a.startsWith('[') && a.endsWith(']')) {
    const v6 = a.slice(1, -1);
    const role = v6Role(v6);
    return canonicalIpv6(v6) === v6 && role !== undefined && roles6.includes(role);
  }
  return isQuad(a) && s.startsWith(prefix);
}

/** The family of a dest's address, 4 or 6. */
const destAf = (dest: string): 4 | 6 => (dest.startsWith('[') ? 6 : 4);

/** A key in canonical text whose address lies on the director's side (10.0.0.0/16). */
function isVipKey(s: unknown, targetOnly: boolean): boolean {
  const k: ServiceKey | undefined = tryServiceKey(s);
  if (!k || keyText(k) !== s) return false;
  if (k.kind === 'fwm') return !targetOnly;
  if (k.af === 6) return v6Role(k.addr) === NET6.vip && k.port >= 1;
  return k.addr.startsWith('10.0.') && !TOPOLOGY_OWN.includes(k.addr) && k.port >= 1;
}

/** The director's and the clients' link addresses (vm/agent/PROTOCOL.md): never a VIP. */
const TOPOLOGY_OWN = ['10.0.0.2', '10.0.0.254'];

const isInt = (v: unknown, min: number, max: number): v is number => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;


type Raw = Record<string, unknown>;
type Bad = (field: string, expected: string, got: unknown) => never;

/** One event being checked: the event, its field path (".events[3]"), and the case so far. */
interface At {
  e: Raw;
  f: string;
  bad: Bad;
  conns: Set<string>;
  /** client address:port -> the connection still holding it (no fin/rst yet) */
  held: Map<string, string>;
}

export function validateScenario(file: string | undefined, where: string, v: unknown): Scenario {
  const bad: Bad = (field, expected, got) => {
    throw new InputError(file, `${where}${field}`, expected, got);
  };
  if (!v || typeof v !== 'object' || Array.isArray(v)) bad('', 'a mapping with version and events', v);
  const s = v as Raw;
  if (s.version !== 1) bad('.version', '1', s.version);
  if (!Array.isArray(s.events)) bad('.events', 'a list of events', s.events);
  const conns = new Set<string>();
  const held = new Map<string, string>();
  (s.events as unknown[]).forEach((raw, i) => {
    const f = `.events[${i}]`;
    if (!raw || typeof raw !== 'object') bad(f, 'an event mapping with an `op`', raw);
    const e = raw as Raw;
    const check = typeof e.op === 'string' && Object.hasOwn(CHECKS, e.op) ? CHECKS[e.op] : undefined;
    if (!check) return bad(`${f}.op`, `one of ${Object.keys(CHECKS).join(', ')}`, e.op);
    check({ e, f, bad, conns, held });
  });
  return s as unknown as Scenario;
}

const vip = ({ e, f, bad }: At) => isVipKey(e.svc, false) || bad(`${f}.svc`, `${SERVICE_KEY_SYNTAX}, an address in 10.0.0.0/16 other than 10.0.0.2 and 10.0.0.254 (the topology's own) or in 2001:db8::/48, and a port 1..65535`, e.svc);
const target = ({ e, f, bad }: At) => isVipKey(e.svc, true) || bad(`${f}.svc`, `${TARGET_SYNTAX}, an address in 10.0.0.0/16 other than 10.0.0.2 and 10.0.0.254 or in 2001:db8::/48, and a port 1..65535`, e.svc);
const rs = ({ e, f, bad }: At) =>
  isAddrPort(e.dest, NET.serverPrefix, [NET6.server, NET6.silent]) ||
  isAddrPort(e.dest, NET.silentPrefix, []) ||
  bad(`${f}.dest`, `a real server ${NET.serverPrefix}X.Y:PORT or [2001:db8:2::X]:PORT, or a silent one ${NET.silentPrefix}X.Y:PORT (port 0..65535)`, e.dest);
const svcAf = ({ e }: At) => tryServiceKey(e.svc)!.af;
const u32 = ({ e, f, bad }: At, k: string) => isInt(e[k], 0, 0xffffffff) || bad(`${f}.${k}`, 'an integer 0..4294967295', e[k]);
const connName = ({ e, f, bad }: At) => (typeof e.conn === 'string' && /^[A-Za-z0-9_-]+$/.test(e.conn)) || bad(`${f}.conn`, 'a connection name like c3', e.conn);

function service(at: At): void {
  const { e, f, bad } = at;
  vip(at);
  if (typeof e.scheduler !== 'string' || !/^[a-z0-9_]+$/.test(e.scheduler)) bad(`${f}.scheduler`, 'a scheduler name like rr', e.scheduler);
  if (e.flags !== undefined && (!Array.isArray(e.flags) || !e.flags.every((x) => ALL_FLAGS.includes(x) || /^flag-[123]$/.test(x)))) {
    bad(`${f}.flags`, `a list of ${ALL_FLAGS.join(', ')}, flag-1..3`, e.flags);
  }
  if (e.persistent !== undefined && !isInt(e.persistent, 1, 0x7fffffff)) bad(`${f}.persistent`, 'a timeout in seconds, 1 or more', e.persistent);
  if (e.netmask !== undefined && svcAf(at) === 4 && !isQuad(e.netmask)) bad(`${f}.netmask`, 'a dotted-quad netmask like 255.255.255.0', e.netmask);
  if (e.netmask !== undefined && svcAf(at) === 6 && !(typeof e.netmask === 'string' && /^(0|[1-9]\d{0,2})$/.test(e.netmask))) {
    bad(`${f}.netmask`, 'a prefix length like "64" (an IPv6 service)', e.netmask);
  }
  if (e.ops !== undefined && e.ops !== true) bad(`${f}.ops`, 'true or absent', e.ops);
}

function dest(at: At): void {
  const { e, f, bad } = at;
  vip(at);
  rs(at);
  if (!isInt(e.weight, 0, 0x7fffffff)) bad(`${f}.weight`, 'an integer weight 0..2147483647', e.weight);
  u32(at, 'upper');
  u32(at, 'lower');
  if (e.fwd !== undefined && !(FWD_METHODS as readonly unknown[]).includes(e.fwd)) bad(`${f}.fwd`, `a forwarding method: ${FWD_METHODS.join(', ')}`, e.fwd);
  if (e.fwd === 'tunnel' && destAf(e.dest as string) !== svcAf(at)) {
    bad(`${f}.fwd`, "a tunnel to a real server of the service's family (the servers decapsulate ipip and IPv6-in-IPv6 only)", e.fwd);
  }
}

function connect(at: At): void {
  const { e, f, bad, conns, held } = at;
  connName(at);
  target(at);
  if (parseTarget(e.svc as string).af === 6) {
    const c = e.client as string;
    if (typeof c !== 'string' || canonicalIpv6(c) !== c || v6Role(c) !== NET6.client) bad(`${f}.client`, 'a client address 2001:db8:1::X (the target is IPv6), as inet_ntop prints it', e.client);
  } else if (!isQuad(e.client) || !(e.client as string).startsWith(NET.clientPrefix)) bad(`${f}.client`, `a client address ${NET.clientPrefix}X.Y`, e.client);
  if (!isInt(e.cport, 1, 65535)) bad(`${f}.cport`, 'a client port 1..65535', e.cport);
  if (conns.has(e.conn as string)) bad(`${f}.conn`, 'a connection name not used earlier in the case', e.conn);
  const cp = `${e.client}:${e.cport}`;
  const holder = held.get(cp);
  if (holder !== undefined) bad(`${f}.cport`, `a client address and port no open connection holds (${holder} holds it until its fin or rst)`, cp);
  held.set(cp, e.conn as string);
  conns.add(e.conn as string);
}

/** fin, rst, send, shut: on a connection an earlier connect opened. */
function onConnection(at: At): void {
  const { e, f, bad, conns, held } = at;
  connName(at);
  if (!conns.has(e.conn as string)) bad(`${f}.conn`, `a connection opened by an earlier connect (${[...conns].join(', ') || 'none yet'})`, e.conn);
  if (e.op === 'shut' && e.side !== 'client' && e.side !== 'server') bad(`${f}.side`, 'client or server', e.side);
  if (e.op === 'fin' || e.op === 'rst') for (const [k, v] of held) if (v === e.conn) held.delete(k);
}

/** Each op's own fields, in the order an error lists the ops. */
const CHECKS: Record<string, (at: At) => void> = {
  'svc-add': service,
  'svc-edit': service,
  'svc-del': vip,
  'dest-add': dest,
  'dest-edit': dest,
  'dest-del': (at) => (vip(at), rs(at)),
  connect,
  fin: onConnection,
  rst: onConnection,
  send: onConnection,
  shut: onConnection,
  timeouts: (at) => (u32(at, 'tcp'), u32(at, 'tcpfin'), u32(at, 'udp')),
  sysctl: ({ e, f, bad }) => {
    if (typeof e.name !== 'string' || !/^[a-z_]{1,31}$/.test(e.name)) bad(`${f}.name`, 'a net.ipv4.vs sysctl name like lblc_expiration', e.name);
    if (!isInt(e.value, -0x80000000, 0x7fffffff)) bad(`${f}.value`, 'a 32-bit integer', e.value);
  },
  wait: ({ e, f, bad }) => {
    if (!isInt(e.ms, 0, MAX_WAIT_MS)) bad(`${f}.ms`, `a wait in milliseconds 0..${MAX_WAIT_MS}`, e.ms);
  },
};
