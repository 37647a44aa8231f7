// The shared shape of ip_vs_wlc.c and ip_vs_sed.c: the first dest without OVERLOAD and with
// weight > 0, then `(__s64)loh * dest->weight > (__s64)doh * least->weight` over the rest
// (which skips OVERLOAD only: weight 0 can never win, 0 > x*w being false for x, w >= 0).
import type { DestState, ServiceState } from '../types.js';

/** (__s64)a * b > (__s64)c * d, exactly. */
export function mulGt(a: number, b: number, c: number, d: number): boolean {
  const x = a * b;
  const y = c * d;
  if (Math.abs(x) <= Number.MAX_SAFE_INTEGER && Math.abs(y) <= Number.MAX_SAFE_INTEGER) return x > y;
  return BigInt(a) * BigInt(b) > BigInt(c) * BigInt(d);
}

export function weightedLeast(svc: ServiceState, overhead: (d: DestState) => number): DestState | null {
  const list = svc.destinations;
  const n = list.length;
  let i = 0;
  let least: DestState | null = null;
  for (; i < n; i++) {
    const dest = list[i]!;
    if (!dest.overload && dest.weight > 0) {
      least = dest;
      break;
    }
  }
  if (!least) return null;
  let loh = overhead(least);
  // nextstage: list_for_each_entry_continue_rcu
  for (i++; i < n; i++) {
    const dest = list[i]!;
    if (dest.overload) continue;
    const doh = overhead(dest);
    if (mulGt(loh, dest.weight, doh, least.weight)) {
      least = dest;
      loh = doh;
    }
  }
  return least;
}
