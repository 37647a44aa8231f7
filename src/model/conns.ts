// Connections and templates: creation (ip_vs_conn_new + ip_vs_bind_dest), packets (set_tcp_state
// and the timer re-arm of ip_vs_conn_put), expiry (ip_vs_conn_expire) and the conn table.
import { bindDest, setConnState, unbindDest } from './accounting.js';
import { type Conn, connDelete, connSet, type ModelDest, type ModelState } from './state.js';
import { Dir, nextState } from './tcp.js';
import { setTimerWindow } from './time.js';
import { releaseFromTrash } from './trash.js';

/** When the current step's packets may have happened: [armLo, armHi] (guest ms). */
export interface StepTime {
  armLo: number;
  armHi: number;
}

export function armTimer(st: ModelState, cp: Conn, t: StepTime): void {
  setTimerWindow(cp.timer, t.armLo, t.armHi, cp.timeout, st.rules.hz);
  if (cp.timer.lo < st.minTimerLo) st.minTimerLo = cp.timer.lo;
}

export interface ConnFields {
  template: boolean;
  caddr: number;
  cport: number;
  vaddr: number;
  vport: number;
  dport: number;
  /** Conn table place (normal connections; ignored for templates). */
  svcKey: string;
  proto: Conn['proto'];
  key: number;
}

export function newConn(st: ModelState, f: ConnFields, dest: ModelDest): Conn {
  // One literal shape for every connection (keeps property access monomorphic).
  const cp: Conn = {
    name: undefined,
    template: f.template,
    caddr: f.caddr,
    cport: f.cport,
    vaddr: f.vaddr,
    vport: f.vport,
    dest,
    dport: f.dport,
    state: 0,
    inactive: true,
    timeout: 0,
    timer: { lo: Infinity, hi: Infinity, nominal: Infinity },
    control: null,
    nControl: 0,
    hashed: true,
    lastControlHi: -Infinity,
    live: true,
    agentClosed: false,
    cliShut: false,
    srvShut: false,
    direct: dest.fwd !== 'Masq', // ip_vs_bind_dest(): cp->flags |= dest->conn_flags
    svcKey: f.svcKey,
    proto: f.proto,
    key: f.key,
  };
  bindDest(cp, dest, st.rules);
  st.conns.add(cp);
  if (!cp.template) connSet(st, cp);
  return cp;
}

/** One packet (`row` = dir + flag, see tcp.ts) through IPVS: state transition, then the timer re-arm. */
export function packet(st: ModelState, cp: Conn, row: number, t: StepTime): void {
  // set_tcp_state(): NOOUTPUT turns an input packet's table into INPUT-ONLY (the agent's traffic
  // never sends a DR or tunnel connection's replies through the director, so it is never cleared)
  if (cp.direct && row < Dir.OUT) row += Dir.INPUT_ONLY;
  setConnState(cp, nextState(cp.state, row));
  cp.timeout = st.tcpTimeouts[cp.state]!;
  armTimer(st, cp, t);
}

/** ip_vs_conn_expire() once the connection controls nobody: unlink, drop control, unbind. */
export function expireConn(st: ModelState, cp: Conn): void {
  cp.live = false;
  st.conns.delete(cp);
  if (cp.template) {
    if (cp.hashed) unhashTemplate(st, cp);
  } else {
    connDelete(st, cp);
  }
  const ct = cp.control;
  if (ct) {
    cp.control = null;
    ct.nControl--;
    if (cp.timer.hi > ct.lastControlHi) ct.lastControlHi = cp.timer.hi;
  }
  unbindDest(cp, st.rules);
  releaseFromTrash(st, cp.dest);
}

export function unhashTemplate(st: ModelState, ct: Conn): void {
  for (const [k, v] of st.templates) {
    if (v === ct) {
      st.templates.delete(k);
      break;
    }
  }
  ct.hashed = false;
}
