// The agent's TCP traffic through IPVS: `connect` (ip_vs_in → ip_vs_schedule / ip_vs_sched_persist
// in ip_vs_core.c, then the handshake), `fin` and `rst`.
import type { AddrPort } from '../scenario.js';
import { idInfo, ipInfo, v6PrefixId } from './addr.js';
import { armTimer, newConn, packet, unhashTemplate } from './conns.js';
import type { OpError } from '../observation.js';
import { findService, type ParsedTarget, target } from './lookup.js';
import { connectUdp } from './udp.js';
import { type AgentConn, clientKey, type Conn, connDelete, connGet, type ModelDest, type ModelService, type ModelState, templateKey, afOf, ipvsSees } from './state.js';
import { opError } from './errno.js';
import { CONNECT_PACKETS, Dir, S, SILENT_PACKETS } from './tcp.js';
import { reach } from './reached.js';
import { sysctl } from './sysctl.js';
import { expireNow, moment } from './timers.js';
import type { Decision, Packet } from './types.js';

const FTPPORT = 21;
/** The silent servers of the address plan (10.5.0.0/16, 2001:db8:5::/48): a SYN sent there is never answered. */
const SILENT_NET = 0x0a05;
export function isSilent(d: ModelDest): boolean {
  // DR keeps the VIP as the packet's destination and uses the server's address only for the next
  // hop: the servers, which accept the VIPs, answer (seen on 6.1: the SYN-ACK came straight back).
  if (d.fwd === 'Route') return false;
  const id = d.addrId ?? d.addrNum;
  if (id < 2 ** 32) return id >>> 16 === SILENT_NET;
  const w = idInfo(id).words;
  return w[0] === 0x20010db8 && w[1]! >>> 16 === 5;
}

export interface ConnectResult {
  dest: AddrPort | null;
  allowed?: (AddrPort | null)[];
  /** twos: the probability of each allowed outcome, and the service that drew it. */
  probs?: number[];
  service?: string;
  error?: OpError;
}

/**
 * The kernel's step ended without an answer and named no destination: a datagram IPVS sent to a
 * silent server (the agent cannot see where it went, only that no server got it).
 */
export const UNANSWERED: unique symbol = Symbol('unanswered');

/**
 * What the kernel chose for this connect when the model follows a kernel run (undefined: not
 * following): among several allowed outcomes the model continues with the kernel's, else its first.
 */
export type KernelPick = AddrPort | null | undefined | typeof UNANSWERED;

function choose(st: ModelState, allowed: (ModelDest | null)[], kernel: KernelPick): ModelDest | null {
  if (kernel === UNANSWERED) {
    // The agent cannot tell silent servers apart: which one is a choice the search over the
    // kernel's observation settles (its table shows which one got the entry).
    const silent = allowed.filter((d): d is ModelDest => d !== null && isSilent(d));
    if (silent.length > 1) return silent[st.choose(silent.length, 'the silent server a datagram went to')]!;
    return silent[0] ?? allowed[0] ?? null;
  }
  if (kernel !== undefined) {
    const hit = allowed.find((d) => (d ? d.key : null) === kernel);
    if (hit !== undefined) return hit;
  }
  return allowed[0] ?? null;
}

/** The outcome a uniform u in [0, 1) draws from the law `probs` (inverse of its distribution). */
function drawn(dests: (ModelDest | null)[], probs: number[], u: number): ModelDest | null {
  let acc = 0;
  for (let i = 0; i < dests.length; i++) {
    acc += probs[i]!;
    if (u < acc) return dests[i]!;
  }
  return dests[dests.length - 1]!;
}

const pkt: Packet = { saddr: 0, sport: 0, daddr: 0, daddrId: 0, dport: 0 };

function runScheduler(st: ModelState, svc: ModelService, tg: ParsedTarget, caddr: number, cport: number, out: ConnectResult, kernel: KernelPick): ModelDest | null {
  if (!svc.sched) return null; // scheduler "none"
  pkt.saddr = caddr < 2 ** 32 ? caddr : idInfo(caddr).fold; // the schedulers hash IPv6 folded
  pkt.sport = cport;
  pkt.daddr = tg.addrNum;
  pkt.daddrId = tg.addrId;
  pkt.dport = tg.port;
  const dec: Decision = svc.sched.schedule(svc, pkt, st.ctx);
  if (dec.kind === 'one') return dec.dest as ModelDest | null;
  const dests = dec.dests as (ModelDest | null)[];
  out.allowed = dests.map((d) => (d ? d.key : null));
  if (dec.probs) {
    out.probs = dec.probs;
    out.service = svc.key;
  }
  const chosen = st.sample && dec.probs ? drawn(dests, dec.probs, st.sample()) : choose(st, dests, kernel);
  dec.commit?.(chosen);
  return chosen;
}

export function connect(
  st: ModelState,
  ev: { conn: string; svc: AddrPort; client: string; cport: number },
  kernel: KernelPick,
): ConnectResult {
  const out: ConnectResult = { dest: null };
  const caddr = ipInfo(ev.client).id;
  const tg = target(ev.svc);
  const svc = findService(st, tg);
  const key = clientKey(caddr, ev.cport);
  if (tg.proto === 'udp') return connectUdp(st, ev.conn, { tg, svc, caddr, cport: ev.cport, key }, kernel);
  // The agent's earlier socket of this address, port and target is still connected: connect()
  // finds the same four-tuple established (__inet_hash_connect) and nothing is sent.
  const sockKey = `${ev.svc}|${key}`;
  if (st.sockets.has(sockKey)) {
    out.error = opError('EADDRNOTAVAIL');
    return out;
  }

  // The client's SYN reaches IPVS: timers due by then have fired.
  moment(st, 'the SYN of a connect');
  // No service of its family: no IPVS hook sees the SYN; the director's own TCP resets it, which
  // the agent reads as a refusal, ECONNREFUSED when IPVS still lists an entry for the client.
  if (!ipvsSees(st, afOf(tg.addrId))) {
    if (connGet(st, tg.text, key)) out.error = opError('ECONNREFUSED');
    return out;
  }
  // ip_vs_in(): an existing entry for this client address and port (ip_vs_conn_in_get)
  const old = connGet(st, tg.text, key);
  let rescheduled = false;
  if (old) {
    // conn_reuse_mode 1, is_new_conn_expected(): not controlled, in TIME_WAIT or CLOSE: expire it
    // now (it goes on the next tick) and schedule afresh; else the SYN goes into the old entry.
    if (old.control === null && (old.state === S.TIME_WAIT || old.state === S.CLOSE)) {
      reach(st.reached, 'port-reuse:resched');
      connDelete(st, old); // the new entry is found first from now on
      expireNow(st, old.timer);
      rescheduled = true;
    } else {
      reach(st.reached, 'port-reuse:same-entry');
      return reuseEntry(st, old, ev, sockKey, out);
    }
  }

  // No service matches any more (ip_vs_try_to_schedule() accepts the SYN): the director's own TCP
  // resets it, and the entry just expired is listed until the next tick, so the agent reads a
  // refusal.
  if (!svc) {
    if (rescheduled) {
      reach(st.reached, 'port-reuse:resched-no-service');
      out.error = opError('ECONNREFUSED');
    }
    return out;
  }
  const cp = svc.persistFlag ? schedPersist(st, svc, tg, caddr, ev.cport, key, out, kernel) : schedule(st, svc, tg, caddr, ev.cport, key, out, kernel);
  if (!cp) return out;
  return handshake(st, cp, ev.conn, sockKey, out, false);
}

/** The client's connection over `cp`: the handshake, or only the SYN to a silent server. */
function handshake(st: ModelState, cp: Conn, name: string, sockKey: string, out: ConnectResult, timed: boolean): ConnectResult {
  cp.name = name;
  const ac: AgentConn = { cp, closed: false, cliShut: false, srvShut: false };
  st.byName.set(name, ac);
  // A silent server never answers: the agent closes the client without a word after the SYN.
  const silent = isSilent(cp.dest);
  const packets = silent ? SILENT_PACKETS : CONNECT_PACKETS;
  for (let i = 0; i < packets.length; i++) {
    if (cp.direct && packets[i]! >= Dir.OUT) continue; // the server's SYN-ACK goes straight to the client
    packet(st, cp, packets[i]!, timed || i > 0);
    // ip_vs_control_assure_ct(): reaching ESTABLISHED marks the template ASSURED
    if (cp.state === S.ESTABLISHED && cp.control) cp.control.state = 1;
  }
  if (silent) ac.closed = true;
  else st.sockets.set(sockKey, ac);
  out.dest = cp.dest.key;
  return out;
}

/**
 * A SYN from a client address and port IPVS still has an entry for, which it does not reschedule
 * (controlled by a template, or in a state other than TIME_WAIT/CLOSE): it goes to that entry's
 * dest, which the agent's closed socket there no longer holds, so the handshake completes anew;
 * with the dest deleted, ip_vs_in() drops the SYN and the connect times out.
 */
function reuseEntry(st: ModelState, old: Conn, ev: { conn: string }, sockKey: string, out: ConnectResult): ConnectResult {
  if (!old.dest.available) {
    // The agent reads the entry: still SYN_RECV toward a silent server, it reports that server
    // (as for a SYN it forwarded there); its client goes quiet either way.
    if (old.state === S.SYN_RECV && isSilent(old.dest)) {
      out.dest = old.dest.key;
      st.byName.set(ev.conn, { cp: old, closed: true, cliShut: false, srvShut: false });
    } else out.error = opError('ETIMEDOUT');
    return out;
  }
  return handshake(st, old, ev.conn, sockKey, out, false);
}

const PROTO = { tcp: 'TCP', udp: 'UDP' } as const;

/** ip_vs_schedule(), non-persistent part. */
export function schedule(st: ModelState, svc: ModelService, tg: ParsedTarget, caddr: number, cport: number, key: number, out: ConnectResult, kernel: KernelPick): Conn | null {
  if (!svc.fwmark && tg.port !== svc.port) return null; // a port-zero service must be persistent
  const dest = runScheduler(st, svc, tg, caddr, cport, out, kernel);
  if (!dest) return null;
  const f = { template: false, caddr, cport, vaddr: tg.addrId, vport: tg.port, dport: dest.port || tg.port, svcKey: tg.text, proto: PROTO[tg.proto], key };
  return newConn(st, f, dest);
}

/**
 * A fwmark template's vaddr: `union nf_inet_addr fwmark = { .ip = htonl(svc->fwmark) }`
 * (ip_vs_sched_persist), so an IPv6 one is the address whose first word is the mark ([0:2::]).
 */
function markAddr(svc: ModelService): number {
  if (svc.af !== 6) return svc.fwmark;
  return ipInfo(`${(svc.fwmark >>> 16).toString(16)}:${(svc.fwmark & 0xffff).toString(16)}::`).id;
}

/** ip_vs_sched_persist(): templates keyed on the client network; a hit skips the scheduler. */
export function schedPersist(
  st: ModelState,
  svc: ModelService,
  tg: ParsedTarget,
  caddr: number,
  cport: number,
  key: number,
  out: ConnectResult,
  kernel: KernelPick,
): Conn | null {
  // IPv6: the netmask is a prefix length (ipv6_addr_prefix)
  const snet = svc.af === 6 ? v6PrefixId(caddr, svc.netmask) : (caddr & svc.netmask) >>> 0;
  // <protocol, caddr, 0, vaddr, vport>; vport 0 for FTP and port-zero services; a fwmark
  // template is <IPPROTO_IP, caddr, 0, fwmark, 0>
  const full = tg.port === svc.port;
  const tvport = full && svc.port !== FTPPORT ? tg.port : 0;
  const tproto = !full && svc.fwmark ? 'IP' : PROTO[tg.proto];
  const tvaddr = !full && svc.fwmark ? markAddr(svc) : tg.addrId;
  const tkey = templateKey(tproto, snet, tvaddr, tvport);
  let ct = st.templates.get(tkey);
  // ip_vs_check_template(ct, NULL): dest gone, or quiescent (weight 0) with expire_quiescent_template
  // set (off by default), invalidates the template; it keeps its timer and its place in persistconns
  if (ct && (!ct.dest.available || (sysctl(st, 'expire_quiescent_template', 0) !== 0 && ct.dest.weight === 0))) {
    unhashTemplate(st, ct);
    ct.vport = 0xffff;
    ct.dport = 0xffff;
    ct = undefined;
  }
  let dest: ModelDest;
  const fresh = !ct;
  if (!ct) {
    const d = runScheduler(st, svc, tg, caddr, cport, out, kernel);
    if (!d) return null;
    dest = d;
    const dport = full && svc.port !== FTPPORT ? d.port : 0;
    ct = newConn(st, { template: true, caddr: snet, cport: 0, vaddr: tvaddr, vport: tvport, dport, svcKey: '', proto: tproto, key: 0 }, d);
    ct.timeout = svc.persistent * st.rules.hz; // ct->timeout = svc->timeout
    st.templates.set(tkey, ct);
  } else {
    dest = ct.dest;
  }
  // dport = dst_port, or dest->port when the packet is for the service's own port
  const dport = full && dest.port ? dest.port : tg.port;
  const cp = newConn(st, { template: false, caddr, cport, vaddr: tg.addrId, vport: tg.port, dport, svcKey: tg.text, proto: PROTO[tg.proto], key }, dest);
  // ip_vs_control_add(cp, ct); ip_vs_conn_put(ct) re-arms the template's timer
  cp.control = ct;
  ct.nControl++;
  if (!fresh) reach(st.reached, 'template:refresh');
  armTimer(st, ct);
  return cp;
}

