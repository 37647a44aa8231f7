// The agent's TCP traffic through IPVS: `connect` (ip_vs_in → ip_vs_schedule / ip_vs_sched_persist
// in ip_vs_core.c, then the handshake), `fin` and `rst`.
import type { AddrPort } from '../scenario.js';
import { idInfo, ipInfo, v6PrefixId } from './addr.js';
import { armTimer, newConn, packet, type StepTime, unhashTemplate } from './conns.js';
import type { OpError } from '../observation.js';
import { findService, type ParsedTarget, target } from './lookup.js';
import { clientKey, type Conn, connDelete, connGet, giveUp, type ModelDest, type ModelService, type ModelState, templateKey } from './state.js';
import { opError } from './errno.js';
import { CLIENT_DATA, CLIENT_FIN, CONNECT_PACKETS, Dir, RST_PACKETS, S, SERVER_DATA, SERVER_FIN, SILENT_PACKETS } from './tcp.js';
import { SOFTIRQ_MS } from './time.js';
import type { Decision, Packet } from './types.js';

const FTPPORT = 21;
/** The silent servers of the address plan (10.5.0.0/16, 2001:db8:5::/48): a SYN sent there is never answered. */
const SILENT_NET = 0x0a05;
function isSilent(d: ModelDest): boolean {
  const id = d.addrId ?? d.addrNum;
  if (id < 2 ** 32) return id >>> 16 === SILENT_NET;
  const w = idInfo(id).words;
  return w[0] === 0x20010db8 && w[1]! >>> 16 === 5;
}

export interface ConnectResult {
  dest: AddrPort | null;
  allowed?: (AddrPort | null)[];
  error?: OpError;
}

/**
 * What the kernel chose for this connect when the model follows a kernel run (undefined: not
 * following): among several allowed outcomes the model continues with the kernel's, else its first.
 */
export type KernelPick = AddrPort | null | undefined;

function choose(allowed: (ModelDest | null)[], kernel: KernelPick): ModelDest | null {
  if (kernel !== undefined) {
    const hit = allowed.find((d) => (d ? d.key : null) === kernel);
    if (hit !== undefined) return hit;
  }
  return allowed[0] ?? null;
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
  const chosen = choose(dests, kernel);
  dec.commit?.(chosen);
  return chosen;
}

export function connect(
  st: ModelState,
  ev: { conn: string; svc: AddrPort; client: string; cport: number },
  t: StepTime,
  kernel: KernelPick,
): ConnectResult {
  const out: ConnectResult = { dest: null };
  const caddr = ipInfo(ev.client).id;
  const tg = target(ev.svc);
  const svc = findService(st, tg);
  const key = clientKey(caddr, ev.cport);
  // The agent's earlier socket of this address, port and target is still connected: connect()
  // finds the same four-tuple established (__inet_hash_connect) and nothing is sent.
  const sockKey = `${ev.svc}|${key}`;
  if (st.sockets.has(sockKey)) {
    out.error = opError('EADDRNOTAVAIL');
    return out;
  }

  // ip_vs_in(): an existing entry for this client address and port (ip_vs_conn_in_get)
  const old = connGet(st, tg.text, key);
  let resched: Conn | undefined;
  if (old) {
    // is_new_conn_expected(): TIME_WAIT or CLOSE, not controlled. Only CLOSE (after a client RST)
    // is modelled: after `fin` the client's own socket sits in TIME_WAIT and whether its stack
    // lets the port be reused is outside the model.
    if (old.control === null && old.state === S.CLOSE) {
      resched = old; // conn_reuse_mode 1: expire it now, schedule afresh
      connDelete(st, old);
    } else {
      giveUp(st, `${ev.conn} reuses ${ev.client}:${ev.cport} while IPVS still holds that connection (${old.name ?? ''} in state ${old.state})`);
      return out;
    }
  }

  let cp: Conn | null = null;
  if (svc) cp = svc.persistFlag ? schedPersist(st, svc, tg, caddr, ev.cport, key, t, out, kernel) : schedule(st, svc, tg, caddr, ev.cport, key, out, kernel);
  if (resched) {
    // ip_vs_conn_expire_now(): the old entry goes on the next timer tick, after this scheduling
    // (which still counted it) and about when the agent reads the table: a real kernel shows it
    // there or not (seen both ways on 6.1 and 6.12 guests).
    resched.timeout = 0;
    resched.timer.lo = t.armLo;
    resched.timer.hi = t.armHi + 1000 / st.rules.hz + SOFTIRQ_MS;
    resched.timer.nominal = t.armHi;
    if (resched.timer.lo < st.minTimerLo) st.minTimerLo = resched.timer.lo;
    giveUp(st, `${ev.conn} reuses ${ev.client}:${ev.cport}: the old entry expires on the next timer tick, about when the table is read`);
  }
  if (!cp) return out;
  cp.name = ev.conn;
  st.byName.set(ev.conn, cp);
  // A silent server never answers: the agent closes the client without a word after the SYN.
  const silent = isSilent(cp.dest);
  const packets = silent ? SILENT_PACKETS : CONNECT_PACKETS;
  for (let i = 0; i < packets.length; i++) {
    if (cp.direct && packets[i]! >= Dir.OUT) continue; // the server's SYN-ACK goes straight to the client
    packet(st, cp, packets[i]!, t);
    // ip_vs_control_assure_ct(): reaching ESTABLISHED marks the template ASSURED
    if (cp.state === S.ESTABLISHED && cp.control) cp.control.state = 1;
  }
  if (silent) cp.agentClosed = true;
  else st.sockets.set(sockKey, cp);
  out.dest = cp.dest.key;
  return out;
}

const PROTO = { tcp: 'TCP', udp: 'UDP' } as const;

/** ip_vs_schedule(), non-persistent part. */
function schedule(st: ModelState, svc: ModelService, tg: ParsedTarget, caddr: number, cport: number, key: number, out: ConnectResult, kernel: KernelPick): Conn | null {
  if (!svc.fwmark && tg.port !== svc.port) return null; // a port-zero service must be persistent
  const dest = runScheduler(st, svc, tg, caddr, cport, out, kernel);
  if (!dest) return null;
  const f = { template: false, caddr, cport, vaddr: tg.addrId, vport: tg.port, dport: dest.port || tg.port, svcKey: tg.text, proto: PROTO[tg.proto], key };
  return newConn(st, f, dest);
}

/** ip_vs_sched_persist(): templates keyed on the client network; a hit skips the scheduler. */
function schedPersist(
  st: ModelState,
  svc: ModelService,
  tg: ParsedTarget,
  caddr: number,
  cport: number,
  key: number,
  t: StepTime,
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
  const tvaddr = !full && svc.fwmark ? svc.fwmark : tg.addrId;
  const tkey = templateKey(tproto, snet, tvaddr, tvport);
  let ct = st.templates.get(tkey);
  // ip_vs_check_template(ct, NULL): dest gone (or quiescent with expire_quiescent_template, off by
  // default) invalidates the template; it keeps its timer and its place in persistconns
  if (ct && !ct.dest.available) {
    unhashTemplate(st, ct);
    ct.vport = 0xffff;
    ct.dport = 0xffff;
    ct = undefined;
  }
  let dest: ModelDest;
  if (!ct) {
    const d = runScheduler(st, svc, tg, caddr, cport, out, kernel);
    if (!d) return null;
    dest = d;
    const dport = full && svc.port !== FTPPORT ? d.port : 0;
    ct = newConn(st, { template: true, caddr: snet, cport: 0, vaddr: tvaddr, vport: tvport, dport, svcKey: '', proto: tproto, key: 0 }, d);
    ct.timeout = svc.persistent * 1000; // ct->timeout = svc->timeout
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
  armTimer(st, ct, t);
  return cp;
}

/** The connection the agent still holds open under that name, or undefined (nothing is sent). */
function agentConn(st: ModelState, name: string): Conn | undefined {
  const cp = st.byName.get(name);
  return cp && !cp.agentClosed ? cp : undefined;
}

/** The agent gives the connection up: its sockets are closed without another packet. */
function giveUpSockets(st: ModelState, cp: Conn): void {
  cp.agentClosed = true;
  for (const [k, v] of st.sockets) if (v === cp) st.sockets.delete(k);
}

/**
 * One half of the traffic the agent sends on an open connection: a FIN or a data segment from one
 * side and the other side's ACK. The first packet reaches its peer only through the IPVS entry: with
 * the entry expired (the director's own stack answers) or, coming from the client, its dest deleted
 * (ip_vs_in: NF_DROP with expire_nodest_conn 0), it is lost and the agent reports ETIMEDOUT.
 */
function half(st: ModelState, cp: Conn, packets: readonly number[], t: StepTime): OpError | undefined {
  const fromClient = packets[0]! < Dir.OUT;
  if (cp.direct) return directHalf(st, cp, packets, fromClient, t);
  if (!cp.live || (fromClient && !cp.dest.available)) {
    giveUpSockets(st, cp);
    return opError('ETIMEDOUT');
  }
  packet(st, cp, packets[0]!, t);
  // The server's packet passed (ip_vs_out does not look at the dest), the client's ACK is dropped.
  if (!cp.dest.available) giveUp(st, `the client's ACK on ${cp.name} is dropped (its dest is deleted): the server retransmits on its own clock`);
  else packet(st, cp, packets[1]!, t);
  return undefined;
}

/**
 * half() for a DR or tunnel connection: the server's packets go straight to the client and never
 * meet IPVS, so they always arrive; only the client's reach the director. A client packet on an
 * expired entry or a deleted dest is lost as with masquerading; the client's ACK of a server
 * packet is dropped there without a trace (ip_vs_in: NF_DROP before any state or timer change),
 * or, with the entry expired, answered by the director's own TCP with a reset.
 */
function directHalf(st: ModelState, cp: Conn, packets: readonly number[], fromClient: boolean, t: StepTime): OpError | undefined {
  if (fromClient) {
    if (!cp.live || !cp.dest.available) {
      giveUpSockets(st, cp);
      return opError('ETIMEDOUT');
    }
    packet(st, cp, packets[0]!, t);
    return undefined;
  }
  if (!cp.live) giveUp(st, `the client's ACK on ${cp.name} meets no IPVS entry: the director's own TCP resets the client`);
  else if (cp.dest.available) packet(st, cp, packets[1]!, t);
  return undefined;
}

/** `fin`: whichever side has not sent its FIN does (the client first), then both sockets close. */
export function fin(st: ModelState, name: string, t: StepTime): OpError | undefined {
  const cp = agentConn(st, name);
  if (!cp) return undefined;
  let err = cp.cliShut ? undefined : half(st, cp, CLIENT_FIN, t);
  cp.cliShut = true;
  if (!err && !cp.srvShut) err = half(st, cp, SERVER_FIN, t);
  cp.srvShut = true;
  giveUpSockets(st, cp);
  return err;
}

/** `shut`: one side's FIN, ACKed at once; both sockets stay open. */
export function shut(st: ModelState, name: string, side: 'client' | 'server', t: StepTime): OpError | undefined {
  const cp = agentConn(st, name);
  if (!cp || (side === 'client' ? cp.cliShut : cp.srvShut)) return undefined;
  const err = half(st, cp, side === 'client' ? CLIENT_FIN : SERVER_FIN, t);
  if (side === 'client') cp.cliShut = true;
  else cp.srvShut = true;
  return err;
}

/** `send`: a data segment from the client (from the server once the client has shut), and its ACK. */
export function send(st: ModelState, name: string, t: StepTime): OpError | undefined {
  const cp = agentConn(st, name);
  if (!cp || (cp.cliShut && cp.srvShut)) return undefined;
  return half(st, cp, cp.cliShut ? SERVER_DATA : CLIENT_DATA, t);
}

/**
 * `rst`: the client's RST. Nothing is sent once both sides have shut (the client socket is closed
 * already); a RST to an expired entry or a deleted dest is lost without an error.
 */
export function rst(st: ModelState, name: string, t: StepTime): OpError | undefined {
  const cp = agentConn(st, name);
  if (!cp) return undefined;
  giveUpSockets(st, cp);
  if ((cp.cliShut && cp.srvShut) || !cp.live || !cp.dest.available) return undefined;
  for (let i = 0; i < RST_PACKETS.length; i++) packet(st, cp, RST_PACKETS[i]!, t);
  return undefined;
}
