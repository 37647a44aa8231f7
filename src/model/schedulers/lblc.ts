// Model of net/netfilter/ipvs/ip_vs_lblc.c: locality-based least-connection. A cache maps the
// packet's *destination* address (the VIP, for a virtual service) to one dest; the cached dest is
// used while it is available, has weight > 0 and is not "overloaded" by lblc's own heuristic
// (is_overloaded: activeconns > weight while some dest has activeconns * 2 < weight; the OVERLOAD
// flag is not looked at); otherwise a weighted least-connection pick (__ip_vs_lblc_schedule)
// replaces the entry. An entry holds its dest (ip_vs_dest_hold): a deleted dest stays in the trash
// and is the same dest again when re-added.
//
// Time: entries are dropped only by the periodic timer (ip_vs_lblc_check_expire, every 60 s from
// the service's creation): every 30th run is a full check that drops the entries unused for
// sysctl lblc_expiration (24 h unless a case sets it); while the table holds more than max_size
// (16384) entries, runs drop those unused for 6 min (no case comes near that). `lastuse` is the
// jiffy the entry was last used, a range when the kernel's observation leaves it open.
//
// Versions: 6.1.176 and 6.12.107 (the pinned kernels) have the same ip_vs_lblc.c; later 6.1
// (6.1.192 on this host) also decrements `entries` on replacement and refuses entries beyond
// max_size * 3 / 2 ("ipvs: fix missing counter decrement", "bound LBLCR and LBLC cache growth").
import { one } from '../decision.js';
import { connOverhead, mulGt } from '../hash/overhead.js';
import type { Timer } from '../timers.js';
import type { DestState, SchedContext, SchedulerModel, ServiceState } from '../types.js';

/** CHECK_EXPIRE_INTERVAL and DEFAULT_EXPIRATION, seconds; COUNT_FOR_FULL_EXPIRATION */
export const CHECK_EXPIRE_INTERVAL_S = 60;
export const DEFAULT_EXPIRATION_S = 24 * 60 * 60;
export const COUNT_FOR_FULL_EXPIRATION = 30;
/** tbl->max_size = IP_VS_LBLC_TAB_SIZE * 16 */
export const LBLC_MAX_SIZE = 1024 * 16;

/** A jiffy, or the range of jiffies it is known to be in. */
export interface JRange {
  lo: number;
  hi: number;
}

interface Entry {
  dest: DestState;
  lastuse: JRange;
}

interface LblcState {
  sched: 'lblc';
  entries: Map<number, Entry>;
  /** atomic tbl->entries (never decremented on replacement in the pinned kernels). */
  count: number;
  /** tbl->counter */
  counter: number;
  timer: Timer;
}

/** is_overloaded() of ip_vs_lblc.c (and ip_vs_lblcr.c). */
export function lblcIsOverloaded(dest: DestState, svc: ServiceState): boolean {
  if (dest.activeConns > dest.weight) {
    for (const d of svc.destinations) if (d.activeConns * 2 < d.weight) return true;
  }
  return false;
}

/**
 * __ip_vs_lblc_schedule() (same as __ip_vs_lblcr_schedule): the first non-OVERLOAD dest with
 * weight > 0, then any later non-OVERLOAD dest with a strictly smaller overhead / weight.
 */
export function lblcLeastLoaded(svc: ServiceState, c: Pick<SchedContext, 'semantics'>): DestState | null {
  const ds = svc.destinations;
  let i = 0;
  let least: DestState | null = null;
  for (; i < ds.length; i++) {
    const d = ds[i]!;
    if (d.overload) continue;
    if (d.weight > 0) {
      least = d;
      break;
    }
  }
  if (!least) return null;
  let loh = connOverhead(least, c.semantics);
  for (i++; i < ds.length; i++) {
    const d = ds[i]!;
    if (d.overload) continue;
    const doh = connOverhead(d, c.semantics);
    // (__s64)loh * dest->weight > (__s64)doh * least->weight
    if (mulGt(loh, d.weight, doh, least.weight)) {
      least = d;
      loh = doh;
    }
  }
  return least;
}

/**
 * Whether `now >= lastuse + exp` (an entry unused for the expiration), deciding through the
 * chooser when lastuse is a range that straddles the answer, and narrowing it to the choice.
 */
export function unusedFor(c: SchedContext, lastuse: JRange, now: number, exp: number, what: string): boolean {
  if (now >= lastuse.hi + exp) return true;
  if (now < lastuse.lo + exp) return false;
  const gone = c.choose(2, `${what}: last used at a jiffy in ${lastuse.lo}..${lastuse.hi}, checked at ${now}`) === 1;
  if (gone) lastuse.hi = now - exp;
  else lastuse.lo = now - exp + 1;
  return gone;
}

/** sysctl lblc_expiration / lblcr_expiration in jiffies (proc_dointvec_jiffies). */
export const expirationJiffies = (c: SchedContext, name: string): number => (c.sysctl(name) ?? DEFAULT_EXPIRATION_S) * c.hz;

const nowRange = (c: SchedContext): JRange => ({ lo: c.now.lo, hi: c.now.hi });

function state(svc: ServiceState): LblcState {
  return svc.schedData as LblcState;
}

/** ip_vs_lblc_full_check() at jiffy `now`. */
function fullCheck(s: LblcState, c: SchedContext, now: number): void {
  const exp = expirationJiffies(c, 'lblc_expiration');
  for (const [k, en] of s.entries) {
    if (!unusedFor(c, en.lastuse, now, exp, 'an lblc entry')) continue;
    s.entries.delete(k); // ip_vs_lblc_del(): the entry lets go of its dest
    c.put(en.dest);
    s.count--;
    c.reach('lblc:collect');
  }
}

/** ip_vs_lblc_check_expire(), the periodic timer's callback. */
function checkExpire(s: LblcState, c: SchedContext, now: number): void {
  if (s.counter % COUNT_FOR_FULL_EXPIRATION === 0) {
    fullCheck(s, c, now);
    s.counter = 1;
  } else if (s.count <= LBLC_MAX_SIZE) {
    s.counter++;
  } else {
    throw new Error(`lblc table over max_size (${s.count} entries): not modelled`);
  }
  c.modTimer(s.timer, CHECK_EXPIRE_INTERVAL_S * c.hz);
}

/** ip_vs_lblc_schedule() */
function schedule(svc: ServiceState, daddr: number, c: SchedContext): DestState | null {
  const s = state(svc);
  const en = s.entries.get(daddr);
  if (en) {
    en.lastuse = nowRange(c);
    const d = en.dest;
    if (d.available && d.weight > 0 && !lblcIsOverloaded(d, svc)) return d;
  }
  // "no destination available": an entry stays, its lastuse refreshed.
  const dest = lblcLeastLoaded(svc, c);
  if (!dest) return null;
  // ip_vs_lblc_new(): keep the entry if it already names this dest, else replace it (a new entry
  // counts in tbl->entries; the replaced one is not subtracted in the pinned kernels).
  if (en?.dest !== dest) {
    if (en) c.put(en.dest);
    c.hold(dest);
    s.entries.set(daddr, { dest, lastuse: nowRange(c) });
    s.count++;
  }
  return dest;
}

export const lblc: SchedulerModel = {
  name: 'lblc',
  initService(svc, c) {
    const s: LblcState = { sched: 'lblc', entries: new Map(), count: 0, counter: 1, timer: undefined as unknown as Timer };
    s.timer = c.newTimer((at) => checkExpire(s, c, at), `lblc's periodic check of ${svc.addr}:${svc.port}`);
    svc.schedData = s;
    c.modTimer(s.timer, CHECK_EXPIRE_INTERVAL_S * c.hz);
  },
  doneService(svc, c) {
    // ip_vs_lblc_done_svc(): del_timer_sync, then flush (every entry lets go of its dest)
    const s = state(svc);
    c.delTimer(s.timer);
    for (const en of s.entries.values()) c.put(en.dest);
    svc.schedData = undefined;
  },
  schedule(svc, pkt, c) {
    // the cache holds the whole address (ip_vs_addr_equal); pkt.daddr is IPv6 folded
    return one(schedule(svc, pkt.daddrId ?? pkt.daddr, c));
  },
};
