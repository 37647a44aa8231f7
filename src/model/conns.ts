// Connections and templates: creation (ip_vs_conn_new + ip_vs_bind_dest), packets (set_tcp_state
// and the timer re-arm of ip_vs_conn_put), expiry (ip_vs_conn_expire) and the conn table.
import { bindDest, setConnState, unbindDest } from './accounting.js';
import { reach } from './reached.js';
import { type Conn, connDelete, connSet, type ModelDest, type ModelState } from './state.js';
import { Dir, nextState, TCP_STATE_NAMES } from './tcp.js';
import { type Clock, modTimer, moment, newTimer, type Timer } from './timers.js';

/** expire_later in ip_vs_conn_expire(): cp->timeout = 60*HZ */
const EXPIRE_LATER_S = 60;

/** ip_vs_conn_put(): (re)arms the entry's timer with its timeout. */
export function armTimer(st: ModelState, cp: Conn): void {
  modTimer(st, cp.timer, cp.timeout);
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
    timer: newTimer(connExpire, undefined, connWhat),
    control: null,
    nControl: 0,
    hashed: true,
    live: true,
    direct: dest.fwd !== 'Masq', // ip_vs_bind_dest(): cp->flags |= dest->conn_flags
    svcKey: f.svcKey,
    proto: f.proto,
    key: f.key,
  };
  cp.timer.owner = cp;
  bindDest(cp, dest, st.rules);
  st.conns.add(cp);
  if (!cp.template) connSet(st, cp);
  return cp;
}

/**
 * One packet (`row` = dir + flag, see tcp.ts) through IPVS: state transition, then the timer
 * re-arm. `timed`: the kernel's timers may fire first (false for the packet whose moment the
 * caller took already, a SYN after its scheduling).
 */
export function packet(st: ModelState, cp: Conn, row: number, timed = true): void {
  if (timed) moment(st, cp.timer);
  // set_tcp_state(): NOOUTPUT turns an input packet's table into INPUT-ONLY (the agent's traffic
  // never sends a DR or tunnel connection's replies through the director, so it is never cleared)
  if (cp.direct && row < Dir.OUT) row += Dir.INPUT_ONLY;
  setConnState(cp, nextState(cp.state, row));
  cp.timeout = st.tcpTimeouts[cp.state]!;
  armTimer(st, cp);
}

const connWhat = (t: Timer): string => {
  const cp = t.owner as Conn;
  return `the ${cp.template ? 'persistence template' : 'connection'} ${describe(cp)}`;
};

/** ip_vs_conn_expire(), the entry's timer callback (the clock is the model state). */
function connExpire(c: Clock, t: Timer): void {
  const st = c as ModelState;
  const cp = t.owner as Conn;
  // do I control anybody?
  if (cp.nControl > 0) {
    // expire_later: cp->timeout = 60*HZ, and the timer is armed again (from this callback)
    reach(st.reached, 'template:expire-later');
    cp.timeout = EXPIRE_LATER_S * st.rules.hz;
    armTimer(st, cp);
    return;
  }
  reach(st.reached, cp.template ? 'template:expire' : cp.proto === 'UDP' ? 'expire:UDP' : (`expire:${TCP_STATE_NAMES[cp.state]}` as 'expire:CLOSE'));
  expireConn(st, cp);
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
    // ip_vs_control_del(); has_ref needs cp->timeout 0, which no TCP state has
    cp.control = null;
    ct.nControl--;
  }
  unbindDest(cp, st);
}

const ip = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
function describe(cp: Conn): string {
  return `${cp.name ? `${cp.name} ` : ''}${ip(cp.caddr)}:${cp.cport} -> ${cp.dest.key}`;
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
