// ipvsadm sorts what it lists (libipvs.c ipvs_cmp_services / ipvs_cmp_dests through qsort). The
// comparators subtract u32 addresses into an int, so they wrap (10.0.0.1 vs 200.0.0.1 compares
// "the wrong way"), and with a comparator that is not a total order the result depends on the sort
// algorithm: glibc's qsort is a top-down merge sort (msort.c, msort_with_tmp) for arrays this small,
// reproduced here.
import { ipInfo, parseAnyAddrPort } from '../model/addr.js';
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

/** An address's 32-bit words (one for IPv4, four for IPv6) and its port. */
function splitAddrPort(ap: string): [readonly number[], number] {
  const { info, port } = parseAnyAddrPort(ap);
  return [info.words, port];
}

/** `r = ntohl(a[i]) - ntohl(b[i])` into an int, word by word while equal (the first's family decides how many). */
function cmpWords(a: readonly number[], b: readonly number[]): number {
  let r = 0;
  for (let i = 0; !r && i < a.length; i++) r = (a[i]! - (b[i] ?? 0)) | 0;
  return r;
}

/** Sorts items by an "a.b.c.d:port" or "[v6]:port" key with cmpAddrPort, parsing each key once. */
export function sortByAddrPort<T>(items: readonly T[], key: (item: T) => string): T[] {
  if (items.length <= 1) return items.slice();
  const keyed = items.map((item) => {
    const [a, p] = splitAddrPort(key(item));
    return { a, p, item };
  });
  return glibcMsort(keyed, (x, y) => cmpWords(x.a, y.a) || x.p - y.p).map((k) => k.item);
}

const IPPROTO = { tcp: 6, udp: 17 } as const;
const NO_WORDS: readonly number[] = [];

/**
 * Sorts services as ipvs_cmp_services() orders them: fwmark (u32 difference into an int: address
 * services, fwmark 0, come first), family, protocol (a fwmark service is TCP), address, port.
 */
export function sortServices<T>(items: readonly T[], key: (item: T) => string): T[] {
  if (items.length <= 1) return items.slice();
  const keyed = items.map((item) => {
    const k = parseServiceKey(key(item));
    if (k.kind === 'fwm') return { m: k.mark, af: k.af, p: 6, a: NO_WORDS, port: 0, item };
    return { m: 0, af: k.af, p: IPPROTO[k.proto], a: ipInfo(k.addr).words, port: k.port, item };
  });
  return glibcMsort(keyed, (x, y) => ((x.m - y.m) | 0) || x.af - y.af || x.p - y.p || cmpWords(x.a, y.a) || x.port - y.port).map((k) => k.item);
}

/**
 * ipvs_cmp_dests() / the address part of ipvs_cmp_services() (same fwmark 0, af, protocol):
 * `r = ntohl(a) - ntohl(b)` into an int, then `ntohs(p1) - ntohs(p2)`.
 */
export function cmpAddrPort(a: string, b: string): number {
  const [aa, ap] = splitAddrPort(a);
  const [ba, bp] = splitAddrPort(b);
  return cmpWords(aa, ba) || ap - bp;
}
