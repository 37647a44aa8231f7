// Service keys and connection targets as text (the reach contract): the one place that parses
// and prints them. A service key names an IPVS virtual service the way ipvsadm's -t/-u/-f do:
//   10.0.0.1:80   TCP        udp/10.0.0.1:53   UDP        fwm/5   fwmark 5
// (IPv6: [2001:db8::1]:80, udp/[2001:db8::1]:53, fwm6/5). A target is where a client's packets
// go: the same syntax without fwm. Packets to 10.0.M.x (M = 1..255) carry mark M (the guest's
// director marks them before IPVS), so fwm/M receives them when it exists.

import ipaddr from 'ipaddr.js';

export type Proto = 'tcp' | 'udp';
export type Family = 4 | 6;

/** A service named by protocol, address and port (ipvsadm -t / -u). Also every connect target. */
export interface AddrKey {
  kind: 'addr';
  proto: Proto;
  af: Family;
  /** Canonical address text: a dotted quad (IPv4), or IPv6 as inet_ntop prints it (RFC 5952, no brackets). */
  addr: string;
  port: number;
}

/** A firewall-mark service (ipvsadm -f MARK [-6]). */
export interface FwmKey {
  kind: 'fwm';
  af: Family;
  /** 1..2^32-1 (0 means "not a fwmark service" to the kernel). */
  mark: number;
}

export type ServiceKey = AddrKey | FwmKey;
export type Target = AddrKey;

/** The text does not parse; `expected` says what would. */
export class KeyError extends Error {
  override readonly name = 'KeyError';
  constructor(readonly expected: string) {
    super(`expected ${expected}`);
  }
}

export const SERVICE_KEY_SYNTAX = 'a service key like 10.0.0.1:80, udp/10.0.0.1:53, fwm/5, [2001:db8::1]:80 or fwm6/5';
export const TARGET_SYNTAX = 'a target like 10.0.0.1:80, udp/10.0.5.7:53 or [2001:db8::1]:80';

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);
const DECIMAL = /^(0|[1-9]\d*)$/;

export const isIpv4 = (s: string): boolean => IPV4.test(s);

/** Hexadecimal groups and colons only: no zone (%eth0), no embedded dotted quad (glibc prints those its own way). */
const IPV6_CHARS = /^[0-9A-Fa-f:]+$/;

/**
 * An IPv6 address in the text inet_ntop() gives (RFC 5952: lowercase, leading zeros dropped, the
 * first longest run of two or more zero groups as ::), or undefined when the text is not one.
 */
export function canonicalIpv6(text: string): string | undefined {
  if (!IPV6_CHARS.test(text) || !ipaddr.IPv6.isValid(text)) return undefined;
  return ipaddr.IPv6.parse(text).toRFC5952String();
}

/** X when the IPv6 address lies in 2001:db8:X::/48 (the address plan's roles, scenario.ts NET6). */
export function v6Role(text: string): number | undefined {
  if (canonicalIpv6(text) === undefined) return undefined;
  const g = ipaddr.IPv6.parse(text).parts;
  return g[0] === 0x2001 && g[1] === 0xdb8 ? g[2] : undefined;
}

/** The address's family and canonical text, either family; undefined when it is neither. */
export function canonicalIp(text: string): { af: Family; text: string } | undefined {
  if (isIpv4(text)) return { af: 4, text };
  const v6 = canonicalIpv6(text);
  return v6 === undefined ? undefined : { af: 6, text: v6 };
}

/** The address part of a key in family af (brackets already off), canonical. */
function parseAddr(af: Family, text: string): string {
  if (af === 4 && isIpv4(text)) return text;
  const v6 = af === 6 ? canonicalIpv6(text) : undefined;
  if (v6 !== undefined) return v6;
  throw new KeyError(af === 6 ? 'an IPv6 address in brackets, like [2001:db8::1]:80' : 'a dotted-quad IPv4 address');
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!DECIMAL.test(text) || port > 65535) throw new KeyError('a port 0..65535');
  return port;
}

/** "10.0.0.1:80" or "[2001:db8::1]:80" without the protocol prefix. */
function parseAddrPort(proto: Proto, text: string): AddrKey {
  if (text.startsWith('[')) {
    const close = text.indexOf(']:');
    if (close < 0) throw new KeyError('[IPV6]:PORT');
    return { kind: 'addr', proto, af: 6, addr: parseAddr(6, text.slice(1, close)), port: parsePort(text.slice(close + 2)) };
  }
  const i = text.lastIndexOf(':');
  if (i < 0) throw new KeyError('ADDRESS:PORT');
  return { kind: 'addr', proto, af: 4, addr: parseAddr(4, text.slice(0, i)), port: parsePort(text.slice(i + 1)) };
}

function parseMark(text: string): number {
  const mark = Number(text);
  if (!DECIMAL.test(text) || mark < 1 || mark > 0xffffffff) throw new KeyError('a firewall mark 1..4294967295');
  return mark;
}

/** Parses a service key; throws KeyError. */
export function parseServiceKey(text: string): ServiceKey {
  if (typeof text !== 'string') throw new KeyError(SERVICE_KEY_SYNTAX);
  if (text.startsWith('fwm/')) return { kind: 'fwm', af: 4, mark: parseMark(text.slice(4)) };
  if (text.startsWith('fwm6/')) return { kind: 'fwm', af: 6, mark: parseMark(text.slice(5)) };
  return parseTarget(text);
}

/** Parses a target (a service key without fwm); throws KeyError. */
export function parseTarget(text: string): Target {
  if (typeof text !== 'string') throw new KeyError(TARGET_SYNTAX);
  if (text.startsWith('udp/')) return parseAddrPort('udp', text.slice(4));
  if (/^[a-z0-9]+\//.test(text)) throw new KeyError(`${TARGET_SYNTAX} (protocol prefix udp/ or none for TCP)`);
  return parseAddrPort('tcp', text);
}

/** The canonical text of a key: parseServiceKey(keyText(k)) equals k. */
export function keyText(k: ServiceKey): string {
  if (k.kind === 'fwm') return `${k.af === 6 ? 'fwm6' : 'fwm'}/${k.mark}`;
  const ap = k.af === 6 ? `[${k.addr}]:${k.port}` : `${k.addr}:${k.port}`;
  return k.proto === 'udp' ? `udp/${ap}` : ap;
}

/** The key, or undefined when the text is not one. */
export function tryServiceKey(text: unknown): ServiceKey | undefined {
  try {
    return typeof text === 'string' ? parseServiceKey(text) : undefined;
  } catch (e) {
    if (e instanceof KeyError) return undefined;
    throw e;
  }
}

/** "ADDR:PORT" of an address key (ipvsadm's -n form without the protocol). */
export const addrPortText = (k: AddrKey): string => (k.af === 6 ? `[${k.addr}]:${k.port}` : `${k.addr}:${k.port}`);

/** ipvsadm's protocol column and /proc/net/ip_vs_conn's first field. */
export const protoName = (p: Proto): 'TCP' | 'UDP' => (p === 'udp' ? 'UDP' : 'TCP');

/**
 * The mark the guest's director gives packets to this target (the address plan): M for
 * 10.0.M.x and for 2001:db8:0:M::/64, with M = 1..255, else 0 (unmarked).
 */
export function markOf(t: Target): number {
  if (t.af === 6) {
    const g = ipaddr.IPv6.parse(t.addr).parts;
    return g[0] === 0x2001 && g[1] === 0xdb8 && g[2] === 0 && g[3]! >= 1 && g[3]! <= 255 ? g[3]! : 0;
  }
  const m = /^10\.0\.(\d+)\.\d+$/.exec(t.addr);
  return m ? Number(m[1]) : 0;
}
