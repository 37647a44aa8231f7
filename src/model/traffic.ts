// The agent's TCP traffic through IPVS: `connect` (ip_vs_in → ip_vs_schedule / ip_vs_sched_persist
// in ip_vs_core.c, then the handshake), `fin` and `rst`.
import type { AddrPort } from '../scenario.js';
import { ipToNum } from './addr.js';
import { armTimer, newConn, packet, type StepTime, unhashTemplate } from './conns.js';
import type { OpError } from '../observation.js';
import { clientKey, type Conn, connDelete, connGet, giveUp, type ModelDest, type ModelService, type ModelState, templateKey } from './state.js';
import { CONNECT_PACKETS, FIN_PACKETS, RST_PACKETS, S } from './tcp.js';
import { SOFTIRQ_MS } from './time.js';
import type { Decision, Packet } from './types.js';

const FTPPORT = 21;
const ETIMEDOUT: OpError = { errno: 110, name: 'ETIMEDOUT', message: 'Connection timed out' };

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

const pkt: Packet = { saddr: 0, sport: 0, daddr: 0, dport: 0 };

function runScheduler(st: ModelState, svc: ModelService, caddr: number, cport: number, out: ConnectResult, kernel: KernelPick): ModelDest | null {
  if (!svc.sched) return null; // scheduler "none"
  pkt.saddr = caddr;
  pkt.sport = cport;
  pkt.daddr = svc.addrNum;
  pkt.dport = svc.port;
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
  const caddr = ipToNum(ev.client);
  const svc = st.services.get(ev.svc);
  const key = clientKey(caddr, ev.cport);
  const svcKey = svc ? svc.key : ev.svc;

  // ip_vs_in(): an existing entry for this client address and port
  const old = connGet(st, svcKey, key);
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
  if (svc) cp = svc.persistFlag ? schedPersist(st, svc, caddr, ev.cport, key, t, out, kernel) : schedule(st, svc, caddr, ev.cport, key, out, kernel);
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
  for (let i = 0; i < CONNECT_PACKETS.length; i++) {
    packet(st, cp, CONNECT_PACKETS[i]!, t);
    // ip_vs_control_assure_ct(): reaching ESTABLISHED marks the template ASSURED
    if (cp.state === S.ESTABLISHED && cp.control) cp.control.state = 1;
  }
  out.dest = cp.dest.key;
  return out;
}

/** ip_vs_schedule(), non-persistent part. */
function schedule(st: ModelState, svc: ModelService, caddr: number, cport: number, key: number, out: ConnectResult, kernel: KernelPick): Conn | null {
  const dest = runScheduler(st, svc, caddr, cport, out, kernel);
  if (!dest) return null;
  return newConn(st, { template: false, caddr, cport, vaddr: svc.addrNum, vport: svc.port, dport: dest.port, svcKey: svc.key, key }, dest);
}

/** ip_vs_sched_persist(): templates keyed on the client network; a hit skips the scheduler. */
function schedPersist(
  st: ModelState,
  svc: ModelService,
  caddr: number,
  cport: number,
  key: number,
  t: StepTime,
  out: ConnectResult,
  kernel: KernelPick,
): Conn | null {
  const snet = (caddr & svc.netmask) >>> 0;
  const tvport = svc.port !== FTPPORT ? svc.port : 0; // non-FTP template: <caddr, 0, vaddr, vport>
  const tkey = templateKey(snet, svc.addrNum, tvport);
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
    const d = runScheduler(st, svc, caddr, cport, out, kernel);
    if (!d) return null;
    dest = d;
    ct = newConn(st, { template: true, caddr: snet, cport: 0, vaddr: svc.addrNum, vport: tvport, dport: svc.port !== FTPPORT ? d.port : 0, svcKey: '', key: 0 }, d);
    ct.timeout = svc.persistent * 1000; // ct->timeout = svc->timeout
    st.templates.set(tkey, ct);
  } else {
    dest = ct.dest;
  }
  const cp = newConn(st, { template: false, caddr, cport, vaddr: svc.addrNum, vport: svc.port, dport: dest.port, svcKey: svc.key, key }, dest);
  // ip_vs_control_add(cp, ct); ip_vs_conn_put(ct) re-arms the template's timer
  cp.control = ct;
  ct.nControl++;
  armTimer(st, ct, t);
  return cp;
}

/**
 * `fin` and `rst`: the client's and server's packets through an existing IPVS connection. What
 * the agent does (vm/agent/src/traffic.c): nothing for a connection it never opened or closed
 * already; for `fin` it waits for the server to see EOF and reports ETIMEDOUT when it never does;
 * `rst` never waits.
 */
export function close(st: ModelState, name: string, how: 'fin' | 'rst', t: StepTime): OpError | undefined {
  const cp = st.byName.get(name);
  if (!cp || cp.agentClosed) return undefined;
  cp.agentClosed = true;
  // The IPVS entry expired while the sockets stayed open: the packets are no SYN, nothing is
  // scheduled, the director's own stack answers; the server never sees the FIN.
  if (!cp.live) return how === 'fin' ? ETIMEDOUT : undefined;
  // ip_vs_in(): the dest was deleted and expire_nodest_conn is 0: NF_DROP.
  if (!cp.dest.available) return how === 'fin' ? ETIMEDOUT : undefined;
  const packets = how === 'fin' ? FIN_PACKETS : RST_PACKETS;
  for (let i = 0; i < packets.length; i++) packet(st, cp, packets[i]!, t);
  return undefined;
}
