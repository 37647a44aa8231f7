// Destination counters and the OVERLOAD flag, as ip_vs_bind_dest / ip_vs_unbind_dest
// (ip_vs_conn.c), set_tcp_state (ip_vs_proto_tcp.c) and __ip_vs_update_dest (ip_vs_ctl.c) keep
// them, for either accounting of semantics.ts. inactConns always holds what the kernel reports as
// InActConn (6.1.176: dest->inactconns; 6.12.107: totalconns - activeconns).
import { reach } from './reached.js';
import type { KernelRules } from './semantics.js';
import type { Conn, ModelDest, ModelState } from './state.js';
import { TCP_STATE_ACTIVE } from './tcp.js';

const total = (d: ModelDest) => d.activeConns + d.inactConns;

/** __ip_vs_dest_update_overload() (6.12): mode 1 on bind, -1 on unbind, 0 on edit. */
function updateOverload(d: ModelDest, mode: number): void {
  const u = d.uThreshold;
  if (!u) {
    d.overload = false;
    return;
  }
  const l = d.lThresholdVal;
  const conns = total(d);
  // if (conns >= (mode > 0 ? l : u)) set
  if (conns >= (mode > 0 ? l : u)) {
    d.overload = true;
    return;
  }
  // if (conns >= (mode < 0 ? u : l)) return
  if (conns >= (mode < 0 ? u : l)) return;
  d.overload = false;
}

/** ip_vs_bind_dest(): a new connection starts IP_VS_CONN_F_INACTIVE (dest->conn_flags). */
export function bindDest(cp: Conn, d: ModelDest, rules: KernelRules): void {
  d.refs++;
  if (cp.template) {
    d.persistConns++;
  } else {
    d.inactConns++; // INACTIVE: 6.1 inactconns++, 6.12 totalconns++ (active unchanged)
    // 6.12: if (tc == u_threshold) ip_vs_dest_update_overload(dest, 1)
    if (rules.accounting === 'totalconns' && total(d) === d.uThreshold) updateOverload(d, 1);
  }
  // 6.1: after every bind, templates too: u_threshold && ip_vs_dest_totalconns() >= u_threshold
  if (rules.accounting === 'inactconns' && d.uThreshold !== 0 && total(d) >= d.uThreshold) d.overload = true;
}

/** ip_vs_unbind_dest(), on expiry. */
export function unbindDest(cp: Conn, st: ModelState): void {
  const d = cp.dest;
  const rules = st.rules;
  const wasOverloaded = d.overload;
  reach(st.reached, 'unbind');
  d.refs--;
  if (cp.template) {
    d.persistConns--;
  } else {
    const tc = total(d);
    if (cp.inactive) d.inactConns--;
    else d.activeConns--;
    // 6.12: if (tc == l_threshold_val) ip_vs_dest_update_overload(dest, -1), tc before the decrement
    if (rules.accounting === 'totalconns' && tc === d.lThresholdVal) {
      updateOverload(d, -1);
      if (wasOverloaded && !d.overload) reach(st.reached, 'overload-clear:l_threshold_val');
    }
  }
  if (rules.accounting === 'inactconns') {
    const t = total(d);
    if (d.lThreshold !== 0) {
      if (t < d.lThreshold) clear(st, d, 'overload-clear:lower');
    } else if (d.uThreshold !== 0) {
      // ip_vs_dest_totalconns(dest) * 4 < dest->u_threshold * 3
      if (t * 4 < d.uThreshold * 3) clear(st, d, 'overload-clear:3/4');
    } else {
      clear(st, d, 'overload-clear:unconditional');
    }
  }
}

function clear(st: ModelState, d: ModelDest, path: 'overload-clear:lower' | 'overload-clear:3/4' | 'overload-clear:unconditional'): void {
  if (d.overload) reach(st.reached, path);
  d.overload = false;
}

/** set_tcp_state(): moves the connection between active and inactive on a state change. */
export function setConnState(cp: Conn, newState: number): void {
  if (newState === cp.state) return;
  if (!cp.template) {
    const d = cp.dest;
    const active = TCP_STATE_ACTIVE[newState] ?? false;
    if (!cp.inactive && !active) {
      d.activeConns--;
      d.inactConns++;
      cp.inactive = true;
    } else if (cp.inactive && active) {
      d.activeConns++;
      d.inactConns--;
      cp.inactive = false;
    }
  }
  cp.state = newState;
}

/** The thresholds part of __ip_vs_update_dest() (add, restore from trash, and edit). */
export function updateThresholds(d: ModelDest, upper: number, lower: number, rules: KernelRules): void {
  if (rules.accounting === 'inactconns') {
    // if (udest->u_threshold == 0 || udest->u_threshold > dest->u_threshold) clear OVERLOAD
    if (upper === 0 || upper > d.uThreshold) d.overload = false;
    d.uThreshold = upper;
    d.lThreshold = lower;
    return;
  }
  if (d.uThreshold !== upper || d.lThreshold !== lower) {
    d.uThreshold = upper;
    d.lThreshold = lower;
    // Low threshold defaults to 75% of upper threshold: l ?: u - (u >> 2)
    d.lThresholdVal = lower ? lower : upper - (upper >>> 2);
    updateOverload(d, 0);
  }
}
