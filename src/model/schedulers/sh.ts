// Model of net/netfilter/ipvs/ip_vs_sh.c: source hashing. 256 buckets filled in list order, a dest
// of weight w taking w consecutive buckets per round (weight <= 0 still takes one), keyed by
// hash_32(port + client address, 8); flags sh-fallback (SCHED1) and sh-port (SCHED2).
import { hash32 } from '../hash/hash32.js';
import { SCHED_FLAG, type DestState, type SchedulerModel, type ServiceState } from '../types.js';

/** IP_VS_SH_TAB_BITS (CONFIG_IP_VS_SH_TAB_BITS default 8) */
export const SH_TAB_BITS = 8;
export const SH_TAB_SIZE = 1 << SH_TAB_BITS;
const SH_TAB_MASK = SH_TAB_SIZE - 1;

/** IP_VS_SVC_F_SCHED_SH_FALLBACK, IP_VS_SVC_F_SCHED_SH_PORT */
export const SH_FALLBACK = SCHED_FLAG.SCHED1;
export const SH_PORT = SCHED_FLAG.SCHED2;

interface ShState {
  sched: 'sh';
  buckets: (DestState | null)[];
}

/**
 * ip_vs_sh_hashkey(): (offset + hash_32(ntohs(port) + ntohl(addr), 8)) & 255. The kernel turns the
 * network-order address and port into host order before adding them (an unsigned int sum, so it
 * wraps at 2^32); the model's Packet already holds host-order numbers.
 */
export function shHashkey(addrNum: number, port: number, offset: number): number {
  return (offset + hash32((port + addrNum) >>> 0, SH_TAB_BITS)) & SH_TAB_MASK;
}

/** is_unavailable(): weight <= 0 or OVERLOAD. */
function isUnavailable(dest: DestState): boolean {
  return dest.weight <= 0 || dest.overload;
}

/** ip_vs_sh_reassign(): walk the list, moving on once a dest has filled `weight` buckets. */
function reassign(svc: ServiceState): ShState {
  const dests = svc.destinations;
  const buckets: (DestState | null)[] = new Array<DestState | null>(SH_TAB_SIZE).fill(null);
  if (dests.length) {
    let p = 0;
    let dCount = 0;
    for (let i = 0; i < SH_TAB_SIZE; i++) {
      const dest = dests[p]!;
      buckets[i] = dest;
      // "Don't move to next dest until filling weight": ++d_count >= weight
      if (++dCount >= dest.weight) {
        p = (p + 1) % dests.length;
        dCount = 0;
      }
    }
  }
  return { sched: 'sh', buckets };
}

function state(svc: ServiceState): ShState {
  const s = svc.schedData as ShState | undefined;
  if (s?.sched === 'sh') return s;
  const fresh = reassign(svc);
  svc.schedData = fresh;
  return fresh;
}

/** ip_vs_sh_get(): the hashed bucket's dest, or null if it is unavailable. */
function shGet(s: ShState, addr: number, port: number): DestState | null {
  const dest = s.buckets[shHashkey(addr, port, 0)] ?? null;
  return !dest || isUnavailable(dest) ? null : dest;
}

/**
 * ip_vs_sh_get_fallback(): the hashed bucket's dest; if unavailable, walk roffset = ihash,
 * ihash+1, ... (mod 256), looking at bucket hashkey(addr, port, roffset), i.e. (roffset + ihash)
 * & 255, so the walk starts at 2*ihash. An empty bucket (no dest at all) ends it.
 */
function shGetFallback(s: ShState, addr: number, port: number): DestState | null {
  const ihash = shHashkey(addr, port, 0);
  let dest = s.buckets[ihash] ?? null;
  if (!dest) return null;
  if (!isUnavailable(dest)) return dest;
  for (let offset = 0; offset < SH_TAB_SIZE; offset++) {
    const roffset = (offset + ihash) % SH_TAB_SIZE;
    dest = s.buckets[shHashkey(addr, port, roffset)] ?? null;
    if (!dest) break;
    if (!isUnavailable(dest)) return dest;
  }
  return null;
}

/** For tests and properties: the dest in each of the 256 buckets. */
export function shBuckets(svc: ServiceState): (DestState | null)[] {
  return state(svc).buckets.slice();
}

export const sh: SchedulerModel = {
  name: 'sh',
  initService(svc) {
    svc.schedData = reassign(svc);
  },
  doneService(svc) {
    svc.schedData = undefined;
  },
  // ip_vs_sh_dest_changed is the add, del and upd hook: the table follows weight edits.
  addDest(svc) {
    svc.schedData = reassign(svc);
  },
  delDest(svc) {
    svc.schedData = reassign(svc);
  },
  updDest(svc) {
    svc.schedData = reassign(svc);
  },
  schedule(svc, pkt) {
    const s = state(svc);
    // ip_vs_sh_schedule: port 0 unless sh-port, then the packet's source port (ports[0]).
    const port = svc.flags & SH_PORT ? pkt.sport : 0;
    const dest = svc.flags & SH_FALLBACK ? shGetFallback(s, pkt.saddr, port) : shGet(s, pkt.saddr, port);
    return { kind: 'one', dest };
  },
};
