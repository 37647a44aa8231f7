// Coverage-guided generation (run --guided), the way coverage-guided fuzzers work: each generator
// arm (one per scheduler) is drawn in proportion to the new code its recent cases reached, and a
// share of the cases are mutations of corpus cases (cases that reached new code). Every case is
// still a fast-check draw (an arm's arbitrary or a corpus mutation, with the case's seed), so a
// divergence shrinks as usual, and the saved case replays from its file. What is drawn depends on
// the coverage earlier cases reached, so a guided run is not reproducible from its seed: plain
// runs (no --guided) are.
import fc from 'fast-check';
import { caseSeed, DRAW } from '../generate/case-seed.js';
import { scenarioArb } from '../generate/scenario-arb.js';
import type { CaseGuide } from '../run/engine.js';
import type { CaseRecord } from '../run/records.js';
import { seededRandom } from '../random.js';
import type { Scenario } from '../scenario.js';
import type { Corpus } from './corpus.js';
import { mutationsArb } from './mutate.js';
import type { CoverageRun } from './run.js';

/** Share of the cases drawn as corpus mutations once the corpus has an entry. */
export const CORPUS_SHARE = 0.3;
/** An arm's score starts here (every arm is tried early) and follows new arcs per case (EMA). */
const START_SCORE = 20;
const EMA = 0.3;

interface Arm {
  name: string;
  arb: fc.Arbitrary<Scenario>;
  score: number;
  /** Cases drawn from the arm, and those whose coverage came back. */
  drawn: number;
  cases: number;
  arcs: number;
}

function pick<T>(items: T[], weight: (t: T) => number, r: number): T {
  const total = items.reduce((s, t) => s + weight(t), 0);
  let x = r * total;
  for (const t of items) if ((x -= weight(t)) < 0) return t;
  return items[items.length - 1]!;
}

export class CoverageGuide implements CaseGuide {
  private readonly arms: Arm[];
  private readonly corpusArm: Arm = { name: 'corpus', arb: fc.constant({ version: 1, events: [] }), score: START_SCORE, drawn: 0, cases: 0, arcs: 0 };
  private readonly drawn = new Map<number, { scenario: Scenario; arb: fc.Arbitrary<Scenario>; seed: number; label: string; arm: Arm }>();

  constructor(private readonly o: { seed: number; schedulers: string[]; maxOps?: number; coverage: CoverageRun; corpus: Corpus }) {
    this.arms = o.schedulers.map((s) => ({ name: s, arb: scenarioArb({ schedulers: [s], ...(o.maxOps ? { maxOps: o.maxOps } : {}) }), score: START_SCORE, drawn: 0, cases: 0, arcs: 0 }));
  }

  draw(k: number): { scenario: Scenario; arb: fc.Arbitrary<Scenario>; seed: number; label: string } {
    const known = this.drawn.get(k);
    if (known) return known; // a case run again (infrastructure retry) is the same case
    const seed = caseSeed(this.o.seed, k);
    const r = seededRandom(seed ^ 0x5eed);
    const corpus = this.o.corpus.entries;
    let arm: Arm;
    let arb: fc.Arbitrary<Scenario>;
    // Every arm once first (a scheduler never drawn is code never tried), then by score.
    const untried = this.arms.filter((a) => !a.drawn);
    if (untried.length) {
      arm = pick(untried, () => 1, r());
      arb = arm.arb;
    } else if (corpus.length && r() < CORPUS_SHARE) {
      arm = this.corpusArm;
      arb = mutationsArb(pick(corpus, (e) => 1 + Math.log2(1 + e.freshArcs), r()).scenario);
    } else {
      arm = pick(this.arms, (a) => 1 + a.score, r());
      arb = arm.arb;
    }
    arm.drawn++;
    const [scenario] = fc.sample(arb, { ...DRAW, seed });
    const d = { scenario: scenario!, arb, seed, label: arm === this.corpusArm ? 'corpus mutation' : `arm ${arm.name}`, arm };
    this.drawn.set(k, d);
    return d;
  }

  /** After case k ran: the arm's score follows the new arcs, and a case with new arcs joins the corpus. */
  async done(r: CaseRecord): Promise<void> {
    const d = this.drawn.get(r.index);
    if (!d) return;
    this.drawn.delete(r.index);
    const fresh = this.o.coverage.freshArcKeys(d.scenario);
    d.arm.cases++;
    d.arm.arcs += fresh.length;
    d.arm.score = (1 - EMA) * d.arm.score + EMA * fresh.length;
    await this.o.corpus.offer(d.scenario, { arm: d.arm.name, scheduler: r.scheduler }, fresh);
  }

  /** One line per arm: cases drawn and arcs they reached first. */
  summary(): string {
    const arms = [...this.arms, this.corpusArm].filter((a) => a.cases);
    return `guided: ${arms.map((a) => `${a.name} ${a.cases} cases/${a.arcs} new arcs`).join(', ')}; corpus ${this.o.corpus.entries.length} cases, ${this.o.corpus.arcs} arcs`;
  }
}
