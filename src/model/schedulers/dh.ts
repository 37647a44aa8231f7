// Model of net/netfilter/ipvs/ip_vs_dh.c: destination hashing. 256 buckets dealt round-robin over
// the dest list in list order (weights play no part in the table), keyed by the packet's
// *destination* address: for a virtual service that is the VIP, so every client of one service
// lands in the same bucket. No fallback.
import { hash32 } from '../hash/hash32.js';
import type { DestState, SchedulerModel, ServiceState } from '../types.js';

/** IP_VS_DH_TAB_BITS (CONFIG_IP_VS_DH_TAB_BITS default 8) */
export const DH_TAB_BITS = 8;
export const DH_TAB_SIZE = 1 << DH_TAB_BITS;

interface DhState {
  sched: 'dh';
  /** struct ip_vs_dh_state.buckets: the dest each bucket holds, null if none. */
  buckets: (DestState | null)[];
}

/** ip_vs_dh_hashkey(): hash_32(ntohl(addr), 8); the model's addresses are already host order. */
export function dhHashkey(addrNum: number): number {
  return hash32(addrNum, DH_TAB_BITS);
}

/** ip_vs_dh_reassign(): bucket i gets dest i mod n, in list order; all null if no dest. */
function reassign(svc: ServiceState): DhState {
  const dests = svc.destinations;
  const buckets: (DestState | null)[] = new Array<DestState | null>(DH_TAB_SIZE);
  for (let i = 0; i < DH_TAB_SIZE; i++) buckets[i] = dests.length ? dests[i % dests.length]! : null;
  return { sched: 'dh', buckets };
}

function state(svc: ServiceState): DhState {
  const s = svc.schedData as DhState | undefined;
  if (s?.sched === 'dh') return s;
  const fresh = reassign(svc);
  svc.schedData = fresh;
  return fresh;
}

/** For tests and properties: the dest in each of the 256 buckets. */
export function dhBuckets(svc: ServiceState): (DestState | null)[] {
  return state(svc).buckets.slice();
}

export const dh: SchedulerModel = {
  name: 'dh',
  initService(svc) {
    svc.schedData = reassign(svc);
  },
  doneService(svc) {
    svc.schedData = undefined;
  },
  // ip_vs_dh_dest_changed is the add and del hook; dh has no upd_dest (an edit keeps the table).
  addDest(svc) {
    svc.schedData = reassign(svc);
  },
  delDest(svc) {
    svc.schedData = reassign(svc);
  },
  schedule(svc, pkt) {
    const dest = state(svc).buckets[dhHashkey(pkt.daddr)] ?? null;
    // ip_vs_dh_schedule: !dest || !AVAILABLE || weight <= 0 || OVERLOAD → "no destination available"
    if (!dest || !dest.available || dest.weight <= 0 || dest.overload) return { kind: 'one', dest: null };
    return { kind: 'one', dest };
  },
};
