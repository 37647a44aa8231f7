// Which service a client's packet reaches: ip_vs_service_find() (ip_vs_ctl.c). The packet's
// firewall mark comes from the guest's address plan (service-key.ts markOf).
import { keyText, markOf, parseTarget, type Target } from '../service-key.js';
import { ipInfo } from './addr.js';
import type { ModelService, ModelState } from './state.js';

const FTPPORT = 21;
const FTPDATA = 20;
/** net.ipv4.ip_unprivileged_port_start's default: inet_port_requires_bind_service() below it. */
const PROT_SOCK = 1024;

/** A target parsed once, with what the packet carries. */
export interface ParsedTarget extends Target {
  text: string;
  /** The address as the hashing schedulers see it (IPv6 folded: addr.ts IpInfo.fold). */
  addrNum: number;
  /** The address's id (addr.ts ipInfo). */
  addrId: number;
  mark: number;
}

const cache = new Map<string, ParsedTarget>();

export function target(text: string): ParsedTarget {
  let t = cache.get(text);
  if (!t) {
    const k = parseTarget(text);
    const ip = ipInfo(k.addr);
    t = { ...k, text, addrNum: ip.fold, addrId: ip.id, mark: markOf(k) };
    if (cache.size > 10_000) cache.clear();
    cache.set(text, t);
  }
  return t;
}

const addrKey = (t: ParsedTarget, port: number): string => keyText({ ...t, port });

/** ip_vs_service_find(): fwmark first, then <protocol, addr, port>, the FTP service, port zero. */
export function findService(st: ModelState, t: ParsedTarget): ModelService | undefined {
  if (t.mark) {
    const svc = st.services.get(`${t.af === 6 ? 'fwm6' : 'fwm'}/${t.mark}`);
    if (svc) return svc;
  }
  let svc = st.services.get(t.text);
  if (!svc && t.proto === 'tcp' && st.svcPort21 > 0 && (t.port === FTPDATA || t.port >= PROT_SOCK)) svc = st.services.get(addrKey(t, FTPPORT));
  if (!svc && st.svcPort0 > 0) svc = st.services.get(addrKey(t, 0));
  return svc;
}
