// IPv4 text <-> host-order u32, and "a.b.c.d:port" keys.
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
