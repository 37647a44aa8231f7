// Model of net/netfilter/ipvs/ip_vs_lblc.c: locality-based least-connection. A cache maps the
// packet's *destination* address (the VIP, for a virtual service) to one dest; the cached dest is
// used while it is available, has weight > 0 and is not "overloaded" by lblc's own heuristic
// (is_overloaded: activeconns > weight while some dest has activeconns * 2 < weight; the OVERLOAD
// flag is not looked at); otherwise a weighted least-connection pick (__ip_vs_lblc_schedule)
// replaces the entry.
//
// Time: an entry is only ever dropped by the periodic timer (ip_vs_lblc_check_expire, every 60 s):
// a full check every 30th run drops entries unused for sysctl lblc_expiration (24 h), and when
// the table counts more than max_size (16384) entries each run drops entries unused for
// ENTRY_TIMEOUT (6 min). When the timer's phase would decide, the model keeps both possibilities.
//
// Versions: 6.1.176 and 6.12.107 (the pinned kernels) have the same ip_vs_lblc.c; later 6.1
// (6.1.192 on this host) also decrements `entries` on replacement and refuses entries beyond
// max_size * 3 / 2 ("ipvs: fix missing counter decrement", "bound LBLCR and LBLC cache growth").
import { scheduleCached, type Branch } from '../hash/alternatives.js';
import { connOverhead, mulGt } from '../hash/overhead.js';
import type { DestState, SchedContext, SchedulerModel, ServiceState } from '../types.js';

/** DEFAULT_EXPIRATION: sysctl net.ipv4.vs.lblc_expiration, which no case changes. */
export const LBLC_EXPIRATION_MS = 24 * 60 * 60 * 1000;
/** ENTRY_TIMEOUT */
export const LBLC_ENTRY_TIMEOUT_MS = 6 * 60 * 1000;
/** tbl->max_size = IP_VS_LBLC_TAB_SIZE * 16 */
export const LBLC_MAX_SIZE = 1024 * 16;

interface Entry {
  /** The dest's address and port (keyOf): the kernel's entry holds the dest struct itself, which
   *  stays in the trash while referenced, so a re-added dest of that address is the same dest. */
  dest: number;
  lastuse: number;
}

/** One state the kernel's table may be in. */
interface Table {
  entries: Map<number, Entry>;
  /** atomic tbl->entries (never decremented on replacement in the pinned kernels). */
  count: number;
}

interface LblcState {
  sched: 'lblc';
  alts: Table[];
}

/** A dest's identity, address and port (as a number: no string per lookup). */
export const keyOf = (d: DestState): number => (d.addrId ?? d.addrNum) * 65536 + d.port;

/** The linked dest of that identity, if any. */
export function linkedOf(svc: ServiceState, key: number): DestState | undefined {
  for (const d of svc.destinations) if (keyOf(d) === key) return d;
  return undefined;
}

function state(svc: ServiceState): LblcState {
  const s = svc.schedData as LblcState | undefined;
  if (s?.sched === 'lblc') return s;
  const fresh: LblcState = { sched: 'lblc', alts: [{ entries: new Map(), count: 0 }] };
  svc.schedData = fresh;
  return fresh;
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
export function lblcLeastLoaded(svc: ServiceState, c: SchedContext): DestState | null {
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

/** Whether the timer may have dropped the entry by now (see the header). */
function mayHaveExpired(t: Table, en: Entry, now: number): boolean {
  const idle = now - en.lastuse;
  return idle >= LBLC_EXPIRATION_MS || (t.count > LBLC_MAX_SIZE && idle >= LBLC_ENTRY_TIMEOUT_MS);
}

/** A copy of a table state, for a branch. */
function clone(t: Table): Table {
  return { entries: new Map([...t.entries].map(([k, e]) => [k, { ...e }])), count: t.count };
}

/** ip_vs_lblc_schedule() on one state of the table, which it updates in place. */
function run(svc: ServiceState, daddr: number, t: Table, c: SchedContext): Branch<Table> {
  const en = t.entries.get(daddr);
  if (en) {
    // en->lastuse = jiffies, then use the cached dest if it is AVAILABLE (linked), has weight > 0
    // and is not overloaded by is_overloaded().
    en.lastuse = c.now;
    const cached = linkedOf(svc, en.dest);
    if (cached && cached.available && cached.weight > 0 && !lblcIsOverloaded(cached, svc)) {
      return { dest: cached, next: t };
    }
  }
  // "no destination available": an entry stays, its lastuse refreshed.
  const dest = lblcLeastLoaded(svc, c);
  if (!dest) return { dest: null, next: t };
  // ip_vs_lblc_new(): keep the entry if it already names this dest, else replace it (a new entry
  // counts in tbl->entries; the replaced one is not subtracted in the pinned kernels).
  if (en?.dest !== keyOf(dest)) {
    t.entries.set(daddr, { dest: keyOf(dest), lastuse: c.now });
    t.count++;
  }
  return { dest, next: t };
}

function canon(t: Table): string {
  return `${t.count}|${[...t.entries].map(([k, e]) => `${k}=${e.dest}@${e.lastuse}`).join(',')}`;
}

export const lblc: SchedulerModel = {
  name: 'lblc',
  initService(svc) {
    svc.schedData = { sched: 'lblc', alts: [{ entries: new Map(), count: 0 }] } satisfies LblcState;
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
