// What the kernel reports of the model's state: the `table` (services, dests, counters, as the
// agent dumps them over netlink: services by address, dests in kernel list order) and the rows of
// /proc/net/ip_vs_conn.
import type { ConnRow, DestRow, ServiceRow } from '../observation.js';
import { numToIp } from './addr.js';
import type { ModelService, ModelState } from './state.js';
import { TCP_STATE_NAMES } from './tcp.js';
import { SCHED_FLAG } from './types.js';

/** ipvsadm's print_sched_flags() names, which the agent's table uses too. */
export function flagNames(scheduler: string, flags: number): string[] {
  const out: string[] = [];
  const named = scheduler === 'sh' || scheduler === 'mh';
  if (flags & SCHED_FLAG.SCHED1) out.push(named ? `${scheduler}-fallback` : 'flag-1');
  if (flags & SCHED_FLAG.SCHED2) out.push(named ? `${scheduler}-port` : 'flag-2');
  if (!named && flags & SCHED_FLAG.SCHED3) out.push('flag-3');
  return out.sort();
}

export function serviceRow(svc: ModelService): ServiceRow {
  const dests: DestRow[] = new Array(svc.destinations.length);
  for (let i = 0; i < dests.length; i++) {
    const d = svc.destinations[i]!;
    dests[i] = {
      dest: d.key,
      fwd: 'Masq',
      weight: d.weight,
      upper: d.uThreshold,
      lower: d.lThreshold,
      active: d.activeConns,
      inactive: d.inactConns,
      persistent: d.persistConns,
    };
  }
  const row: ServiceRow = { svc: svc.key, scheduler: svc.scheduler, flags: svc.flags ? flagNames(svc.scheduler, svc.flags) : [], dests };
  if (svc.persistFlag) {
    row.persistent = svc.persistent;
    row.netmask = numToIp(svc.netmask);
  }
  return row;
}

export function snapshot(st: ModelState): ServiceRow[] {
  const svcs = [...st.services.values()];
  if (svcs.length > 1) svcs.sort((a, b) => a.addrNum - b.addrNum || a.port - b.port);
  return svcs.map(serviceRow);
}

/** /proc/net/ip_vs_conn rows (templates included), with the seconds left as the kernel would print. */
export function connRows(st: ModelState, now: number): { row: ConnRow; expires: number }[] {
  const out: { row: ConnRow; expires: number }[] = [];
  for (const cp of st.conns) {
    out.push({
      row: {
        proto: 'TCP',
        state: cp.template ? (cp.state ? 'ASSURED' : 'NONE') : TCP_STATE_NAMES[cp.state]!,
        source: `${numToIp(cp.caddr)}:${cp.cport}`,
        virtual: `${numToIp(cp.vaddr)}:${cp.vport}`,
        dest: `${cp.dest.addr}:${cp.dport}`,
      },
      expires: Math.max(0, Math.floor((cp.timer.nominal - now) / 1000)),
    });
  }
  return out;
}
