// ip_vs_dest_conn_overhead() (include/net/ip_vs.h), kernel-version aware, and the (__s64)
// cross-multiplied load comparison the weighted schedulers use.
//
// Local to the HASH schedulers until the model core exports a shared one. The versions, read from
// Debian's changelogs ("ipvs: add totalconns for dest" arrived in 6.1.187 and 6.12.104):
// - '6.1' (pinned 6.1.176): (activeconns << 8) + inactconns;
// - '6.12' (pinned 6.12.107): (activeconns << 8) + totalconns, where totalconns counts the
//   non-template connections, active and inactive (ip_vs_bind_dest), i.e. active + inactive.
import type { DestState, Semantics } from '../types.js';

export function connOverhead(dest: DestState, semantics: Semantics): number {
  const active = dest.activeConns;
  const inact = dest.inactConns;
  // `<< 8` on a C int: wraps like the kernel's would (counts never get near 2^23 in practice).
  const hi = (active << 8) | 0;
  return semantics === '6.1' ? (hi + inact) | 0 : (hi + active + inact) | 0;
}

/**
 * (__s64)a * b > (__s64)c * d, exactly: doubles are exact below 2^53, beyond that use BigInt
 * (int * int always fits in s64, so the kernel's comparison never overflows).
 */
export function mulGt(a: number, b: number, c: number, d: number): boolean {
  const x = a * b;
  const y = c * d;
  if (Math.abs(x) < 2 ** 53 && Math.abs(y) < 2 ** 53) return x > y;
  return BigInt(a) * BigInt(b) > BigInt(c) * BigInt(d);
}
