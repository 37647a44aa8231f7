// Honest non-determinism for schedulers whose state may or may not have been changed by a kernel
// timer the case does not control (lblc/lblcr garbage collection): the scheduler keeps every state
// the kernel may be in ("alternatives"), a decision is the union of what each allows, and the
// outcome that actually happened keeps only the alternatives that could have produced it.
import type { Decision, DestState } from '../types.js';

/** One way a schedule can go from one alternative: the dest it returns and the state after. */
export interface Branch<T> {
  dest: DestState | null;
  next: T;
}

function destKey(d: DestState | null): string {
  return d ? `${d.addr}:${d.port}` : '-';
}

/**
 * Run `step` on every alternative and turn the branches into a Decision. `apply` installs the
 * alternatives that remain; `canon` identifies equal states so the list stays small.
 */
export function decide<T>(
  alts: readonly T[],
  step: (alt: T) => Branch<T>[],
  apply: (alts: T[]) => void,
  canon: (alt: T) => string,
): Decision {
  // The usual case: one state, one way: no bookkeeping.
  if (alts.length === 1) {
    const only = step(alts[0]!);
    if (only.length === 1) {
      apply([only[0]!.next]);
      return { kind: 'one', dest: only[0]!.dest };
    }
  }
  const branches = alts.flatMap(step);
  const keep = (bs: Branch<T>[]): void => {
    const seen = new Map<string, T>();
    for (const b of bs) {
      const k = canon(b.next);
      if (!seen.has(k)) seen.set(k, b.next);
    }
    apply([...seen.values()]);
  };
  const outcomes = new Map<string, DestState | null>();
  for (const b of branches) if (!outcomes.has(destKey(b.dest))) outcomes.set(destKey(b.dest), b.dest);
  if (outcomes.size === 1) {
    keep(branches);
    return { kind: 'one', dest: branches[0]!.dest };
  }
  return {
    kind: 'any',
    dests: [...outcomes.values()],
    commit(chosen) {
      const matching = branches.filter((b) => destKey(b.dest) === destKey(chosen));
      // An outcome outside the allowed set is a divergence the comparison reports; carry on from
      // every state rather than invent one.
      keep(matching.length ? matching : branches);
    },
  };
}

/** A cache keyed by destination address, as lblc and lblcr keep one. */
export interface AddrCache<E> {
  entries: Map<number, E>;
  count: number;
}

/**
 * lblc/lblcr's schedule: the entry for `daddr` may or may not have been dropped by the kernel's
 * garbage-collection timer (`mayHaveExpired`); each possibility is a branch. In the usual case,
 * one known state and no timer in doubt, the state is updated in place without copies.
 */
type EntryOf<T> = T extends AddrCache<infer E> ? E : never;

export function scheduleCached<T extends AddrCache<unknown>>(
  holder: { alts: T[] },
  daddr: number,
  ops: {
    mayHaveExpired(t: T, e: EntryOf<T>): boolean;
    clone(t: T): T;
    run(t: T): Branch<T>;
    canon(t: T): string;
  },
): Decision {
  const only = holder.alts.length === 1 ? holder.alts[0]! : null;
  const en = only?.entries.get(daddr);
  if (only && (!en || !ops.mayHaveExpired(only, en as EntryOf<T>))) return { kind: 'one', dest: ops.run(only).dest };
  return decide(
    holder.alts,
    (t) => {
      const e = t.entries.get(daddr);
      if (!e || !ops.mayHaveExpired(t, e as EntryOf<T>)) return [ops.run(ops.clone(t))];
      const gone = ops.clone(t);
      gone.entries.delete(daddr);
      gone.count--;
      return [ops.run(gone), ops.run(ops.clone(t))];
    },
    (alts) => {
      holder.alts = alts;
    },
    ops.canon,
  );
}
