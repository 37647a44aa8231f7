// Model of net/netfilter/ipvs/ip_vs_lblcr.c: locality-based least-connection with replication.
// A cache maps the packet's *destination* address (the VIP) to a *set* of dests; the set's
// weighted least-loaded member (ip_vs_dest_set_min) is used unless lblc's is_overloaded()
// heuristic says otherwise, in which case a weighted least-connection pick over the whole service
// (__ip_vs_lblcr_schedule) joins the set. A set with more than one member that has not changed
// for sysctl lblcr_expiration (24 h unless a case sets it) loses its most loaded member
// (ip_vs_dest_set_max) on the next schedule.
//
// Entries themselves are dropped only by the periodic timer, as in lblc (ip_vs_lblcr_check_expire:
// every 60 s, a full check every 30th run drops entries unused for lblcr_expiration).
//
// Set members hold their dest: a deleted dest stays in the trash (refcnt > 1) and is the same
// dest again when re-added; while deleted it is not AVAILABLE, but ip_vs_dest_set_max still reads
// its weight and counters.
import { one } from '../decision.js';
import { connOverhead, mulGt } from '../hash/overhead.js';
import type { Timer } from '../timers.js';
import type { DestState, SchedContext, SchedulerModel, ServiceState } from '../types.js';
import {
  CHECK_EXPIRE_INTERVAL_S,
  COUNT_FOR_FULL_EXPIRATION,
  expirationJiffies,
  type JRange,
  lblcIsOverloaded,
  lblcLeastLoaded,
  unusedFor,
} from './lblc.js';

/** tbl->max_size = IP_VS_LBLCR_TAB_SIZE * 16 */
export const LBLCR_MAX_SIZE = 1024 * 16;

interface Entry {
  /** set.list, head first (ip_vs_dest_set_insert uses list_add_rcu). */
  set: DestState[];
  lastmod: JRange;
  lastuse: JRange;
}

interface LblcrState {
  sched: 'lblcr';
  entries: Map<number, Entry>;
  count: number;
  counter: number;
  timer: Timer;
}

const state = (svc: ServiceState): LblcrState => svc.schedData as LblcrState;
const nowRange = (c: SchedContext): JRange => ({ lo: c.now.lo, hi: c.now.hi });

/** ip_vs_dest_set_min(): weighted least-loaded available member, skipping OVERLOAD. */
export function lblcrSetMin(set: readonly DestState[], c: Pick<SchedContext, 'semantics'>): DestState | null {
  let i = 0;
  let least: DestState | null = null;
  for (; i < set.length; i++) {
    const d = set[i]!;
    if (d.overload) continue;
    if (d.weight > 0 && d.available) {
      least = d;
      break;
    }
  }
  if (!least) return null;
  let loh = connOverhead(least, c.semantics);
  for (i++; i < set.length; i++) {
    const d = set[i]!;
    if (d.overload) continue;
    const doh = connOverhead(d, c.semantics);
    if (mulGt(loh, d.weight, doh, least.weight) && d.available) {
      least = d;
      loh = doh;
    }
  }
  return least;
}

/** ip_vs_dest_set_max(): weighted most-loaded member with weight > 0 (AVAILABLE not checked). */
export function lblcrSetMax(set: readonly DestState[], c: Pick<SchedContext, 'semantics'>): DestState | null {
  let i = 0;
  let most: DestState | null = null;
  for (; i < set.length; i++) {
    if (set[i]!.weight > 0) {
      most = set[i]!;
      break;
    }
  }
  if (!most) return null;
  let moh = connOverhead(most, c.semantics);
  for (i++; i < set.length; i++) {
    const d = set[i]!;
    const doh = connOverhead(d, c.semantics);
    // moh * dw < doh * mw, with dw > 0
    if (mulGt(doh, most.weight, moh, d.weight) && d.weight > 0) {
      most = d;
      moh = doh;
    }
  }
  return most;
}

/** time_after(jiffies, lastmod + exp), deciding through the chooser where the ranges straddle it. */
function unchangedFor(c: SchedContext, lastmod: JRange, exp: number): boolean {
  if (c.now.lo > lastmod.hi + exp) return true;
  if (c.now.hi <= lastmod.lo + exp) return false;
  return c.choose(2, `an lblcr set changed at a jiffy in ${lastmod.lo}..${lastmod.hi}, used at one in ${c.now.lo}..${c.now.hi}`) === 1;
}

/** ip_vs_dest_set_insert(set, dest, check): a new member goes to the head and stamps lastmod. */
function insert(en: Entry, dest: DestState, c: SchedContext): void {
  if (en.set.includes(dest)) return;
  c.hold(dest);
  en.set.unshift(dest);
  en.lastmod = nowRange(c);
}

/** ip_vs_lblcr_schedule() */
function schedule(svc: ServiceState, daddr: number, c: SchedContext): DestState | null {
  const s = state(svc);
  const en = s.entries.get(daddr);
  if (en) {
    en.lastuse = nowRange(c);
    const chosen = lblcrSetMin(en.set, c);
    // More than one member and unchanged for the expiration: drop the most loaded one.
    if (en.set.length > 1 && unchangedFor(c, en.lastmod, expirationJiffies(c, 'lblcr_expiration'))) {
      const m = lblcrSetMax(en.set, c);
      if (m) {
        // ip_vs_dest_set_erase()
        en.set = en.set.filter((d) => d !== m);
        en.lastmod = nowRange(c);
        c.put(m);
        c.reach('lblcr:shrink');
      }
    }
    if (chosen && !lblcIsOverloaded(chosen, svc)) return chosen;
    const dest = lblcLeastLoaded(svc, c);
    if (!dest) return null;
    insert(en, dest, c);
    return dest;
  }
  const dest = lblcLeastLoaded(svc, c);
  if (!dest) return null;
  // ip_vs_lblcr_new()
  const fresh: Entry = { set: [], lastmod: nowRange(c), lastuse: nowRange(c) };
  insert(fresh, dest, c);
  s.entries.set(daddr, fresh);
  s.count++;
  return dest;
}

/** ip_vs_lblcr_full_check() and ip_vs_lblcr_check_expire() at jiffy `now`. */
function checkExpire(s: LblcrState, c: SchedContext, now: number): void {
  if (s.counter % COUNT_FOR_FULL_EXPIRATION === 0) {
    const exp = expirationJiffies(c, 'lblcr_expiration');
    for (const [k, en] of s.entries) {
      if (!unusedFor(c, en.lastuse, now, exp, 'an lblcr entry')) continue;
      s.entries.delete(k); // ip_vs_lblcr_free(): every member lets go of its dest
      for (const d of en.set) c.put(d);
      s.count--;
      c.reach('lblcr:collect');
    }
    s.counter = 1;
  } else if (s.count <= LBLCR_MAX_SIZE) {
    s.counter++;
  } else {
    throw new Error(`lblcr table over max_size (${s.count} entries): not modelled`);
  }
  c.modTimer(s.timer, CHECK_EXPIRE_INTERVAL_S * c.hz);
}

/** For tests: the members of the set cached for a destination address. */
export function lblcrSet(svc: ServiceState, daddr: number): string[] | undefined {
  return state(svc).entries.get(daddr)?.set.map((d) => `${d.addr}:${d.port}`);
}

export const lblcr: SchedulerModel = {
  name: 'lblcr',
  initService(svc, c) {
    const s: LblcrState = { sched: 'lblcr', entries: new Map(), count: 0, counter: 1, timer: undefined as unknown as Timer };
    s.timer = c.newTimer((at) => checkExpire(s, c, at), `lblcr's periodic check of ${svc.addr}:${svc.port}`);
    svc.schedData = s;
    c.modTimer(s.timer, CHECK_EXPIRE_INTERVAL_S * c.hz);
  },
  doneService(svc, c) {
    const s = state(svc);
    c.delTimer(s.timer);
    for (const en of s.entries.values()) for (const d of en.set) c.put(d);
    svc.schedData = undefined;
  },
  schedule(svc, pkt, c) {
    // the cache holds the whole address (ip_vs_addr_equal); pkt.daddr is IPv6 folded
    return one(schedule(svc, pkt.daddrId ?? pkt.daddr, c));
  },
};
