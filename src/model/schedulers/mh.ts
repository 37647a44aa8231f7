// Model of net/netfilter/ipvs/ip_vs_mh.c: Maglev hashing with a 4093-entry lookup table
// (CONFIG_IP_VS_MH_TAB_INDEX = 12 → primes[12 - 8]), fixed hsiphash keys (generate_hash_secret),
// each dest's offset and skip from the hash of its own address + port, weights from
// dest->last_weight reduced by their gcd and shifted to at most 6 bits; flags mh-fallback (SCHED1)
// and mh-port (SCHED2).
//
// The table is rebuilt (lazily, on the next schedule) after add/del/upd, as the kernel rebuilds it
// in ip_vs_mh_dest_changed, and built tables are memoised by their inputs, so replays and
// shrinking reuse them.
import { hsiphash1u32, hsipKey } from '../hash/hsiphash.js';
import { SCHED_FLAG, type DestState, type SchedulerModel, type ServiceState } from '../types.js';

/** primes[] in ip_vs_mh.c */
const PRIMES = [251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071] as const;
/** CONFIG_IP_VS_MH_TAB_INDEX (Kconfig default 12, as in Debian's configs) */
const CONFIG_TAB_INDEX = 12;
/** IP_VS_MH_TAB_BITS = CONFIG_IP_VS_MH_TAB_INDEX / 2 */
export const MH_TAB_BITS = CONFIG_TAB_INDEX / 2;
/** IP_VS_MH_TAB_SIZE = primes[CONFIG_IP_VS_MH_TAB_INDEX - 8] = 4093 */
export const MH_TAB_SIZE: number = PRIMES[CONFIG_TAB_INDEX - 8]!;

/** IP_VS_SVC_F_SCHED_MH_FALLBACK, IP_VS_SVC_F_SCHED_MH_PORT */
export const MH_FALLBACK = SCHED_FLAG.SCHED1;
export const MH_PORT = SCHED_FLAG.SCHED2;

/** generate_hash_secret(): constant keys, the same in every service and every boot. */
export const MH_HASH1 = hsipKey(2654435761, 2654435761);
export const MH_HASH2 = hsipKey(2654446892, 2654446892);

/**
 * ip_vs_mh_hashkey(): hsiphash of the u32 v = offset + ntohs(port) + ntohl(addr) (host-order
 * values, an unsigned sum that wraps), hashed as the 4 bytes of v in memory (little-endian).
 */
export function mhHashkey(addrNum: number, port: number, key: typeof MH_HASH1, offset: number): number {
  return hsiphash1u32((offset + port + addrNum) >>> 0, key);
}

/** What the table is built from, captured when the kernel would rebuild it. */
interface Snapshot {
  dests: DestState[];
  /** ds->turns per dest, in list order. */
  turns: number[];
  gcd: number;
  rshift: number;
}

interface Table {
  /** s->lookup: index into the snapshot's dests, -1 for NULL. */
  lookup: Int16Array;
  /** Which snapshot dests own at least one slot. */
  owns: Uint8Array;
}

interface MhState {
  sched: 'mh';
  snap: Snapshot;
  table: Table | null;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** fls(): 1-based index of the most significant set bit, 0 for 0. */
function fls(x: number): number {
  return x <= 0 ? (x < 0 ? 32 : 0) : 32 - Math.clz32(x);
}

/** ip_vs_mh_gcd_weight(): gcd of the positive last_weights, 0 if none. */
export function mhGcdWeight(dests: readonly DestState[]): number {
  let g = 0;
  for (const d of dests) {
    const w = d.lastWeight;
    if (w > 0) g = g > 0 ? gcd(w, g) : w;
  }
  return g;
}

/** ip_vs_mh_shift_weight(): shift = fls(max last_weight / gcd) - IP_VS_MH_TAB_BITS, at least 0. */
export function mhShiftWeight(dests: readonly DestState[], g: number): number {
  if (g < 1) return 0;
  let weight = 0;
  for (const d of dests) if (d.lastWeight > weight) weight = d.lastWeight;
  const shift = fls(Math.trunc(weight / g)) - MH_TAB_BITS;
  return shift >= 0 ? shift : 0;
}

function snapshot(svc: ServiceState): Snapshot {
  const dests = svc.destinations.slice();
  const g = mhGcdWeight(dests);
  const rshift = mhShiftWeight(dests, g);
  // ip_vs_mh_permutate: ds->turns = ((lw / gcd) >> rshift) ?: (lw != 0)
  const turns = dests.map((d) => {
    const lw = d.lastWeight;
    if (g < 1) return 0;
    return Math.trunc(lw / g) >> rshift || (lw !== 0 ? 1 : 0);
  });
  return { dests, turns, gcd: g, rshift };
}

// Built tables by their inputs (each dest's address, port and turns, in list order).
const MEMO = new Map<string, Table>();
const MEMO_MAX = 512;

function memoKey(snap: Snapshot): string {
  let k = '';
  for (let i = 0; i < snap.dests.length; i++) {
    const d = snap.dests[i]!;
    k += `${d.addrNum}:${d.port}:${snap.turns[i]},`;
  }
  return k;
}

/**
 * ip_vs_mh_permutate() + ip_vs_mh_populate(): each round, every dest with turns >= 1 claims
 * `turns` slots, each time taking the next free slot of its permutation offset, offset+skip, ...
 */
export function buildTable(snap: Snapshot): Table {
  const M = MH_TAB_SIZE;
  const n = snap.dests.length;
  const lookup = new Int16Array(M).fill(-1);
  const owns = new Uint8Array(n);
  // gcd < 1: no dest or every last_weight is 0: ip_vs_mh_reset, all NULL.
  if (snap.gcd < 1) return { lookup, owns };
  const perm = new Int32Array(n);
  const skip = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const d = snap.dests[i]!;
    perm[i] = mhHashkey(d.addrNum, d.port, MH_HASH1, 0) % M;
    skip[i] = (mhHashkey(d.addrNum, d.port, MH_HASH2, 0) % (M - 1)) + 1;
  }
  const turns = Int32Array.from(snap.turns);
  // Only one dest takes part: it gets every slot, whatever its permutation.
  let takers = 0;
  for (let i = 0; i < n; i++) if (turns[i]! >= 1) takers++;
  if (takers === 1) {
    const i = turns.findIndex((t) => t >= 1);
    lookup.fill(i);
    owns[i] = 1;
    return { lookup, owns };
  }
  let count = 0;
  // A slot is taken when lookup[c] >= 0 (the bitmap of ip_vs_mh_populate, folded into lookup).
  for (;;) {
    for (let i = 0; i < n; i++) {
      const t = turns[i]!;
      // "Ignore added server with zero weight"
      if (t < 1) continue;
      const sk = skip[i]!;
      let c = perm[i]!;
      owns[i] = 1;
      for (let k = 0; k < t; k++) {
        while (lookup[c]! >= 0) {
          // c = (c + skip) mod M, without a second unpredictable branch
          c += sk;
          c -= M & ((M - 1 - c) >> 31);
        }
        lookup[c] = i;
        if (++count === M) return { lookup, owns };
      }
      perm[i] = c;
    }
  }
}

function tableFor(s: MhState): Table {
  if (s.table) return s.table;
  const key = memoKey(s.snap);
  let t = MEMO.get(key);
  if (t) {
    MEMO.delete(key);
  } else {
    t = buildTable(s.snap);
    if (MEMO.size >= MEMO_MAX) MEMO.delete(MEMO.keys().next().value!);
  }
  MEMO.set(key, t);
  s.table = t;
  return t;
}

/** ip_vs_mh_dest_changed / ip_vs_mh_init_svc: recompute gcd and rshift, rebuild the table. */
function rebuild(svc: ServiceState): void {
  const s: MhState = { sched: 'mh', snap: snapshot(svc), table: null };
  svc.schedData = s;
}

function state(svc: ServiceState): MhState {
  const s = svc.schedData as MhState | undefined;
  if (s?.sched === 'mh') return s;
  rebuild(svc);
  return svc.schedData as MhState;
}

/** is_unavailable(): weight <= 0 or OVERLOAD (read live, as the kernel reads the dest). */
function isUnavailable(dest: DestState): boolean {
  return dest.weight <= 0 || dest.overload;
}

/** The lookup slot of a client, as ip_vs_mh_get computes it. */
export function mhSlot(addr: number, port: number): number {
  return mhHashkey(addr, port, MH_HASH1, 0) % MH_TAB_SIZE;
}

function mhGet(s: MhState, t: Table, addr: number, port: number): DestState | null {
  const i = t.lookup[mhSlot(addr, port)]!;
  const dest = i < 0 ? null : s.snap.dests[i]!;
  return !dest || isUnavailable(dest) ? null : dest;
}

/**
 * ip_vs_mh_get_fallback(): the slot's dest; if unavailable, walk roffset = ihash, ihash+1, ...
 * (mod 4093) looking at slot hashkey(addr, port, roffset) % 4093; a NULL slot ends the walk.
 */
function mhGetFallback(s: MhState, t: Table, addr: number, port: number): DestState | null {
  const M = MH_TAB_SIZE;
  const ihash = mhSlot(addr, port);
  const first = t.lookup[ihash]!;
  if (first < 0) return null;
  const dest = s.snap.dests[first]!;
  if (!isUnavailable(dest)) return dest;
  // Shortcut, same answer: if no dest that owns a slot is available, the walk finds none.
  let any = false;
  for (let i = 0; i < s.snap.dests.length && !any; i++) {
    if (t.owns[i] && !isUnavailable(s.snap.dests[i]!)) any = true;
  }
  if (!any) return null;
  for (let offset = 0; offset < M; offset++) {
    const roffset = (offset + ihash) % M;
    const j = t.lookup[mhHashkey(addr, port, MH_HASH1, roffset) % M]!;
    if (j < 0) break;
    const d = s.snap.dests[j]!;
    if (!isUnavailable(d)) return d;
  }
  return null;
}

/** For tests and properties: the dest in each lookup slot (null for NULL). */
export function mhLookup(svc: ServiceState): (DestState | null)[] {
  const s = state(svc);
  const t = tableFor(s);
  return Array.from(t.lookup, (i) => (i < 0 ? null : s.snap.dests[i]!));
}

export const mh: SchedulerModel = {
  name: 'mh',
  initService(svc) {
    rebuild(svc);
  },
  doneService(svc) {
    svc.schedData = undefined;
  },
  addDest(svc) {
    rebuild(svc);
  },
  delDest(svc) {
    rebuild(svc);
  },
  updDest(svc) {
    rebuild(svc);
  },
  schedule(svc, pkt) {
    const s = state(svc);
    const t = tableFor(s);
    // ip_vs_mh_schedule: port 0 unless mh-port, then the packet's source port (ports[0]).
    const port = svc.flags & MH_PORT ? pkt.sport : 0;
    const dest = svc.flags & MH_FALLBACK ? mhGetFallback(s, t, pkt.saddr, port) : mhGet(s, t, pkt.saddr, port);
    return { kind: 'one', dest };
  },
};
