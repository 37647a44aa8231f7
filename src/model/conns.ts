// Connections and templates: creation (ip_vs_conn_new + ip_vs_bind_dest), packets (set_tcp_state
// and the timer re-arm of ip_vs_conn_put), expiry (ip_vs_conn_expire) and the conn table.
import { bindDest, setConnState, unbindDest } from './accounting.js';
import { type Conn, connKey, type ModelDest, type ModelState } from './state.js';
import { type Dir, type Flag, nextState } from './tcp.js';
import { timerWindow } from './time.js';
import { releaseFromTrash } from './trash.js';

/** When the current step's packets may have happened: [armLo, armHi] (guest ms). */
export interface StepTime {
  armLo: number;
  armHi: number;
}

export function armTimer(st: ModelState, cp: Conn, t: StepTime): void {
  cp.timer = timerWindow(t.armLo, t.armHi, cp.timeout, st.rules.hz, true);
}

export function newConn(
  st: ModelState,
  fields: { template: boolean; caddr: number; cport: number; vaddr: number; vport: number; dport: number; name?: string },
  dest: ModelDest,
): Conn {
  const cp: Conn = {
    ...fields,
    dest,
    state: 0,
    inactive: true,
    timeout: 0,
    timer: { lo: Infinity, hi: Infinity, nominal: Infinity },
    control: null,
    nControl: 0,
    hashed: true,
    lastControlHi: -Infinity,
    live: true,
  };
  bindDest(cp, dest, st.rules);
  st.conns.add(cp);
  if (!cp.template) st.connTable.set(connKey(cp.caddr, cp.cport, cp.vaddr, cp.vport), cp);
  return cp;
}

/** One packet of a connection through IPVS: state transition, then the timer re-arm. */
export function packet(st: ModelState, cp: Conn, dir: Dir, flag: Flag, t: StepTime): void {
  setConnState(cp, nextState(cp.state, dir, flag));
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
    const k = connKey(cp.caddr, cp.cport, cp.vaddr, cp.vport);
    if (st.connTable.get(k) === cp) st.connTable.delete(k);
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
