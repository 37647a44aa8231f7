// The agent's TCP traffic through IPVS: `connect` (ip_vs_in → ip_vs_schedule / ip_vs_sched_persist
// in ip_vs_core.c, then the handshake), `fin` and `rst`.
import type { AddrPort } from '../scenario.js';
import { ipToNum } from './addr.js';
import { armTimer, newConn, packet, type StepTime, unhashTemplate } from './conns.js';
import type { OpError } from '../observation.js';
import { findService, type ParsedTarget, target } from './lookup.js';
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

function runScheduler(st: ModelState, svc: ModelService, tg: ParsedTarget, caddr: number, cport: number, out: ConnectResult, kernel: KernelPick): ModelDest | null {
  if (!svc.sched) return null; // scheduler "none"
  pkt.saddr = caddr;
  pkt.sport = cport;
  pkt.daddr = tg.addrNum;
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
  const caddr = ipToNum(ev.client);
  const tg = target(ev.svc);
  const svc = findService(st, tg);
  const key = clientKey(caddr, ev.cport);

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
  for (let i = 0; i < CONNECT_PACKETS.length; i++) {
    packet(st, cp, CONNECT_PACKETS[i]!, t);
    // ip_vs_control_assure_ct(): reaching ESTABLISHED marks the template ASSURED
    if (cp.state === S.ESTABLISHED && cp.control) cp.control.state = 1;
  }
  out.dest = cp.dest.key;
  return out;
}

const PROTO = { tcp: 'TCP', udp: 'UDP' } as const;

/** ip_vs_schedule(), non-persistent part. */
function schedule(st: ModelState, svc: ModelService, tg: ParsedTarget, caddr: number, cport: number, key: number, out: ConnectResult, kernel: KernelPick): Conn | null {
  if (!svc.fwmark && tg.port !== svc.port) return null; // a port-zero service must be persistent
  const dest = runScheduler(st, svc, tg, caddr, cport, out, kernel);
  if (!dest) return null;
  const f = { template: false, caddr, cport, vaddr: tg.addrNum, vport: tg.port, dport: dest.port || tg.port, svcKey: tg.text, proto: PROTO[tg.proto], key };
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
  const snet = (caddr & svc.netmask) >>> 0;
  // <protocol, caddr, 0, vaddr, vport>; vport 0 for FTP and port-zero services; a fwmark
  // template is <IPPROTO_IP, caddr, 0, fwmark, 0>
  const full = tg.port === svc.port;
  const tvport = full && svc.port !== FTPPORT ? tg.port : 0;
  const tproto = !full && svc.fwmark ? 'IP' : PROTO[tg.proto];
  const tvaddr = !full && svc.fwmark ? svc.fwmark : tg.addrNum;
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
  const cp = newConn(st, { template: false, caddr, cport, vaddr: tg.addrNum, vport: tg.port, dport, svcKey: tg.text, proto: PROTO[tg.proto], key }, dest);
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
