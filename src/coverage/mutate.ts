// Mutations of a corpus case, as a fast-check arbitrary (so a guided case shrinks like any other):
// more connections to a target the case already uses, closes of them, and edits of destinations the
// case already added. Every mutation only refers back to what the case has at that point, so the
// result is a valid scenario; events of kinds it does not know are kept as they are.
import fc from 'fast-check';
import type { Event, Scenario } from '../scenario.js';

type Mutation =
  | { k: 'connect'; from: number; at: number; clientHost: number; cport: number; close: 'none' | 'fin' | 'rst' }
  | { k: 'edit'; from: number; at: number; weight: number; upper: number; lower: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('connect' as const),
      from: fc.nat(),
      at: fc.nat(),
      clientHost: fc.integer({ min: 1, max: 254 }),
      cport: fc.integer({ min: 1024, max: 65535 }),
      close: fc.constantFrom('none' as const, 'fin' as const, 'rst' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('edit' as const),
      from: fc.nat(),
      at: fc.nat(),
      weight: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 65535 })),
      upper: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) }),
      lower: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) }),
    }),
  },
);

const isTcpTarget = (svc: string) => !/^(udp|fwm|fwm6)\//.test(svc);

/**
 * Whether a connect from `key` (client:port) inserted at `at` would clash: an earlier connection
 * still holds it there, or, left open, it would hold the port a later connect uses.
 */
function portTaken(events: Event[], at: number, key: string, closed: boolean): boolean {
  const open = new Map<string, string>(); // connection -> client:port
  for (const e of events.slice(0, at)) {
    if (e.op === 'connect') open.set(e.conn, `${e.client}:${e.cport}`);
    else if (e.op === 'fin' || e.op === 'rst') open.delete(e.conn);
  }
  if ([...open.values()].includes(key)) return true;
  return !closed && events.slice(at).some((e) => e.op === 'connect' && `${e.client}:${e.cport}` === key);
}

/** Applies one mutation to `events` (a copy is returned); `names` are connection names in use. */
function apply(events: Event[], m: Mutation, names: Set<string>): Event[] {
  const out = [...events];
  if (m.k === 'connect') {
    const conns = out.flatMap((e, i) => (e.op === 'connect' ? [i] : []));
    if (!conns.length) return out;
    const i = conns[m.from % conns.length]!;
    const base = out[i] as Extract<Event, { op: 'connect' }>;
    let n = names.size + 1;
    while (names.has(`g${n}`)) n++;
    const conn = `g${n}`;
    names.add(conn);
    // An IPv4 client moves to another host of its /24; others keep their address and change port.
    const client = /^10\.1\.\d+\.\d+$/.test(base.client) ? base.client.replace(/\.\d+$/, `.${m.clientHost}`) : base.client;
    const at = i + 1 + (m.at % (out.length - i));
    const closed = m.close !== 'none' && isTcpTarget(base.svc);
    if (portTaken(out, at, `${client}:${m.cport}`, closed)) return out; // a case file would refuse it
    const added: Event[] = [{ ...base, conn, client, cport: m.cport }];
    if (closed) added.push({ op: m.close as 'fin' | 'rst', conn });
    out.splice(at, 0, ...added);
    return out;
  }
  const dests = out.flatMap((e, i) => (e.op === 'dest-add' ? [i] : []));
  if (!dests.length) return out;
  const i = dests[m.from % dests.length]!;
  const base = out[i] as Extract<Event, { op: 'dest-add' }>;
  const at = i + 1 + (m.at % (out.length - i));
  out.splice(at, 0, { op: 'dest-edit', svc: base.svc, dest: base.dest, weight: m.weight, upper: m.upper, lower: m.lower });
  return out;
}

/** Scenarios made from `base` by one to six mutations; shrinks towards fewer mutations. */
export function mutationsArb(base: Scenario): fc.Arbitrary<Scenario> {
  return fc.array(mutationArb, { minLength: 1, maxLength: 6 }).map((ms) => {
    const names = new Set(base.events.flatMap((e) => (e.op === 'connect' ? [e.conn] : [])));
    return { ...base, events: ms.reduce((evs, m) => apply(evs, m, names), base.events) };
  });
}
