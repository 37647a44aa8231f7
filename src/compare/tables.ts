// The IPVS table (services, destinations, counters) in a canonical text form, so two tables are
// compared, and shown, the same way whoever produced them. Destinations are sorted by address:
// list order is not observable in a table (it shows in which destination a scheduler picks).
import type { DestRow, ServiceRow } from '../observation.js';

const dash = (v: unknown) => (v === undefined || v === null || v === '' ? '-' : String(v));

function destLine(d: DestRow): string {
  return `  -> ${d.dest} ${d.fwd} w=${d.weight} x=${d.upper} y=${d.lower} active=${d.active} inact=${d.inactive} persist=${d.persistent}`;
}

function serviceLine(s: ServiceRow): string {
  const flags = s.flags.length ? [...s.flags].sort().join(',') : '-';
  // The netmask only means something with persistence; the kernel keeps one either way.
  const persistent = s.persistent !== undefined && s.persistent !== 0;
  return `${s.svc} ${s.scheduler} flags=${flags} p=${persistent ? s.persistent : '-'} M=${persistent ? dash(s.netmask) : '-'}`;
}

/** Canonical text of a table: services by address, destinations by address. */
export function tableText(table: ServiceRow[] | undefined): string {
  if (!table) return '(no table)\n';
  const services = [...table].sort((a, b) => a.svc.localeCompare(b.svc));
  const lines: string[] = [];
  for (const s of services) {
    lines.push(serviceLine(s));
    for (const d of [...s.dests].sort((a, b) => a.dest.localeCompare(b.dest))) lines.push(destLine(d));
  }
  return lines.length ? lines.join('\n') + '\n' : '(empty)\n';
}
