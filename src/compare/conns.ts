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

/** The `-c` listing's expire column (mm:ss) in seconds, by row text without it. */
export function connExpires(text: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const line of text.split('\n')) {
    const t = line.trim().split(/\s+/);
    const m = t.length === 6 ? /^(\d+):(\d\d)$/.exec(t[1]!) : null;
    if (!m) continue;
    const key = `${t[0]} ${t[2]} ${t[3]} ${t[4]} ${t[5]}`;
    let l = out.get(key);
    if (!l) out.set(key, (l = []));
    l.push(Number(m[1]) * 60 + Number(m[2]));
  }
  return out;
}

/**
 * The first row whose expire column is outside what the model allows (the rows themselves are
 * equal already), as [row, expected, got]; undefined when every one fits.
 */
export function expireDifference(kernelText: string, modelText: string, ranges: [number, number][]): [string, string, string] | undefined {
  const allowed = new Map<string, [number, number][]>();
  parseConnRows(modelText).forEach((r, i) => {
    const key = `${r.proto} ${r.state} ${r.source} ${r.virtual} ${r.dest}`;
    const l = allowed.get(key);
    if (l) l.push(ranges[i]!);
    else allowed.set(key, [ranges[i]!]);
  });
  for (const [key, secs] of connExpires(kernelText)) {
    const ranges = [...(allowed.get(key) ?? [])].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const got = [...secs].sort((a, b) => a - b);
    for (let i = 0; i < got.length; i++) {
      const r = ranges[i];
      if (r && got[i]! >= r[0] && got[i]! <= r[1]) continue;
      const exp = r ? (r[0] === r[1] ? `${r[0]} s` : `${r[0]}..${r[1]} s`) : 'no such row';
      return [key, exp, `${got[i]} s`];
    }
  }
  return undefined;
}
