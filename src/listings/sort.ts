// ipvsadm sorts what it lists (libipvs.c ipvs_cmp_services / ipvs_cmp_dests through qsort). The
// comparators subtract u32 addresses into an int, so they wrap (10.0.0.1 vs 200.0.0.1 compares
// "the wrong way"), and with a comparator that is not a total order the result depends on the sort
// algorithm: glibc's qsort is a top-down merge sort (msort.c, msort_with_tmp) for arrays this small,
// reproduced here.
import { ipToNum } from '../model/addr.js';
import { parseServiceKey } from '../service-key.js';

/** glibc msort_with_tmp(): n1 = n / 2 first, merge takes from the left while cmp <= 0. */
export function glibcMsort<T>(items: readonly T[], cmp: (a: T, b: T) => number): T[] {
  const n = items.length;
  if (n <= 1) return items.slice();
  const n1 = n >>> 1;
  const left = glibcMsort(items.slice(0, n1), cmp);
  const right = glibcMsort(items.slice(n1), cmp);
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    if (cmp(left[i]!, right[j]!) <= 0) out.push(left[i++]!);
    else out.push(right[j++]!);
  }
  while (i < left.length) out.push(left[i++]!);
  while (j < right.length) out.push(right[j++]!);
  return out;
}

function splitAddrPort(ap: string): [number, number] {
  const i = ap.lastIndexOf(':');
  return [ipToNum(ap.slice(0, i)), Number(ap.slice(i + 1))];
}

/** Sorts items by an "a.b.c.d:port" key with cmpAddrPort, parsing each key once. */
export function sortByAddrPort<T>(items: readonly T[], key: (item: T) => string): T[] {
  if (items.length <= 1) return items.slice();
  const keyed = items.map((item) => {
    const [a, p] = splitAddrPort(key(item));
    return { a, p, item };
  });
  return glibcMsort(keyed, (x, y) => ((x.a - y.a) | 0) || x.p - y.p).map((k) => k.item);
}

const IPPROTO = { tcp: 6, udp: 17 } as const;

/**
 * Sorts services as ipvs_cmp_services() orders them: fwmark (u32 difference into an int: address
 * services, fwmark 0, come first), family, protocol (a fwmark service is TCP), address, port.
 */
export function sortServices<T>(items: readonly T[], key: (item: T) => string): T[] {
  if (items.length <= 1) return items.slice();
  const keyed = items.map((item) => {
    const k = parseServiceKey(key(item));
    if (k.kind === 'fwm') return { m: k.mark, af: k.af, p: 6, a: 0, port: 0, item };
    return { m: 0, af: k.af, p: IPPROTO[k.proto], a: ipToNum(k.addr), port: k.port, item };
  });
  return glibcMsort(keyed, (x, y) => ((x.m - y.m) | 0) || x.af - y.af || x.p - y.p || ((x.a - y.a) | 0) || x.port - y.port).map((k) => k.item);
}

/**
 * ipvs_cmp_dests() / the address part of ipvs_cmp_services() (same fwmark 0, af, protocol):
 * `r = ntohl(a) - ntohl(b)` into an int, then `ntohs(p1) - ntohs(p2)`.
 */
export function cmpAddrPort(a: string, b: string): number {
  const [aa, ap] = splitAddrPort(a);
  const [ba, bp] = splitAddrPort(b);
  const r = (aa - ba) | 0;
  if (r !== 0) return r;
  return ap - bp;
}
