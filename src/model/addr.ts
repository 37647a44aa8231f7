// IPv4 text <-> host-order u32, and "a.b.c.d:port" keys.
export function ipToNum(ip: string): number {
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

export function numToIp(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
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
