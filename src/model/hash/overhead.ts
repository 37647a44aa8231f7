// ip_vs_dest_conn_overhead() for the HASH schedulers, from the model core's per-kernel rules
// (src/model/semantics.ts: 6.1.176 `(active << 8) + inact`, 6.12.107 `(active << 8) + total`),
// and the (__s64) cross-multiplied load comparison the weighted schedulers use.
import { connOverhead as coreOverhead, rulesFor } from '../semantics.js';
import type { DestState, Semantics } from '../types.js';

type Accounting = ReturnType<typeof rulesFor>['accounting'];

// Looked up once: this runs for every dest on every weighted pick.
const overheadOf = coreOverhead;
const ACCOUNTING = new Map<Semantics, Accounting>();

export function connOverhead(dest: DestState, semantics: Semantics): number {
  let acc = ACCOUNTING.get(semantics);
  if (acc === undefined) {
    acc = rulesFor(semantics).accounting;
    ACCOUNTING.set(semantics, acc);
  }
  return overheadOf(dest.activeConns, dest.inactConns, acc);
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
