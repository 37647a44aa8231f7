// Model of net/netfilter/ipvs/ip_vs_wrr.c. struct ip_vs_wrr_mark in sched_data; the kernel points
// add_dest, del_dest and upd_dest at one function (ip_vs_wrr_dest_changed), and so does this.
import { one } from '../decision.js';
import type { DestState, SchedulerModel, ServiceState } from '../types.js';

interface WrrMark {
  /** current dest or head (null) */
  cl: DestState | null;
  /** current weight */
  cw: number;
  /** maximum weight */
  mw: number;
  /** decreasing interval */
  di: number;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** ip_vs_wrr_gcd_weight(): gcd of the weights > 0, or 1. */
function gcdWeight(svc: ServiceState): number {
  let g = 0;
  for (const d of svc.destinations) {
    const w = d.weight;
    if (w > 0) g = g > 0 ? gcd(w, g) : w;
  }
  return g ? g : 1;
}

/** ip_vs_wrr_max_weight() */
function maxWeight(svc: ServiceState): number {
  let weight = 0;
  for (const d of svc.destinations) if (d.weight > weight) weight = d.weight;
  return weight;
}

const mark = (svc: ServiceState) => svc.schedData as WrrMark;

/** ip_vs_wrr_dest_changed() */
function destChanged(svc: ServiceState): void {
  const m = mark(svc);
  m.cl = null;
  m.di = gcdWeight(svc);
  m.mw = maxWeight(svc) - (m.di - 1);
  if (m.cw > m.mw || !m.cw) m.cw = m.mw;
  else if (m.di > 1) m.cw = Math.trunc(m.cw / m.di) * m.di + 1;
}

export const wrr: SchedulerModel = {
  name: 'wrr',
  initService(svc) {
    // ip_vs_wrr_init_svc()
    const di = gcdWeight(svc);
    const mw = maxWeight(svc) - (di - 1);
    svc.schedData = { cl: null, di, mw, cw: mw } satisfies WrrMark;
  },
  addDest: destChanged,
  delDest: destChanged,
  updDest: destChanged,
  schedule(svc) {
    const m = mark(svc);
    const list = svc.destinations;
    const n = list.length;
    // No available dests?
    if (m.mw === 0) return one(null); // err_noavail: mark->cl = dest (unchanged)
    const last = m.cl;
    let stop: DestState | null = null;
    let lastPass = false;
    let restarted = false;
    // list_for_each_entry_continue_rcu starts after `dest`; after a full traversal dest is the head.
    let from = last === null ? 0 : list.indexOf(last) + 1;
    for (;;) {
      for (let i = from; i < n; i++) {
        const dest = list[i]!;
        // if (!(dest->flags & IP_VS_DEST_F_OVERLOAD) && atomic_read(&dest->weight) >= mark->cw) found
        if (!dest.overload && dest.weight >= m.cw) {
          m.cl = dest;
          return one(dest);
        }
        if (dest === stop) {
          m.cl = dest; // err_over
          return one(null);
        }
      }
      from = 0;
      m.cw -= m.di;
      if (m.cw <= 0) {
        m.cw = m.mw;
        // Stop if we tried last pass from first dest
        if (lastPass || last === null) {
          m.cl = null; // err_over with dest at the head
          return one(null);
        }
        restarted = true;
      }
      lastPass = m.cw <= m.di;
      if (lastPass && restarted && last !== null) stop = last;
    }
  },
};
