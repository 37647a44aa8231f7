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

const OPS = ['svc-add', 'svc-edit', 'svc-del', 'dest-add', 'dest-edit', 'dest-del', 'connect', 'fin', 'rst', 'send', 'shut', 'timeouts', 'sysctl', 'wait'];

export function validateScenario(file: string | undefined, where: string, v: unknown): Scenario {
  const bad = (field: string, expected: string, got: unknown): never => {
    throw new InputError(file, `${where}${field}`, expected, got);
  };
  if (!v || typeof v !== 'object' || Array.isArray(v)) bad('', 'a mapping with version and events', v);
  const s = v as Record<string, unknown>;
  if (s.version !== 1) bad('.version', '1', s.version);
  if (!Array.isArray(s.events)) bad('.events', 'a list of events', s.events);
  const conns = new Set<string>();
  // client address:port -> the connection still holding it (no fin/rst yet)
  const held = new Map<string, string>();
  (s.events as unknown[]).forEach((raw, i) => {
    const f = `.events[${i}]`;
    if (!raw || typeof raw !== 'object') bad(f, 'an event mapping with an `op`', raw);
    const e = raw as Record<string, unknown>;
    if (typeof e.op !== 'string' || !OPS.includes(e.op)) bad(`${f}.op`, `one of ${OPS.join(', ')}`, e.op);
    const vip = () => isVipKey(e.svc, false) || bad(`${f}.svc`, `${SERVICE_KEY_SYNTAX}, an address in 10.0.0.0/16 other than 10.0.0.2 and 10.0.0.254 (the topology's own) or in 2001:db8::/48, and a port 1..65535`, e.svc);
    const target = () => isVipKey(e.svc, true) || bad(`${f}.svc`, `${TARGET_SYNTAX}, an address in 10.0.0.0/16 other than 10.0.0.2 and 10.0.0.254 or in 2001:db8::/48, and a port 1..65535`, e.svc);
    const rs = () =>
      isAddrPort(e.dest, NET.serverPrefix, [NET6.server, NET6.silent]) ||
      isAddrPort(e.dest, NET.silentPrefix, []) ||
      bad(`${f}.dest`, `a real server ${NET.serverPrefix}X.Y:PORT or [2001:db8:2::X]:PORT, or a silent one ${NET.silentPrefix}X.Y:PORT (port 0..65535)`, e.dest);
    const svcAf = () => tryServiceKey(e.svc)!.af;
    const u32 = (k: string) => isInt(e[k], 0, 0xffffffff) || bad(`${f}.${k}`, 'an integer 0..4294967295', e[k]);
    const name = () => (typeof e.conn === 'string' && /^[A-Za-z0-9_-]+$/.test(e.conn)) || bad(`${f}.conn`, 'a connection name like c3', e.conn);
    switch (e.op) {
      case 'svc-add':
      case 'svc-edit':
        vip();
        if (typeof e.scheduler !== 'string' || !/^[a-z0-9_]+$/.test(e.scheduler)) bad(`${f}.scheduler`, 'a scheduler name like rr', e.scheduler);
        if (e.flags !== undefined && (!Array.isArray(e.flags) || !e.flags.every((x) => ALL_FLAGS.includes(x) || /^flag-[123]$/.test(x)))) {
          bad(`${f}.flags`, `a list of ${ALL_FLAGS.join(', ')}, flag-1..3`, e.flags);
        }
        if (e.persistent !== undefined && !isInt(e.persistent, 1, 0x7fffffff)) bad(`${f}.persistent`, 'a timeout in seconds, 1 or more', e.persistent);
        if (e.netmask !== undefined && svcAf() === 4 && !isQuad(e.netmask)) bad(`${f}.netmask`, 'a dotted-quad netmask like 255.255.255.0', e.netmask);
        if (e.netmask !== undefined && svcAf() === 6 && !(typeof e.netmask === 'string' && /^(0|[1-9]\d{0,2})$/.test(e.netmask))) {
          bad(`${f}.netmask`, 'a prefix length like "64" (an IPv6 service)', e.netmask);
        }
        if (e.ops !== undefined && e.ops !== true) bad(`${f}.ops`, 'true or absent', e.ops);
        break;
      case 'svc-del':
        vip();
        break;
      case 'dest-add':
      case 'dest-edit':
        vip();
        rs();
        if (!isInt(e.weight, 0, 0x7fffffff)) bad(`${f}.weight`, 'an integer weight 0..2147483647', e.weight);
        u32('upper');
        u32('lower');
        if (e.fwd !== undefined && !(FWD_METHODS as readonly unknown[]).includes(e.fwd)) bad(`${f}.fwd`, `a forwarding method: ${FWD_METHODS.join(', ')}`, e.fwd);
        if (e.fwd === 'tunnel' && destAf(e.dest as string) !== svcAf()) {
          bad(`${f}.fwd`, "a tunnel to a real server of the service's family (the servers decapsulate ipip and IPv6-in-IPv6 only)", e.fwd);
        }
        break;
      case 'dest-del':
        vip();
        rs();
        break;
      case 'connect': {
        name();
        target();
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
        break;
      }
      case 'fin':
      case 'rst':
      case 'send':
      case 'shut':
        name();
        if (!conns.has(e.conn as string)) bad(`${f}.conn`, `a connection opened by an earlier connect (${[...conns].join(', ') || 'none yet'})`, e.conn);
        if (e.op === 'shut' && e.side !== 'client' && e.side !== 'server') bad(`${f}.side`, 'client or server', e.side);
        if (e.op === 'fin' || e.op === 'rst') for (const [k, v] of held) if (v === e.conn) held.delete(k);
        break;
      case 'sysctl':
        if (typeof e.name !== 'string' || !/^[a-z_]{1,31}$/.test(e.name)) bad(`${f}.name`, 'a net.ipv4.vs sysctl name like lblc_expiration', e.name);
        if (!isInt(e.value, -0x80000000, 0x7fffffff)) bad(`${f}.value`, 'a 32-bit integer', e.value);
        break;
      case 'timeouts':
        u32('tcp');
        u32('tcpfin');
        u32('udp');
        break;
      case 'wait':
        if (!isInt(e.ms, 0, MAX_WAIT_MS)) bad(`${f}.ms`, `a wait in milliseconds 0..${MAX_WAIT_MS}`, e.ms);
        break;
    }
  });
  return s as unknown as Scenario;
}

