// Value simplification (C-Reduce's second kind of pass): a per-field table of simpler values,
// simplest first, that new fields join by adding a line. A candidate changes one value of one
// event, or renames one entity (a service, a destination) in every event that names it.
import type { Event, Scenario } from '../scenario.js';
import type { Candidate, Step } from './remove-steps.js';
import { fieldText } from './refs.js';

/** Simpler values for a field's value (undefined: leave the field out), simplest first. */
export type Simpler = (v: unknown, s: Scenario) => unknown[];

/**
 * Integers simpler than v: the canonical one first, then small ones, then v less each power of two
 * below it (v/2, 3v/4, ..., v-1), so that the smallest one keeping the bug at least halves the
 * distance to the least value that keeps it: a wait of hours reaches its edge in ~log2(v) steps,
 * not one millisecond at a time.
 */
export function simplerInts(v: unknown, canonical: number, min: number): number[] {
  if (typeof v !== 'number' || !Number.isInteger(v)) return [];
  const rank = (x: number) => (x === canonical ? -1 : x);
  const pool = [canonical, ...Array.from({ length: 9 }, (_, i) => i)];
  for (let d = 1; d <= v >> 1; d *= 2) pool.push(v - d, Math.floor(v / (2 * d)));
  return [...new Set(pool)].filter((x) => x >= min && rank(x) < rank(v)).sort((a, b) => rank(a) - rank(b));
}

const ipInt = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const IPV4 = /^\d+\.\d+\.\d+\.\d+$/;
const IPV4_PORT = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/;
const connects = (s: Scenario) => s.events.filter((e) => e.op === 'connect').length;

/** Client ports: 40000 is the first, then up; ports below 40000 rank after all of those. */
const portRank = (p: number) => (p >= 40000 ? p - 40000 : p + 65536);

export const SIMPLER: Record<string, Simpler> = {
  weight: (v) => simplerInts(v, 1, 1),
  upper: (v) => simplerInts(v, 0, 0),
  lower: (v) => simplerInts(v, 0, 0),
  persistent: (v) => [undefined, ...simplerInts(v, 1, 1)],
  netmask: () => [undefined],
  /** One-packet scheduling off, masquerading (the default forwarding): the plain service and server. */
  ops: () => [undefined],
  fwd: () => [undefined],
  flags: (v) => (Array.isArray(v) && v.length ? [undefined, ...(v.length > 1 ? v.map((_, i) => v.filter((__, j) => j !== i)) : [])] : []),
  tcp: (v) => simplerInts(v, 0, 0),
  tcpfin: (v) => simplerInts(v, 0, 0),
  udp: (v) => simplerInts(v, 0, 0),
  ms: (v) => simplerInts(v, 0, 0),
  cport: (v, s) =>
    typeof v === 'number' ? Array.from({ length: connects(s) }, (_, i) => 40000 + i).filter((p) => portRank(p) < portRank(v)) : [],
  client: (v, s) =>
    typeof v === 'string' && IPV4.test(v) ? Array.from({ length: connects(s) }, (_, i) => `10.1.0.${i + 1}`).filter((a) => ipInt(a) < ipInt(v)) : [],
};

function setField(e: Event, k: string, v: unknown): Event {
  const out = { ...e } as Record<string, unknown>;
  if (v === undefined) delete out[k];
  else out[k] = v;
  return out as unknown as Event;
}

/** Every event's every field with a simpler value. */
export const simplifyValues: Step = (s) =>
  s.events.flatMap((e, i) =>
    Object.entries(e).flatMap(([k, v]) =>
      (SIMPLER[k]?.(v, s) ?? []).map((nv) => {
        const events = s.events.slice();
        events[i] = setField(e, k, nv);
        return { scenario: { ...s, events }, label: `event ${i} ${k}: ${JSON.stringify(v)} -> ${nv === undefined ? '(none)' : JSON.stringify(nv)}` };
      }),
    ),
  );

/** Port 80 before any other port, then the lower address: 10.2.0.2:80 is simpler than 10.2.0.1:81. */
/**
 * A value that several events share, simplified in all of them at once: equal values stay equal
 * (two servers of weight 5 become two of weight 1, where either alone would break the tie).
 */
export const simplifyEqualValues: Step = (s) =>
  Object.keys(SIMPLER).flatMap((k) => {
    const where = new Map<string, number[]>();
    s.events.forEach((e, i) => {
      const v = JSON.stringify((e as unknown as Record<string, unknown>)[k]);
      if (k in e) where.set(v, [...(where.get(v) ?? []), i]);
    });
    return [...where].filter(([, is]) => is.length > 1).flatMap(([v, is]) =>
      SIMPLER[k]!(JSON.parse(v), s).map((nv) => {
        const events = s.events.map((e, i) => (is.includes(i) ? setField(e, k, nv) : e));
        return { scenario: { ...s, events }, label: `${k} ${v} -> ${nv === undefined ? '(none)' : JSON.stringify(nv)} in events ${is.join(',')}` };
      }),
    );
  });

/** Weights renumbered 1, 2, 3 ... in their order (0 stays 0): most schedulers only compare them. */
export const rankWeights: Step = (s) => {
  const ws = [...new Set(s.events.flatMap((e) => ('weight' in e && typeof e.weight === 'number' && e.weight > 0 ? [e.weight] : [])))].sort((a, b) => a - b);
  if (ws.every((w, i) => w === i + 1)) return [];
  const rank = new Map(ws.map((w, i) => [w, i + 1]));
  const events = s.events.map((e) => ('weight' in e && typeof e.weight === 'number' && e.weight > 0 ? setField(e, 'weight', rank.get(e.weight)) : e));
  return [{ scenario: { ...s, events }, label: `weights ${ws.join(',')} -> 1..${ws.length}` }];
};

const addrRank = (a: string) => {
  const m = IPV4_PORT.exec(a);
  const port = Number(m?.[2]);
  return m ? (port >= 80 ? port - 80 : 65536 + port) * 2 ** 32 + ipInt(m[1]!) : Infinity;
};

/** Simpler names for an entity: the first addresses and ports of its range. */
const RENAMES: Record<'svc' | 'dest', (n: number) => string[]> = {
  svc: () => ['10.0.0.1:80'],
  dest: (n) => [...Array.from({ length: n }, (_, i) => `10.2.0.${i + 1}:80`), ...Array.from({ length: n }, (_, i) => `10.2.0.1:${81 + i}`)],
};

/** A service or a destination renamed to a simpler free address in every event naming it. */
export const renameEntities: Step = (s) =>
  (['svc', 'dest'] as const).flatMap((k) => {
    const scope = (e: Event) => (k === 'dest' ? fieldText(e, 'svc') : '');
    const names = [...new Set(s.events.flatMap((e) => (fieldText(e, k) ? [`${scope(e)} ${fieldText(e, k)}`] : [])))];
    return names.flatMap((scoped) => {
      const [where, old] = scoped.split(' ') as [string, string];
      // Other families (udp/..., fwm/..., IPv6) keep their kind: no rename crosses families.
      if (!Number.isFinite(addrRank(old))) return [];
      const taken = new Set(names.filter((x) => x.startsWith(`${where} `)).map((x) => x.split(' ')[1]));
      return RENAMES[k](names.length)
        .filter((nv) => !taken.has(nv) && addrRank(nv) < addrRank(old))
        .sort((a, b) => addrRank(a) - addrRank(b))
        .map((nv): Candidate => ({
          scenario: { ...s, events: s.events.map((e) => (fieldText(e, k) === old && scope(e) === where ? setField(e, k, nv) : e)) },
          label: `rename ${k} ${old} -> ${nv}`,
        }));
    });
  });

/** Connections named c1, c2, ... in the order they open (names are labels only). */
export const renumberConnections: Step = (s) => {
  const order = s.events.flatMap((e) => (e.op === 'connect' ? [e.conn] : []));
  const name = new Map(order.map((c, i) => [c, `c${i + 1}`]));
  if (order.every((c) => name.get(c) === c)) return [];
  const events = s.events.map((e) => (fieldText(e, 'conn') !== undefined ? setField(e, 'conn', name.get(fieldText(e, 'conn')!)) : e));
  return [{ scenario: { ...s, events }, label: 'renumber connections c1..' }];
};

/** Destinations named 10.2.0.1:80, 10.2.0.2:80, ... in the order they are first added. */
export const renumberDests: Step = (s) => {
  const order = [...new Set(s.events.flatMap((e) => (e.op === 'dest-add' ? [`${e.svc} ${e.dest}`] : [])))];
  const name = new Map(order.map((d, i) => [d, `10.2.0.${i + 1}:80`]));
  if (!order.every((d) => IPV4_PORT.test(d.split(' ')[1]!)) || order.every((d) => d.endsWith(` ${name.get(d)}`)) || order.length > 254) return [];
  const events = s.events.map((e) => {
    const d = fieldText(e, 'dest');
    return d === undefined ? e : setField(e, 'dest', name.get(`${fieldText(e, 'svc')} ${d}`) ?? d);
  });
  return [{ scenario: { ...s, events }, label: 'renumber destinations 10.2.0.1:80..' }];
};

export const SIMPLIFY_STEPS: readonly Step[] = [simplifyEqualValues, rankWeights, simplifyValues, renameEntities, renumberDests, renumberConnections];
