// Model of net/netfilter/ipvs/ip_vs_twos.c: power of two choices. Two weighted random picks among
// the dests that are not OVERLOAD and have weight > 0 (rweight = get_random_u32_below(total + 1),
// the first dest whose running weight sum reaches it), then the pick with the lower
// overhead / weight, ties to the first pick.
//
// Which dests can come out: both picks can land on the same dest (each eligible dest owns a
// non-empty range of rweight values, [0, w1] for the first, (sum_{i-1}, sum_i] for the others),
// and the pair (d, d) yields d. So every eligible dest is possible, the least loaded or not, and
// nothing else is: the model answers exactly that set, never a guessed pick. (Exact while the
// weights sum below INT_MAX; beyond, the kernel's int arithmetic overflows and the set is a
// superset.) Debian's 6.1 does not build this module; 6.12 does.
import { connOverhead } from '../hash/overhead.js';
import type { DestState, Semantics, SchedulerModel, ServiceState } from '../types.js';

/** The dests the first loop of ip_vs_twos_schedule counts: !OVERLOAD and weight > 0. */
export function twosEligible(svc: ServiceState): DestState[] {
  return svc.destinations.filter((d) => !d.overload && d.weight > 0);
}

/**
 * The kernel's choice for given random values r1, r2 in [0, total_weight], ported literally
 * (int products wrap as in C). Used by tests to check the allowed set against every draw.
 */
export function twosPick(svc: ServiceState, r1: number, r2: number, semantics: Semantics): DestState | null {
  let choice1: DestState | null = null;
  let choice2: DestState | null = null;
  let weight1 = -1;
  let weight2 = -1;
  let overhead1 = 0;
  let overhead2 = 0;
  for (const d of svc.destinations) {
    if (!d.overload && d.weight > 0) choice1 = d;
  }
  if (!choice1) return null;
  let rweight1 = r1 | 0;
  let rweight2 = r2 | 0;
  for (const d of svc.destinations) {
    if (d.overload) continue;
    const weight = d.weight;
    if (weight <= 0) continue;
    rweight1 = (rweight1 - weight) | 0;
    rweight2 = (rweight2 - weight) | 0;
    if (rweight1 <= 0 && weight1 === -1) {
      choice1 = d;
      weight1 = weight;
      overhead1 = connOverhead(d, semantics);
    }
    if (rweight2 <= 0 && weight2 === -1) {
      choice2 = d;
      weight2 = weight;
      overhead2 = connOverhead(d, semantics);
    }
    if (weight1 !== -1 && weight2 !== -1) break;
  }
  // if (choice2 && (weight2 * overhead1) > (weight1 * overhead2)) choice1 = choice2;
  if (choice2 && Math.imul(weight2, overhead1) > Math.imul(weight1, overhead2)) choice1 = choice2;
  return choice1;
}

/**
 * The exact probability of each eligible dest (aligned with twosEligible): r1 and r2 are uniform
 * over 0..total (get_random_u32_below(total + 1)); the first eligible dest owns w+1 of those
 * values, every other one w; the pair (a, b) yields b when weight_b * overhead_a > weight_a *
 * overhead_b, else a. Summed over all pairs, so a biased or always-first pick shows in the counts.
 */
export function twosProbabilities(eligible: DestState[], semantics: Semantics): number[] {
  const k = eligible.length;
  let total = 0;
  for (const d of eligible) total += d.weight;
  const share = eligible.map((d, i) => (i === 0 ? d.weight + 1 : d.weight) / (total + 1));
  const overhead = eligible.map((d) => connOverhead(d, semantics));
  const out = new Array<number>(k).fill(0);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      const wins = Math.imul(eligible[b]!.weight, overhead[a]!) > Math.imul(eligible[a]!.weight, overhead[b]!);
      out[wins ? b : a]! += share[a]! * share[b]!;
    }
  }
  return out;
}

export const twos: SchedulerModel = {
  name: 'twos',
  schedule(svc, _pkt, ctx) {
    const eligible = twosEligible(svc);
    if (eligible.length <= 1) return { kind: 'one', dest: eligible[0] ?? null };
    // No state: nothing to commit.
    return { kind: 'any', dests: eligible, probs: twosProbabilities(eligible, ctx.semantics) };
  },
};
