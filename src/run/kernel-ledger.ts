// The ledger of kernel trouble: every KernelFinding a run meets goes through add(), whatever step
// it surfaces in (a case, its confirmation, a shrink or reduction candidate, the re-run of the
// shrunk case, the backend's drain at the end). Each is saved once, with the case it belongs to:
// the scenario it was printed after (KernelFinding.after) or else the one that met it, and that
// scenario's case as tracked; the case's record then counts it (exit 4).
import path from 'node:path';
import type { KernelFinding } from '../errors.js';
import type { Scenario } from '../scenario.js';
import type { CaseStore } from './case-store.js';
import type { CaseBook, SavedFinding } from './records.js';

const LATE_NOTE = 'printed after this case had finished (asynchronous kernel work such as its namespace clean-up), before the next case on the same guest';

export class KernelLedger {
  private readonly caseOf = new WeakMap<Scenario, number>();
  private readonly saved = new WeakMap<KernelFinding, SavedFinding>();

  constructor(
    private readonly kernel: string,
    private readonly store: CaseStore,
    private readonly book: CaseBook,
    private readonly log: (msg: string) => void,
  ) {}

  /** `s` runs for case k: the case itself, a confirmation, a shrink or reduction candidate. */
  track(s: Scenario, k: number): void {
    this.caseOf.set(s, k);
  }

  /** Trouble an earlier scenario left on the guest: the scenario that met it never ran. */
  isLate(e: KernelFinding, ran: Scenario): boolean {
    return e.after !== undefined && e.after !== ran;
  }

  /** Saves `e` once, with its case; `ran` is the scenario that met it (absent: the backend's drain). */
  async add(e: KernelFinding, ran?: Scenario): Promise<SavedFinding> {
    const known = this.saved.get(e);
    if (known) return known;
    const scenario = e.after ?? ran;
    const k = scenario ? this.caseOf.get(scenario) : undefined;
    const late = e.after !== undefined && e.after !== ran;
    const { file, scheduler } = await this.store.saveKernel(k, scenario, e, late ? LATE_NOTE : undefined);
    const events = scenario?.events.length ?? 0;
    const f: SavedFinding = {
      file,
      kernel: this.kernel,
      scheduler,
      kind: 'kernel',
      ...(k !== undefined ? { caseIndex: k } : {}),
      originalEvents: events,
      minimalEvents: events,
      line: e.message,
    };
    this.saved.set(e, f);
    this.book.addFinding(f);
    const where = k === undefined ? 'with no case of this run to pin it to' : `${late ? 'after' : 'in'} case ${k}`;
    this.log(`[${this.kernel}] KERNEL FINDING ${where} (${scheduler}): ${e.message}; saved ${path.relative(process.cwd(), file)}`);
    if (k !== undefined) this.book.markKernel(k, e.message, file);
    return f;
  }
}
