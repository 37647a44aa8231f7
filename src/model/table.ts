// What the kernel reports of the model's state: the `table` (services, dests, counters, as the
// agent dumps them over netlink: services by address, dests in kernel list order) and the rows of
// /proc/net/ip_vs_conn.
import type { ConnRow, DestRow, ServiceRow } from '../observation.js';
import { idAddrPort, numToIp } from './addr.js';
import type { ModelDest, ModelService, ModelState } from './state.js';
import { TCP_STATE_NAMES } from './tcp.js';
import { SCHED_FLAG } from './types.js';

/**
 * The names the agent's table gives the flag bits (vm/agent/src/ipvs.c sched_flags_text):
 * ipvsadm's sh-* / mh-* for sh and mh, flag-N otherwise, and flag-3 for every scheduler (ipvsadm's
 * listing leaves SCHED3 out for sh and mh; the listing renderer follows ipvsadm). Sorted.
 */
export function flagNames(scheduler: string, flags: number): string[] {
  const out: string[] = [];
  const named = scheduler === 'sh' || scheduler === 'mh';
  if (flags & SCHED_FLAG.SCHED1) out.push(named ? `${scheduler}-fallback` : 'flag-1');
  if (flags & SCHED_FLAG.SCHED2) out.push(named ? `${scheduler}-port` : 'flag-2');
  if (flags & SCHED_FLAG.SCHED3) out.push('flag-3');
  return out.sort();
}

/**
 * The dest's row, reusing the previous step's object when nothing changed: a step usually moves
 * one counter, and the model runs millions of steps. Rows are snapshots: never mutate them.
 */
function destRow(d: ModelDest): DestRow {
  const r = d.row;
  if (
    r !== undefined &&
    r.weight === d.weight &&
    r.upper === d.uThreshold &&
    r.lower === d.lThreshold &&
    r.active === d.activeConns &&
    r.inactive === d.inactConns &&
    r.persistent === d.persistConns &&
    r.fwd === d.fwd
  ) {
    return r;
  }
  return (d.row = {
    dest: d.key,
    fwd: d.fwd,
    weight: d.weight,
    upper: d.uThreshold,
    lower: d.lThreshold,
    active: d.activeConns,
    inactive: d.inactConns,
    persistent: d.persistConns,
  });
}

/** Shared by every row without flags (rows are snapshots: never mutated). */
const NO_FLAGS: string[] = [];

/** The service's row; the previous step's object when neither it nor any of its dest rows changed. */
export function serviceRow(svc: ModelService): ServiceRow {
  const list = svc.destinations;
  const prev = svc.row;
  let same =
    prev !== undefined &&
    prev.dests.length === list.length &&
    prev.scheduler === svc.scheduler &&
    svc.rowFlags === svc.flags &&
    prev.persistent === (svc.persistFlag ? svc.persistent : undefined) &&
    svc.rowNetmask === svc.netmask &&
    (prev.ops === true) === svc.ops;
  for (let i = 0; i < list.length; i++) {
    const r = destRow(list[i]!);
    if (same && prev!.dests[i] !== r) same = false;
  }
  if (same) return prev!;
  const dests: DestRow[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) dests[i] = list[i]!.row!;
  const row: ServiceRow = { svc: svc.key, scheduler: svc.scheduler, flags: svc.flags ? flagNames(svc.scheduler, svc.flags) : NO_FLAGS, dests };
  if (svc.persistFlag) {
    row.persistent = svc.persistent;
    row.netmask = svc.af === 6 ? String(svc.netmask) : numToIp(svc.netmask);
  }
  if (svc.ops) row.ops = true;
  svc.rowFlags = svc.flags;
  svc.rowNetmask = svc.netmask;
  return (svc.row = row);
}

export function snapshot(st: ModelState): ServiceRow[] {
  const out: ServiceRow[] = [];
  for (const svc of st.services.values()) out.push(serviceRow(svc));
  if (out.length > 1) out.sort((a, b) => cmpKey(st, a.svc, b.svc));
  return out;
}

function cmpKey(st: ModelState, a: string, b: string): number {
  const x = st.services.get(a)!;
  const y = st.services.get(b)!;
  return x.af - y.af || x.addrId - y.addrId || x.port - y.port;
}

/**
 * /proc/net/ip_vs_conn rows (templates included), read at a jiffy in [jlo, jhi], with the seconds
 * the kernel may print for each: jiffies_delta_to_msecs(timer.expires - jiffies) / 1000
 * (ip_vs_conn_seq_show), timer.expires being a range when the arming jiffy was.
 */
export function connRows(st: ModelState, jlo: number, jhi: number): { row: ConnRow; expires: number; expMax: number }[] {
  const secs = (delta: number) => Math.floor(Math.floor((Math.max(0, delta) * 1000) / st.rules.hz) / 1000);
  const out: { row: ConnRow; expires: number; expMax: number }[] = [];
  for (const cp of st.conns) {
    out.push({
      row: {
        proto: cp.proto,
        // templates: ip_vs_ctpl_state_name_table; UDP: udp_state_name (NORMAL is "UDP")
        state: cp.template ? (cp.state ? 'ASSURED' : 'NONE') : cp.proto === 'UDP' ? 'UDP' : TCP_STATE_NAMES[cp.state]!,
        source: idAddrPort(cp.caddr, cp.cport),
        virtual: idAddrPort(cp.vaddr, cp.vport),
        dest: idAddrPort(cp.dest.addrId ?? cp.dest.addrNum, cp.dport),
      },
      expires: secs(cp.timer.expLo - jhi),
      expMax: secs(cp.timer.expHi - jlo),
    });
  }
  return out;
}
