// The agent's UDP traffic through IPVS (vm/agent/src/udp.c): `connect` and `send` each send one
// datagram and take the server's answer. ip_vs_in() finds the hashed entry of this client and
// target or schedules afresh (udp_conn_schedule → ip_vs_schedule / ip_vs_sched_persist); every
// packet sets the UDP timeout (udp_state_transition), the answer assures the template
// (ip_vs_control_assure_ct). UDP entries never leave INACTIVE. With one-packet scheduling (-o)
// the entry is not hashed and expires as soon as the datagram has passed (ip_vs_conn_put), so
// every datagram is scheduled anew and the answer meets no entry.
import type { OpError } from '../observation.js';
import { armTimer, expireConn } from './conns.js';
import { opError } from './errno.js';
import { findService, type ParsedTarget, target } from './lookup.js';
import { afOf, type Conn, connDelete, connGet, ipvsSees, type ModelService, type ModelState } from './state.js';
import { moment } from './timers.js';
import { type ConnectResult, isSilent, type KernelPick, schedPersist, schedule } from './traffic.js';

/** What a UDP datagram is sent from and to. */
export interface UdpFlow {
  tg: ParsedTarget;
  svc: ModelService | undefined;
  caddr: number;
  cport: number;
  key: number;
}

/** `connect` to a UDP target: a client socket bound to the address and port, one datagram. */
export function connectUdp(st: ModelState, name: string, flow: UdpFlow, kernel: KernelPick): ConnectResult {
  // The agent refuses an address and port an open UDP connection of the case still holds.
  for (const s of st.udpSockets.values()) {
    if (s.key === flow.key) return { dest: null, error: opError('EADDRINUSE') };
  }
  st.udpSockets.set(name, { key: flow.key, target: flow.tg.text, caddr: flow.caddr, cport: flow.cport });
  st.udpNames.add(name);
  return datagram(st, name, flow, kernel);
}

/** `send` on a UDP connection: the same socket sends one more datagram (nothing once closed). */
export function sendUdp(st: ModelState, name: string, kernel: KernelPick): ConnectResult {
  const s = st.udpSockets.get(name);
  if (!s) return { dest: null };
  const tg = target(s.target);
  return datagram(st, name, { tg, svc: findService(st, tg), caddr: s.caddr, cport: s.cport, key: s.key }, kernel);
}

/** `fin`, `rst` or `shut` of a UDP connection: its socket is closed; UDP sends nothing. */
export function closeUdp(st: ModelState, name: string): void {
  st.udpSockets.delete(name);
}

/** The connection is one of the agent's UDP ones (open or closed). */
export const isUdp = (st: ModelState, name: string): boolean => st.udpNames.has(name);

function datagram(st: ModelState, name: string, f: UdpFlow, kernel: KernelPick): ConnectResult {
  const out: ConnectResult = { dest: null };
  // The datagram reaches IPVS: timers due by then have fired.
  moment(st, 'a UDP datagram');
  // No service of its family: no IPVS hook sees it (ip_vs_unregister_hooks with the last service);
  // the director's own UDP answers with a port unreachable.
  if (!ipvsSees(st, afOf(f.tg.addrId))) return out;
  let cp: Conn | null | undefined = connGet(st, f.tg.text, f.key);
  // The dest of the entry was deleted: with expire_nodest_conn 0, ip_vs_in drops the datagram.
  if (cp && !cp.dest.available) {
    out.error = ETIMEDOUT;
    return out;
  }
  if (!cp) {
    // No service, or no destination (ip_vs_leave): an ICMP port unreachable answers.
    if (!f.svc) return out;
    cp = f.svc.persistFlag ? schedPersist(st, f.svc, f.tg, f.caddr, f.cport, f.key, out, kernel) : schedule(st, f.svc, f.tg, f.caddr, f.cport, f.key, out, kernel);
    if (!cp) return out;
    if (f.svc.ops) return silentAnswer(cp, onePacket(st, cp, out), f.svc);
  }
  cp.name = name;
  st.byName.set(name, { cp, closed: false, cliShut: false, srvShut: false });
  udpPacket(st, cp, false, false); // the datagram
  // A silent server never answers: the agent waits out its timeout and says ETIMEDOUT, no dest.
  if (isSilent(cp.dest)) return silentAnswer(cp, out, f.svc);
  udpPacket(st, cp, true, true); // the answer (IP_VS_DIR_OUTPUT)
  out.dest = cp.dest.key;
  return out;
}

/**
 * The result of a datagram to a silent server: no answer, ETIMEDOUT (the entry stays). Of a random
 * choice the agent sees a silent pick only as no destination, so silent ones are allowed as none.
 */
function silentAnswer(cp: Conn, out: ConnectResult, svc: ModelService | null | undefined): ConnectResult {
  if (!isSilent(cp.dest)) return out;
  const silent = new Set(svc?.destinations.filter(isSilent).map((d) => d.key));
  const allowed = out.allowed?.map((k) => (k !== null && silent.has(k) ? null : k));
  return { ...out, dest: null, error: ETIMEDOUT, ...(allowed ? { allowed } : {}) };
}

/** udp_state_transition() and the timer re-arm of ip_vs_conn_put(); `output`: the server's answer. */
function udpPacket(st: ModelState, cp: Conn, output: boolean, timed: boolean): void {
  if (timed) moment(st, cp.timer);
  cp.timeout = st.udpTimeouts[0]!;
  armTimer(st, cp);
  if (output && cp.control) cp.control.state = 1; // ip_vs_control_assure_ct()
}

/** IP_VS_CONN_F_ONE_PACKET: never hashed, expired by ip_vs_conn_put() once the datagram passed. */
function onePacket(st: ModelState, cp: Conn, out: ConnectResult): ConnectResult {
  connDelete(st, cp);
  cp.timeout = st.udpTimeouts[0]!; // udp_state_transition() ran: has_ref stays false
  expireConn(st, cp);
  out.dest = cp.dest.key;
  return out;
}

const ETIMEDOUT: OpError = opError('ETIMEDOUT');
