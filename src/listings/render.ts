// ipvsadm 1.31's listings, byte for byte (ipvsadm.c list_all, print_title, print_service_entry,
// list_conn, print_conn; all with -n).
import type { ConnRow, DestRow, Listings, ServiceRow } from '../observation.js';
import { parseServiceKey, protoName } from '../service-key.js';
import { sortByAddrPort, sortServices } from './sort.js';
import { FLAG_NUMBER } from '../registry.js';

/** NVERSION(IP_VS_VERSION_CODE 0x010201) and IP_VS_CONN_TAB_SIZE (CONFIG_IP_VS_TAB_BITS=12). */
export const HEADER = 'IP Virtual Server version 1.2.1 (size=4096)\n';

type Format = 'list' | 'thresholds' | 'persistent';

const SPACES = ' '.repeat(64);
/** printf's %-Ns */
const padEnd = (v: string | number, n: number): string => {
  const s = typeof v === 'string' ? v : String(v);
  return s.length >= n ? s : s + SPACES.slice(0, n - s.length);
};

function title(format: Format): string {
  if (format === 'thresholds') {
    return `${padEnd('Prot LocalAddress:Port', 33)} ${padEnd('Uthreshold', 10)} ${padEnd('Lthreshold', 10)} ${padEnd('ActiveConn', 10)} ${padEnd('InActConn', 10)}\n  -> RemoteAddress:Port\n`;
  }
  if (format === 'persistent') {
    return `${padEnd('Prot LocalAddress:Port', 33)} ${padEnd('Weight', 9)} ${padEnd('PersistConn', 11)} ${padEnd('ActiveConn', 10)} ${padEnd('InActConn', 10)}\n  -> RemoteAddress:Port\n`;
  }
  return 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';
}

/** SCHED1..3 as bits 1, 2, 4 of ipvsadm's flags word, shifted down. */
const FLAG_BIT: Record<string, number> = Object.fromEntries(Object.entries(FLAG_NUMBER).map(([name, n]) => [name, 1 << (n - 1)]));

/** print_sched_flags(): names depend on the scheduler, always in bit order. */
function schedFlags(s: ServiceRow): string {
  let bits = 0;
  for (const f of s.flags) bits |= FLAG_BIT[f] ?? 0;
  const names: string[] = [];
  if (s.scheduler === 'sh' || s.scheduler === 'mh') {
    if (bits & 1) names.push(`${s.scheduler}-fallback`);
    if (bits & 2) names.push(`${s.scheduler}-port`);
  } else {
    if (bits & 1) names.push('flag-1');
    if (bits & 2) names.push('flag-2');
    if (bits & 4) names.push('flag-3');
  }
  return names.join(',');
}

/**
 * print_service_entry()'s svc_name: "FWM  %d" ("FWM  %d IPv6"), or snprintf("%-4s %s", "TCP",
 * vname) cut at 33 (IPv4 only: "[v6]:port" names are never cut).
 */
function serviceName(svc: string): string {
  const k = parseServiceKey(svc);
  if (k.kind === 'fwm') return `FWM  ${k.mark | 0}${k.af === 6 ? ' IPv6' : ''}`;
  if (k.af === 6) return `${padEnd(protoName(k.proto), 4)} [${k.addr}]:${k.port}`;
  return `${padEnd(protoName(k.proto), 4)} ${k.addr}:${k.port}`.slice(0, 33);
}

function serviceLine(s: ServiceRow): string {
  let line = `${serviceName(s.svc)} ${s.scheduler}`;
  const flags = schedFlags(s);
  if (flags) line += ` (${flags})`;
  if (s.persistent !== undefined) {
    line += ` persistent ${s.persistent >>> 0}`;
    // IPv4 "mask %s" unless 255.255.255.255; IPv6 "mask %i" unless 128
    if (s.netmask !== undefined && s.netmask !== '255.255.255.255' && s.netmask !== '128') line += ` mask ${s.netmask}`;
  }
  if (s.ops) line += ' ops';
  return line + '\n';
}

function destLine(d: DestRow, format: Format): string {
  // dname[28] = '\0' for IPv4 only
  const name = padEnd(d.dest.startsWith('[') ? d.dest : d.dest.slice(0, 28), 28);
  if (format === 'thresholds') {
    return `  -> ${name} ${padEnd(d.upper >>> 0, 10)} ${padEnd(d.lower >>> 0, 10)} ${padEnd(d.active >>> 0, 10)} ${padEnd(d.inactive >>> 0, 10)}\n`;
  }
  if (format === 'persistent') {
    return `  -> ${name} ${padEnd(d.weight >>> 0, 9)} ${padEnd(d.persistent >>> 0, 11)} ${padEnd(d.active >>> 0, 10)} ${padEnd(d.inactive >>> 0, 10)}\n`;
  }
  return `  -> ${name} ${padEnd(d.fwd, 7)} ${padEnd(d.weight | 0, 6)} ${padEnd(d.active >>> 0, 10)} ${padEnd(d.inactive >>> 0, 10)}\n`;
}

/** Services and their dests in ipvsadm's order (ipvs_sort_services, ipvs_sort_dests). */
function sorted(table: readonly ServiceRow[]): { s: ServiceRow; dests: DestRow[] }[] {
  return sortServices(table, (s) => s.svc).map((s) => ({ s, dests: sortByAddrPort(s.dests, (d) => d.dest) }));
}

function renderSorted(order: { s: ServiceRow; dests: DestRow[] }[], format: Format): string {
  let out = HEADER + title(format);
  for (const { s, dests } of order) {
    const line = serviceLine(s);
    out += line;
    for (const d of dests) out += destLine(d, format);
  }
  return out;
}

/** `ipvsadm -L -n` (format 'list'), `-L -n --thresholds`, `-L -n --persistent-conn`. */
export function renderServices(table: readonly ServiceRow[], format: Format): string {
  return renderSorted(sorted(table), format);
}

/** A connection row with the seconds its timer has left (shown, never compared). */
export interface ConnEntry {
  row: ConnRow;
  expires: number;
}

/** `ipvsadm -L -n -c`: rows in the given order (the kernel's is its hash table's). */
export function renderConns(conns: readonly ConnEntry[]): string {
  let out = `IPVS connection entries\npro expire ${padEnd('state', 11)} ${padEnd('source', 18)} ${padEnd('virtual', 18)} destination\n`;
  for (const { row, expires } of conns) {
    const exp = `${String(Math.floor(expires / 60)).padStart(2, '0')}:${String(expires % 60).padStart(2, '0')}`;
    out += `${padEnd(row.proto, 3)} ${padEnd(exp, 6)} ${padEnd(row.state, 11)} ${padEnd(row.source, 18)} ${padEnd(row.virtual, 18)} ${row.dest}\n`;
  }
  return out;
}

export function renderListings(table: readonly ServiceRow[], conns: readonly ConnEntry[]): Listings {
  const order = sorted(table);
  return {
    list: renderSorted(order, 'list'),
    thresholds: renderSorted(order, 'thresholds'),
    persistent: renderSorted(order, 'persistent'),
    conns: renderConns(conns),
  };
}
