// `ipvsadm -L -n -c` rows: their order is the connection hash table's, and the expiry column is
// time, so they are compared as a multiset of (proto, state, source, virtual, destination).
import type { ConnRow } from '../observation.js';

/**
 *   IPVS connection entries
 *   pro expire state       source             virtual            destination
 *   TCP 14:59  ESTABLISHED 10.1.0.1:40000     10.0.0.1:80        10.2.0.1:80
 */
export function parseConnRows(text: string): ConnRow[] {
  const rows: ConnRow[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim().split(/\s+/);
    if (t.length !== 6 || t[0] === 'pro' || !/^[\d[]/.test(t[3]!)) continue;
    rows.push({ proto: t[0]!, state: t[2]!, source: t[3]!, virtual: t[4]!, dest: t[5]! });
  }
  return rows;
}

/** The rows as sorted lines, one per connection, without expiry: equal texts mean equal multisets. */
export function connSetText(text: string): string {
  const lines = parseConnRows(text).map((r) => `${r.proto} ${r.state} ${r.source} ${r.virtual} ${r.dest}`);
  lines.sort();
  return lines.length ? lines.join('\n') + '\n' : '(no connections)\n';
}
