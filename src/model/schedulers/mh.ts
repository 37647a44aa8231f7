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
export interface Snapshot {
  dests: DestState[];
  /** ds->turns per dest, in list order. */
  turns: number[];
  gcd: number;
  rshift: number;
}

export interface Table {
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

/** What ip_vs_mh_permutate works from, for svc->destinations = `list` (list order). */
export function mhSnapshot(list: readonly DestState[]): Snapshot {
  const dests = list.slice();
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

/** The dest index every slot gets when only one dest has turns >= 1, else -1. */
function singleTaker(turns: readonly number[]): number {
  let only = -1;
  for (let i = 0; i < turns.length; i++) {
    if (turns[i]! < 1) continue;
    if (only >= 0) return -1;
    only = i;
  }
  return only;
}

/**
 * ip_vs_mh_permutate() + ip_vs_mh_populate(), written as plainly as the C: each round, every dest
 * with turns >= 1 claims `turns` slots, each time taking the next free slot of its permutation
 * offset, offset+skip, ... The reference for buildTable (the property test checks they agree).
 */
export function buildTableReference(snap: Snapshot): Table {
  const M = MH_TAB_SIZE;
  const n = snap.dests.length;
  const lookup = new Int16Array(M).fill(-1);
  const owns = new Uint8Array(n);
  // gcd < 1: no dest or every last_weight is 0: ip_vs_mh_reset, all NULL.
  if (snap.gcd < 1) return { lookup, owns };
  // ip_vs_mh_permutate: ds->perm starts at the offset
  const perm = new Int32Array(n);
  const skip = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const d = snap.dests[i]!;
    perm[i] = mhHashkey(d.addrNum, d.port, MH_HASH1, 0) % M;
    skip[i] = (mhHashkey(d.addrNum, d.port, MH_HASH2, 0) % (M - 1)) + 1;
  }
  // ip_vs_mh_populate's bitmap
  const table = new Uint8Array(M);
  let count = 0;
  for (;;) {
    for (let i = 0; i < n; i++) {
      const t = snap.turns[i]!;
      // "Ignore added server with zero weight"
      if (t < 1) continue;
      for (let k = 0; k < t; k++) {
        while (table[perm[i]!]) perm[i] = (perm[i]! + skip[i]!) % M;
        const c = perm[i]!;
        table[c] = 1;
        lookup[c] = i;
        owns[i] = 1;
        if (++count === M) return { lookup, owns };
      }
    }
  }
}

// buildTable's per-dest scratch, reused: allocating it per build (off-heap once it passes 64
// bytes) measured slower in a case. Services with more dests get fresh arrays.
const SCRATCH_DESTS = 256;
const sTurns = new Int32Array(SCRATCH_DESTS);
const sAt = new Int32Array(SCRATCH_DESTS);
const sStep = new Int32Array(4 * SCRATCH_DESTS);

/**
 * The same table as buildTableReference (ip_vs_mh_populate), faster. Each claim looks at the
 * dest's next 4 permutation slots at once: c + k*skip mod M for k = 1..4 are computed
 * independently (no chain of dependent adds), their four "free?" bits are read in one go, and the
 * first free one is selected with masks instead of a branch per probe. The order of claims is the
 * kernel's (every dest with turns >= 1 takes `turns` slots per round, in list order), and so is
 * the result.
 * One function of 83 lines on purpose: the probe loop keeps its typed arrays and four probes in
 * locals the JIT holds in registers, and it is the model's hottest path (`npm run bench:model`).
 */
export function buildTable(snap: Snapshot): Table {
  const M = 4093; // MH_TAB_SIZE, as a literal the compiler folds into the masks
  if (MH_TAB_SIZE !== M) throw new Error(`buildTable is written for a ${M}-slot table, not ${MH_TAB_SIZE}`);
  const n = snap.dests.length;
  const lookup = new Int16Array(M);
  lookup.fill(-1);
  const owns = new Uint8Array(n);
  // gcd < 1: no dest or every last_weight is 0: ip_vs_mh_reset, all NULL.
  if (snap.gcd < 1) return { lookup, owns };
  // Only one dest takes part: it gets every slot, whatever its permutation.
  const only = singleTaker(snap.turns);
  if (only >= 0) {
    lookup.fill(only);
    owns[only] = 1;
    return { lookup, owns };
  }
  // Per dest: turns, the last slot claimed (at first one skip before the offset, so that the
  // first window starts at the offset, ds->perm), and k*skip mod M minus M for k = 1..4.
  const small = n <= SCRATCH_DESTS;
  const turns = small ? sTurns : new Int32Array(n);
  const at = small ? sAt : new Int32Array(n);
  const step = small ? sStep : new Int32Array(4 * n);
  for (let i = 0; i < n; i++) {
    turns[i] = snap.turns[i]!;
    const d = snap.dests[i]!;
    const offset = mhHashkey(d.addrNum, d.port, MH_HASH1, 0) % M;
    const skip = (mhHashkey(d.addrNum, d.port, MH_HASH2, 0) % (M - 1)) + 1;
    at[i] = (offset - skip + M) % M;
    for (let k = 1; k <= 4; k++) step[4 * i + k - 1] = ((k * skip) % M) - M;
  }
  let count = 0;
  for (let round = 0; ; round++) {
    for (let i = 0; i < n; i++) {
      const t = turns[i]!;
      // "Ignore added server with zero weight"
      if (t < 1) continue;
      for (let k = 0; k < t; k++) {
        const b = 4 * i;
        const d1 = step[b]!;
        const d2 = step[b + 1]!;
        const d3 = step[b + 2]!;
        const d4 = step[b + 3]!;
        let c = at[i]!;
        for (;;) {
          // c + k*skip mod M: c + (k*skip mod M) - M is in [-M, M); add M back if negative
          let c1 = (c + d1) | 0;
          c1 = (c1 + (M & (c1 >> 31))) | 0;
          let c2 = (c + d2) | 0;
          c2 = (c2 + (M & (c2 >> 31))) | 0;
          let c3 = (c + d3) | 0;
          c3 = (c3 + (M & (c3 >> 31))) | 0;
          let c4 = (c + d4) | 0;
          c4 = (c4 + (M & (c4 >> 31))) | 0;
          // -1 (all bits set) where the slot is free (lookup -1), 0 where it is taken
          const f1 = lookup[c1]! >> 31;
          const f2 = lookup[c2]! >> 31;
          const f3 = lookup[c3]! >> 31;
          const f4 = lookup[c4]! >> 31;
          if ((f1 | f2 | f3 | f4) !== 0) {
            // the first free one of the four (u: an earlier one was free)
            c = c1 & f1;
            let u = f1;
            c |= c2 & f2 & ~u;
            u |= f2;
            c |= c3 & f3 & ~u;
            u |= f3;
            c |= c4 & f4 & ~u;
            break;
          }
          c = c4;
        }
        lookup[c] = i;
        at[i] = c;
        if (++count === M) {
          // Every dest with turns >= 1 has claimed a slot, unless the table filled up in the
          // first round (then only those up to i have).
          for (let j = 0; j < n; j++) if (turns[j]! >= 1 && (round > 0 || j <= i)) owns[j] = 1;
          return { lookup, owns };
        }
      }
    }
  }
}

/**
 * Forget every memoised table (benchmarks use it to measure table builds); returns how many
 * there were, i.e. how many distinct tables were built since the last call.
 */
export function mhClearMemo(): number {
  const n = MEMO.size;
  MEMO.clear();
  return n;
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
  const s: MhState = { sched: 'mh', snap: mhSnapshot(svc.destinations), table: null };
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
