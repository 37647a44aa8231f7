// Reading ipvsadm's listings back into rows, so a comparison can show a structured diff beside
// the text one. Each listing carries part of a DestRow; parseListings() merges the three.
import type { ConnRow, DestRow, Listings, ServiceRow } from '../observation.js';

export class ListingParseError extends Error {
  constructor(what: string, lineNo: number, line: string, expected: string) {
    super(`${what} line ${lineNo}: expected ${expected}, got ${JSON.stringify(line)}`);
    this.name = 'ListingParseError';
  }
}

type Format = 'list' | 'thresholds' | 'persistent';

function parseServiceLine(t: string[], what: string, lineNo: number, line: string): ServiceRow {
  // TCP  10.0.0.1:80 rr (sh-fallback,sh-port) persistent 300 mask 255.255.255.0
  // "TCP  10.0.0.1:80 rr", "UDP  10.0.0.1:53 rr", "FWM  5 rr": the service key's three forms
  if (t.length < 3 || !['TCP', 'UDP', 'FWM'].includes(t[0]!)) throw new ListingParseError(what, lineNo, line, 'a service line "TCP|UDP VIP:PORT SCHED ..." or "FWM MARK [IPv6] SCHED ..."');
  // "FWM  7 IPv6 wlc": an IPv6 fwmark service
  const fwm6 = t[0] === 'FWM' && t[2] === 'IPv6';
  if (fwm6) t.splice(2, 1);
  const svc = t[0] === 'FWM' ? `${fwm6 ? 'fwm6' : 'fwm'}/${t[1]}` : t[0] === 'UDP' ? `udp/${t[1]}` : t[1]!;
  const v6 = fwm6 || svc.includes('[');
  const row: ServiceRow = { svc, scheduler: t[2]!, flags: [], dests: [] };
  for (let i = 3; i < t.length; i++) {
    const w = t[i]!;
    if (w.startsWith('(') && w.endsWith(')')) row.flags = w.slice(1, -1).split(',').filter(Boolean).sort();
    else if (w === 'persistent') {
      row.persistent = Number(t[++i]);
      row.netmask ??= v6 ? '128' : '255.255.255.255';
    } else if (w === 'mask') row.netmask = t[++i]!;
    else if (w === 'pe') i++;
    else if (w === 'ops') row.ops = true;
    else throw new ListingParseError(what, lineNo, line, 'flags, persistent, mask, pe or ops after the scheduler');
  }
  return row;
}

/** One of `-L -n`, `--thresholds`, `--persistent-conn`, with the fields that format does not show as 0. */
export function parseServices(text: string, format: Format): ServiceRow[] {
  const what = `ipvsadm -L -n${format === 'list' ? '' : format === 'thresholds' ? ' --thresholds' : ' --persistent-conn'}`;
  const rows: ServiceRow[] = [];
  const lines = text.split('\n');
  lines.forEach((line, idx) => {
    const lineNo = idx + 1;
    if (line.trim() === '' || line.startsWith('IP Virtual Server') || line.startsWith('Prot ') || line.startsWith('  -> RemoteAddress')) return;
    const t = line.trim().split(/\s+/);
    if (t[0] !== '->') {
      rows.push(parseServiceLine(t, what, lineNo, line));
      return;
    }
    const svc = rows[rows.length - 1];
    if (!svc) throw new ListingParseError(what, lineNo, line, 'a service line before its destinations');
    const n = t.slice(2).map(Number);
    const d: DestRow = { dest: t[1]!, fwd: 'Masq', weight: 0, upper: 0, lower: 0, active: 0, inactive: 0, persistent: 0 };
    if (format === 'list') {
      if (t.length !== 6) throw new ListingParseError(what, lineNo, line, '"-> RIP:PORT Forward Weight ActiveConn InActConn"');
      d.fwd = t[2]!;
      [d.weight, d.active, d.inactive] = [Number(t[3]), Number(t[4]), Number(t[5])];
    } else {
      if (t.length !== 6 || n.some((x) => !Number.isFinite(x))) throw new ListingParseError(what, lineNo, line, '"-> RIP:PORT" and four numbers');
      if (format === 'thresholds') [d.upper, d.lower, d.active, d.inactive] = n as [number, number, number, number];
      else [d.weight, d.persistent, d.active, d.inactive] = n as [number, number, number, number];
    }
    svc.dests.push(d);
  });
  return rows;
}

/** The three service listings merged: weight and forward from -L, thresholds, persistent conns. */
export function parseListings(l: Pick<Listings, 'list' | 'thresholds' | 'persistent'>): ServiceRow[] {
  const rows = parseServices(l.list, 'list');
  const th = parseServices(l.thresholds, 'thresholds');
  const pc = parseServices(l.persistent, 'persistent');
  const find = (set: ServiceRow[], svc: string, dest: string) => set.find((s) => s.svc === svc)?.dests.find((d) => d.dest === dest);
  for (const s of rows) {
    for (const d of s.dests) {
      const a = find(th, s.svc, d.dest);
      if (a) [d.upper, d.lower] = [a.upper, a.lower];
      const b = find(pc, s.svc, d.dest);
      if (b) d.persistent = b.persistent;
    }
  }
  return rows;
}

/** `ipvsadm -L -n -c` rows without the expiry column. */
export function parseConns(text: string): ConnRow[] {
  const rows: ConnRow[] = [];
  text.split('\n').forEach((line, idx) => {
    if (line.trim() === '' || line.startsWith('IPVS connection entries') || line.startsWith('pro expire')) return;
    const t = line.trim().split(/\s+/);
    if (t.length < 6) throw new ListingParseError('ipvsadm -L -n -c', idx + 1, line, '"PRO MM:SS STATE SOURCE VIRTUAL DEST"');
    rows.push({ proto: t[0]!, state: t[2]!, source: t[3]!, virtual: t[4]!, dest: t[5]! });
  });
  return rows;
}
