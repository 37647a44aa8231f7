// Model of net/netfilter/ipvs/ip_vs_lblcr.c: locality-based least-connection with replication.
// A cache maps the packet's *destination* address (the VIP) to a *set* of dests; the set's
// weighted least-loaded member (ip_vs_dest_set_min) is used unless lblc's is_overloaded()
// heuristic says otherwise, in which case a weighted least-connection pick over the whole service
// (__ip_vs_lblcr_schedule) joins the set. A set with more than one member that has not changed
// for sysctl lblcr_expiration (24 h) loses its most loaded member (ip_vs_dest_set_max) on the
// next schedule: that depends only on the clock, so the model decides it.
//
// Entries themselves are dropped only by the periodic timer (ip_vs_lblcr_check_expire: a full
// check every 30th run, 60 s apart, drops entries unused for 24 h; beyond max_size entries, runs
// drop those unused for 6 min). When the timer's phase would decide, both possibilities are kept.
//
// Set members hold their dest: a deleted dest stays in the trash (refcnt > 1) and is the same
// dest again when re-added; while deleted it is not AVAILABLE, but ip_vs_dest_set_max still reads
// its weight and counters.
import { scheduleCached, type Branch } from '../hash/alternatives.js';
import { connOverhead, mulGt } from '../hash/overhead.js';
import type { DestState, SchedContext, SchedulerModel, ServiceState } from '../types.js';
import { keyOf, lblcIsOverloaded, lblcLeastLoaded, linkedOf } from './lblc.js';

/** DEFAULT_EXPIRATION: sysctl net.ipv4.vs.lblcr_expiration, which no case changes. */
export const LBLCR_EXPIRATION_MS = 24 * 60 * 60 * 1000;
/** ENTRY_TIMEOUT */
export const LBLCR_ENTRY_TIMEOUT_MS = 6 * 60 * 1000;
/** tbl->max_size = IP_VS_LBLCR_TAB_SIZE * 16 */
export const LBLCR_MAX_SIZE = 1024 * 16;

interface Elem {
  /** keyOf(dest) */
  key: number;
  /** The dest object last seen under that key (read while the dest sits in the trash). */
  dest: DestState;
}

interface Entry {
  /** set.list, head first (ip_vs_dest_set_insert uses list_add_rcu). */
  set: Elem[];
  /** set.lastmod */
  lastmod: number;
  lastuse: number;
}

interface Table {
  entries: Map<number, Entry>;
  /** atomic tbl->entries */
  count: number;
}

interface LblcrState {
  sched: 'lblcr';
  alts: Table[];
}

function emptyTable(): Table {
  return { entries: new Map(), count: 0 };
}

function state(svc: ServiceState): LblcrState {
  const s = svc.schedData as LblcrState | undefined;
  if (s?.sched === 'lblcr') return s;
  const fresh: LblcrState = { sched: 'lblcr', alts: [emptyTable()] };
  svc.schedData = fresh;
  return fresh;
}

/** A member as the kernel sees it now: the linked dest of that key (AVAILABLE), else the trashed one. */
function member(svc: ServiceState, e: Elem): { dest: DestState; available: boolean } {
  const linked = linkedOf(svc, e.key);
  return linked ? { dest: linked, available: linked.available } : { dest: e.dest, available: false };
}

/** ip_vs_dest_set_min(): weighted least-loaded available member, skipping OVERLOAD. */
export function lblcrSetMin(svc: ServiceState, set: readonly Elem[], c: SchedContext): DestState | null {
  let i = 0;
  let least: DestState | null = null;
  for (; i < set.length; i++) {
    const m = member(svc, set[i]!);
    if (m.dest.overload) continue;
    if (m.dest.weight > 0 && m.available) {
      least = m.dest;
      break;
    }
  }
  if (!least) return null;
  let loh = connOverhead(least, c.semantics);
  for (i++; i < set.length; i++) {
    const m = member(svc, set[i]!);
    if (m.dest.overload) continue;
    const doh = connOverhead(m.dest, c.semantics);
    if (mulGt(loh, m.dest.weight, doh, least.weight) && m.available) {
      least = m.dest;
      loh = doh;
    }
  }
  return least;
}

/** ip_vs_dest_set_max(): weighted most-loaded member with weight > 0 (AVAILABLE not checked). */
export function lblcrSetMax(svc: ServiceState, set: readonly Elem[], c: SchedContext): number | null {
  let i = 0;
  let most: DestState | null = null;
  let mostKey: number | null = null;
  for (; i < set.length; i++) {
    const m = member(svc, set[i]!);
    if (m.dest.weight > 0) {
      most = m.dest;
      mostKey = set[i]!.key;
      break;
    }
  }
  if (!most) return null;
  let moh = connOverhead(most, c.semantics);
  for (i++; i < set.length; i++) {
    const m = member(svc, set[i]!);
    const doh = connOverhead(m.dest, c.semantics);
    // moh * dw < doh * mw, with dw > 0
    if (mulGt(doh, most.weight, moh, m.dest.weight) && m.dest.weight > 0) {
      most = m.dest;
      mostKey = set[i]!.key;
      moh = doh;
    }
  }
  return mostKey;
}

function mayHaveExpired(t: Table, en: Entry, now: number): boolean {
  const idle = now - en.lastuse;
  return idle >= LBLCR_EXPIRATION_MS || (t.count > LBLCR_MAX_SIZE && idle >= LBLCR_ENTRY_TIMEOUT_MS);
}

/** A copy of a table state, for a branch. */
function clone(t: Table): Table {
  return { entries: new Map([...t.entries].map(([k, e]) => [k, { ...e, set: e.set.slice() }])), count: t.count };
}

/** ip_vs_lblcr_schedule() on one state of the table, which it updates in place. */
function run(svc: ServiceState, daddr: number, t: Table, c: SchedContext): Branch<Table> {
  const en = t.entries.get(daddr);
  if (en) {
    en.lastuse = c.now;
    // Members follow the linked dest of their key (the same kernel struct, see the header).
    for (let i = 0; i < en.set.length; i++) {
      const e = en.set[i]!;
      const linked = linkedOf(svc, e.key);
      if (linked && linked !== e.dest) en.set[i] = { key: e.key, dest: linked };
    }
    const chosen = lblcrSetMin(svc, en.set, c);
    // More than one member and unchanged for the expiration: drop the most loaded one.
    if (en.set.length > 1 && c.now > en.lastmod + LBLCR_EXPIRATION_MS) {
      const m = lblcrSetMax(svc, en.set, c);
      if (m !== null) {
        // ip_vs_dest_set_erase()
        en.set = en.set.filter((e) => e.key !== m);
        en.lastmod = c.now;
      }
    }
    if (chosen && !lblcIsOverloaded(chosen, svc)) return { dest: chosen, next: t };
    const dest = lblcLeastLoaded(svc, c);
    if (!dest) return { dest: null, next: t };
    // ip_vs_dest_set_insert(check = true): a new member goes to the head and stamps lastmod.
    const key = keyOf(dest);
    if (!en.set.some((e) => e.key === key)) {
      en.set.unshift({ key, dest });
      en.lastmod = c.now;
    }
    return { dest, next: t };
  }
  const dest = lblcLeastLoaded(svc, c);
  if (!dest) return { dest: null, next: t };
  // ip_vs_lblcr_new()
  t.entries.set(daddr, { set: [{ key: keyOf(dest), dest }], lastmod: c.now, lastuse: c.now });
  t.count++;
  return { dest, next: t };
}

function canon(t: Table): string {
  const parts = [...t.entries].map(([k, e]) => `${k}=${e.set.map((m) => m.key).join('+')}@${e.lastmod}/${e.lastuse}`);
  return `${t.count}|${parts.join(',')}`;
}

/** For tests: the members of the (first possible) set cached for a destination address. */
export function lblcrSet(svc: ServiceState, daddr: number): string[] | undefined {
  return state(svc).alts[0]?.entries.get(daddr)?.set.map((e) => `${e.dest.addr}:${e.dest.port}`);
}

export const lblcr: SchedulerModel = {
  name: 'lblcr',
  initService(svc) {
    svc.schedData = { sched: 'lblcr', alts: [emptyTable()] } satisfies LblcrState;
  },
  doneService(svc) {
    svc.schedData = undefined;
  },
  schedule(svc, pkt, c) {
    // the cache holds the whole address (ip_vs_addr_equal); pkt.daddr is IPv6 folded
    const daddr = pkt.daddrId ?? pkt.daddr;
    return scheduleCached(state(svc), daddr, {
      mayHaveExpired: (t, e) => mayHaveExpired(t, e, c.now),
      clone,
      run: (t) => run(svc, daddr, t, c),
      canon,
    });
  },
};
