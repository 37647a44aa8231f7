// twos judged by its law: besides membership (every pick among the allowed ones), the kernel's
// picks of a service are checked against the exact distribution the algorithm implies at each
// draw (model/schedulers/twos.ts twosProbabilities). Draws are not identically distributed (the
// probabilities follow the load), so the statistic is the generalised Pearson one for a sum of
// independent-given-the-past categorical draws: D = Σ (x_t - p_t), V = Σ (diag p_t - p_t p_tᵀ),
// Q = Dᵀ V⁺ D, which is χ² with rank(V) degrees of freedom in the limit (a martingale central
// limit). With few draws that limit is poor in the tails, so its p-value comes from simulation
// (law-judge.ts), exact at any size. A service is judged once it has LAW_MIN_DRAWS draws.
import cdf from '@stdlib/stats-base-dists-chisquare-cdf';
import { EVD, Matrix } from 'ml-matrix';
import { LAW_MIN_DRAWS } from '../generate/kinds.js';

/** A service's picks fail the law when their p is at most this: the false-alarm rate per service. */
export const LAW_ALPHA = 1e-3;

export interface LawDraw {
  /** The service that drew. */
  group: string;
  allowed: (string | null)[];
  probs: number[];
  /** What the kernel picked (one of allowed: membership is checked before). */
  got: string | null;
}

export interface LawResult {
  group: string;
  draws: number;
  df: number;
  statistic: number;
  p: number;
  /** Per outcome: how often the kernel picked it, and how often the law expects (Σ p_t). */
  counts: { outcome: string; observed: number; expected: number }[];
}

const label = (k: string | null) => k ?? 'none';

/** The law test of one service's draws. */
export function lawOf(group: string, draws: LawDraw[]): LawResult {
  const index = new Map<string, number>();
  for (const d of draws) for (const a of d.allowed) if (!index.has(label(a))) index.set(label(a), index.size);
  const k = index.size;
  const diff = new Array<number>(k).fill(0);
  const expected = new Array<number>(k).fill(0);
  const observed = new Array<number>(k).fill(0);
  const v = Matrix.zeros(k, k);
  for (const d of draws) {
    const ids = d.allowed.map((a) => index.get(label(a))!);
    d.probs.forEach((p, i) => {
      diff[ids[i]!]! -= p;
      expected[ids[i]!]! += p;
      v.set(ids[i]!, ids[i]!, v.get(ids[i]!, ids[i]!) + p);
      d.probs.forEach((q, j) => v.set(ids[i]!, ids[j]!, v.get(ids[i]!, ids[j]!) - p * q));
    });
    const got = index.get(label(d.got))!;
    diff[got]! += 1;
    observed[got]! += 1;
  }
  const { statistic, df } = mahalanobis(v, diff);
  const counts = [...index.keys()].map((outcome, i) => ({ outcome, observed: observed[i]!, expected: expected[i]! }));
  return { group, draws: draws.length, df, statistic, p: df > 0 ? 1 - cdf(statistic, df) : 1, counts };
}

/** Dᵀ V⁺ D over V's eigenvectors with eigenvalues clear of rounding, and how many there are. */
function mahalanobis(v: Matrix, d: number[]): { statistic: number; df: number } {
  const evd = new EVD(v, { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  const vectors = evd.eigenvectorMatrix;
  const tol = 1e-9 * Math.max(1, ...values.map(Math.abs));
  let statistic = 0;
  let df = 0;
  values.forEach((lambda, i) => {
    if (lambda <= tol) return;
    let proj = 0;
    for (let r = 0; r < d.length; r++) proj += vectors.get(r, i) * d[r]!;
    statistic += (proj * proj) / lambda;
    df++;
  });
  return { statistic, df };
}

/** The services with enough draws, each judged; the failing ones have p < LAW_ALPHA. */
export function lawTests(draws: LawDraw[], minDraws = LAW_MIN_DRAWS): LawResult[] {
  const groups = new Map<string, LawDraw[]>();
  for (const d of draws) (groups.get(d.group) ?? groups.set(d.group, []).get(d.group)!).push(d);
  return [...groups].filter(([, ds]) => ds.length >= minDraws).map(([g, ds]) => lawOf(g, ds));
}

/** A readable account of one service's test, for the divergence's diff. */
export function lawText(r: LawResult): string {
  const rows = r.counts.map((c) => `  ${c.outcome.padEnd(28)} ${String(c.observed).padStart(5)} ${c.expected.toFixed(1).padStart(9)}`);
  return [
    `twos's picks of ${r.group} against its law: ${r.draws} draws, χ² = ${r.statistic.toFixed(1)} with ${r.df} degrees of freedom (its χ² tail: ${r.p.toExponential(1)})`,
    `  ${'outcome'.padEnd(28)} ${'kernel'.padStart(5)} ${'law (Σp)'.padStart(9)}`,
    ...rows,
  ].join('\n');
}
