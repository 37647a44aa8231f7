// IPv4 text <-> host-order u32, and "a.b.c.d:port" keys; IPv6 addresses as ids (IpInfo).
import ipaddr from 'ipaddr.js';
import { canonicalIpv6 } from '../service-key.js';
const cache = new Map<string, number>();

/** Dotted quad to host-order u32 (memoised: scenarios repeat a few hundred addresses). */
export function ipToNum(ip: string): number {
  const hit = cache.get(ip);
  if (hit !== undefined) return hit;
  const n = parseIp(ip);
  if (cache.size > 100_000) cache.clear();
  cache.set(ip, n);
  return n;
}

function parseIp(ip: string): number {
  const p = ip.split('.');
  if (p.length !== 4) throw new Error(`bad IPv4 address ${JSON.stringify(ip)}`);
  let n = 0;
  for (const s of p) {
    const v = Number(s);
    if (!/^\d{1,3}$/.test(s) || v > 255) throw new Error(`bad IPv4 address ${JSON.stringify(ip)}`);
    n = n * 256 + v;
  }
  return n >>> 0;
}

const textCache = new Map<number, string>();

/** Host-order u32 to dotted quad (memoised, like ipToNum). */
export function numToIp(n: number): string {
  const hit = textCache.get(n);
  if (hit !== undefined) return hit;
  const s = `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  if (textCache.size > 100_000) textCache.clear();
  textCache.set(n, s);
  return s;
}

export function parseAddrPort(ap: string): { addr: string; addrNum: number; port: number } {
  const i = ap.lastIndexOf(':');
  if (i < 0) throw new Error(`bad address:port ${JSON.stringify(ap)}`);
  const addr = ap.slice(0, i);
  const port = Number(ap.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad port in ${JSON.stringify(ap)}`);
  return { addr: numToIp(ipToNum(addr)), addrNum: ipToNum(addr), port };
}

export const addrPort = (addrNum: number, port: number): string => `${numToIp(addrNum)}:${port}`;

/**
 * An address of either family as the model works with it: `fold` is the u32 the kernel's hashing
 * schedulers reduce it to (IPv6: the XOR of its four 32-bit words, ip_vs_sh.c / ip_vs_dh.c /
 * ip_vs_lblc.c / ip_vs_lblcr.c / ip_vs_mh.c), `id` a number unique to the address (IPv4: the
 * address itself; IPv6: 2^32 and up), `words` its 32-bit words in network order (sorting).
 */
export interface IpInfo {
  af: 4 | 6;
  /** Canonical text, as inet_ntop prints it. */
  text: string;
  words: readonly number[];
  fold: number;
  id: number;
}

const infoByText = new Map<string, IpInfo>();
/** IPv6 addresses by canonical text and by id - 2^32: interned for good, so an id stays its address's. */
const v6ByText = new Map<string, IpInfo>();
const v6ById: IpInfo[] = [];
const V6_BASE = 2 ** 32;

function v6Words(text: string): number[] {
  const parts = ipaddr.IPv6.parse(text).parts;
  return [0, 2, 4, 6].map((i) => ((parts[i]! << 16) | parts[i + 1]!) >>> 0);
}

function internV6(text: string): IpInfo {
  const canon = canonicalIpv6(text);
  if (canon === undefined) throw new Error(`bad IPv6 address ${JSON.stringify(text)}`);
  let info = v6ByText.get(canon);
  if (!info) {
    const words = v6Words(canon);
    info = { af: 6, text: canon, words, fold: (words[0]! ^ words[1]! ^ words[2]! ^ words[3]!) >>> 0, id: V6_BASE + v6ById.length };
    v6ById.push(info);
    v6ByText.set(canon, info);
  }
  return info;
}

/** The address's info (memoised). Throws on text that is no address. */
export function ipInfo(text: string): IpInfo {
  let info = infoByText.get(text);
  if (info) return info;
  if (text.includes(':')) info = internV6(text);
  else {
    const n = ipToNum(text);
    info = { af: 4, text: numToIp(n), words: [n], fold: n, id: n };
  }
  if (infoByText.size > 100_000) infoByText.clear();
  infoByText.set(text, info);
  return info;
}

/** The info of an id from ipInfo (IPv4 ids are the addresses themselves). */
export function idInfo(id: number): IpInfo {
  return id < V6_BASE ? ipInfo(numToIp(id)) : v6ById[id - V6_BASE]!;
}

/** "a.b.c.d:port" or "[v6]:port" of an address id. */
export function idAddrPort(id: number, port: number): string {
  return id < V6_BASE ? `${numToIp(id)}:${port}` : `[${v6ById[id - V6_BASE]!.text}]:${port}`;
}

/** The first `plen` bits of an IPv6 address (ipv6_addr_prefix), as an address id. */
export function v6PrefixId(id: number, plen: number): number {
  const words = idInfo(id).words.map((w, i) => {
    const bits = Math.max(0, Math.min(32, plen - 32 * i));
    return bits === 0 ? 0 : bits === 32 ? w : (w & (0xffffffff << (32 - bits))) >>> 0;
  });
  const hex = words.flatMap((w) => [(w >>> 16).toString(16), (w & 0xffff).toString(16)]).join(':');
  return ipInfo(hex).id;
}

/** An address and port "a.b.c.d:p" or "[v6]:p", parsed. */
export function parseAnyAddrPort(ap: string): { info: IpInfo; port: number } {
  const i = ap.lastIndexOf(':');
  const addr = ap.startsWith('[') && ap[i - 1] === ']' ? ap.slice(1, i - 1) : ap.slice(0, i);
  const port = Number(ap.slice(i + 1));
  if (i < 0 || !/^\d+$/.test(ap.slice(i + 1)) || port > 65535) throw new Error(`bad address:port ${JSON.stringify(ap)}`);
  return { info: ipInfo(addr), port };
}
