// What the parts of one kernel's run share: its options, its books, the ledger of kernel trouble,
// the case store, and the oracle as each case's steps use it.
import type fc from 'fast-check';
import { InfraError, KernelFinding } from '../errors.js';
import { scenarioArb } from '../generate/scenario-arb.js';
import { makeOracle, type Judged, type Oracle } from '../judge/oracle.js';
import type { Scenario } from '../scenario.js';
import { withInfraRetries } from '../shrink/retry.js';
import { CaseStore } from './case-store.js';
import type { KernelRunOptions } from './engine.js';
import { KernelLedger } from './kernel-ledger.js';
import { CaseBook } from './records.js';

/** Scenarios in a row that meet trouble earlier scenarios left before one runs: then infrastructure. */
const LATE_ATTEMPTS = 3;

export interface RunContext {
  o: KernelRunOptions;
  arb: fc.Arbitrary<Scenario>;
  store: CaseStore;
  book: CaseBook;
  ledger: KernelLedger;
  /** Bug signature -> the file of its shrunk case: a run shrinks each bug once. */
  signatures: Map<string, string>;
  log: (msg: string) => void;
  /**
   * The oracle for case k's scenarios (the case, its confirmations, shrink and reduction
   * candidates): each is tracked as case k's, and trouble an earlier scenario left on the guest
   * goes to the ledger while the scenario runs again on a fresh guest.
   */
  oracleFor(k: number): Oracle;
  /** Case k's scenario judged, infrastructure trouble retried (--infra-retries). */
  judge(k: number, s: Scenario): Promise<Judged>;
}

export function makeContext(o: KernelRunOptions): RunContext {
  const log = o.log ?? (() => {});
  const store = new CaseStore({ ...o, ...(o.maxOps ? { maxOps: o.maxOps } : {}) });
  const book = new CaseBook({ kernel: o.kernel, seed: o.seed, maxInfraStreak: o.maxInfraStreak ?? Math.max(5, 2 * o.jobs), log, ...(o.onCase ? { onCase: o.onCase } : {}), ...(o.onFinding ? { onFinding: o.onFinding } : {}) });
  const ledger = new KernelLedger(o.kernel, store, book, log);
  const oracle = o.oracle ?? makeOracle(o.backend, o.semantics);
  const oracleFor = (k: number): Oracle => async (s) => {
    ledger.track(s, k);
    for (let attempt = 1; ; attempt++) {
      try {
        return await oracle(s);
      } catch (e) {
        if (!(e instanceof KernelFinding) || !ledger.isLate(e, s)) throw e;
        await ledger.add(e);
        if (attempt >= LATE_ATTEMPTS) throw new InfraError('IPVS_CONFORM_TAINTED', `not run: ${attempt} guests in a row showed kernel trouble from earlier cases`);
      }
    }
  };
  const retrying = (e: InfraError, n: number) => log(`[${o.kernel}] infrastructure trouble (attempt ${n}/${o.infraAttempts}), retrying: ${e.message}`);
  return {
    o,
    arb: scenarioArb({ schedulers: o.schedulers, ...(o.maxOps ? { maxOps: o.maxOps } : {}), ...(o.mix ? { mix: o.mix } : {}), ...(o.surface ? { surface: o.surface } : {}) }),
    store,
    book,
    ledger,
    signatures: new Map(),
    log,
    oracleFor,
    judge: (k, s) => withInfraRetries(o.infraAttempts, () => oracleFor(k)(s), retrying),
  };
}
