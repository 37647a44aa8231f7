// The run's case files: the one place that names them and writes them. A name says the kernel,
// the scheduler, what was found, the run seed and the case index (`6.1-hprio-dest-seed7-case4`);
// kernel trouble no case of the run can be named for is `...-kernel-seed7-unattributed-1`, never
// a case index it does not have. Every file ends with the one line that replays it.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { CASE_FORMAT, replayCommand, saveCase, type CaseFile } from '../casefile/casefile.js';
import type { Divergence } from '../compare/verdict.js';
import type { KernelFinding } from '../errors.js';
import { caseSeed } from '../generate/case-seed.js';
import { scenarioScheduler } from '../generate/scenario-arb.js';
import type { Judged } from '../judge/oracle.js';
import type { Semantics } from '../model/types.js';
import type { Scenario } from '../scenario.js';

export interface StoreOptions {
  casesDir: string;
  kernel: string;
  release: string;
  semantics: Semantics;
  backendName: string;
  seed: number;
  schedulers: string[];
  maxOps?: number;
}

const slug = (s: string) => s.replace(/[^A-Za-z0-9.+-]+/g, '_');

export class CaseStore {
  /** Case k was drawn by coverage-guided generation: what drew it (generator.guided). */
  readonly guided = new Map<number, string>();
  private readonly kernelNames = new Set<string>();
  private unattributed = 0;

  constructor(private readonly o: StoreOptions) {}

  async open(): Promise<void> {
    await mkdir(this.o.casesDir, { recursive: true });
  }

  /** Where case k's divergence is saved (unshrunk first, then shrunk, under the same name). */
  divergencePath(k: number, scheduler: string, what: string): string {
    return path.join(this.o.casesDir, `${slug(this.o.kernel)}-${scheduler}-${what}-seed${this.o.seed}-case${k}.yaml`);
  }

  /** `fcPath`: fast-check's path to this scenario from the case seed, when it has one. */
  async saveDivergence(file: string, k: number, scenario: Scenario, j: Judged & { verdict: Divergence }, extra: Pick<CaseFile, 'scheduler' | 'shrink'>, fcPath?: string): Promise<void> {
    const c = this.divergenceCase(k, scenario, j, extra);
    if (fcPath) c.generator!.path = fcPath;
    await this.write(file, c);
  }

  /** Where case k's flaky divergence (seen once, not on its re-run) keeps its first run. */
  flakyPath(k: number, scheduler: string): string {
    return path.join(this.o.casesDir, `${slug(this.o.kernel)}-${scheduler}-flaky-seed${this.o.seed}-case${k}.yaml`);
  }

  /**
   * A divergence that did not repeat: its first run (the event, what differed, the observations
   * the guest and the model returned), so what made it can be read after the run. `note` says it
   * did not repeat; replaying it runs the case again.
   */
  async saveFlaky(file: string, k: number, scenario: Scenario, first: Judged & { verdict: Divergence }, scheduler: string, note: string): Promise<void> {
    await this.write(file, this.divergenceCase(k, scenario, first, { scheduler, note }));
  }

  private divergenceCase(k: number, scenario: Scenario, j: Judged & { verdict: Divergence }, extra: Pick<CaseFile, 'scheduler' | 'shrink' | 'note'>): CaseFile {
    const { kind: _kind, diff, ...verdict } = j.verdict;
    const observed = { ...(j.kernel ? { kernel: j.kernel } : {}), ...(j.model ? { model: j.model } : {}) };
    return { ...this.base(k, scenario), finding: 'divergence', ...(j.kernel?.build ? { build: j.kernel.build } : {}), ...extra, verdict, diff, scenario, observed };
  }

  /**
   * Saves kernel trouble met by case k (undefined: none of the run's cases) with the scenario it
   * belongs to; with no scenario at all, its console log alone. A second finding of one case gets
   * a name of its own. Returns the file and the scheduler it is filed under.
   */
  async saveKernel(k: number | undefined, scenario: Scenario | undefined, e: KernelFinding, note?: string): Promise<{ file: string; scheduler: string }> {
    const scheduler = scenario ? scenarioScheduler(scenario) : 'any';
    const stem = `${slug(this.o.kernel)}-${scheduler}-kernel-seed${this.o.seed}`;
    if (!scenario) {
      const file = path.join(this.o.casesDir, `${stem}-unattributed-${++this.unattributed}.log`);
      await writeFileAtomic(file, `${e.message}\n${note ? `${note}\n` : ''}\n${e.consoleLog}`);
      return { file, scheduler };
    }
    const file = this.unique(k === undefined ? `${stem}-unattributed-${++this.unattributed}` : `${stem}-case${k}`);
    await this.write(file, { ...this.base(k, scenario), finding: 'kernel', consoleLog: e.consoleLog, ...(note ? { note } : {}), scenario });
    return { file, scheduler };
  }

  private unique(stem: string): string {
    let name = `${stem}.yaml`;
    for (let n = 2; this.kernelNames.has(name); n++) name = `${stem}-${n}.yaml`;
    this.kernelNames.add(name);
    return path.join(this.o.casesDir, name);
  }

  private base(k: number | undefined, scenario: Scenario): Omit<CaseFile, 'finding' | 'scenario'> {
    const o = this.o;
    const guided = k === undefined ? undefined : this.guided.get(k);
    return {
      format: CASE_FORMAT,
      replay: '',
      savedAt: new Date().toISOString(),
      kernel: { name: o.kernel, release: o.release },
      semantics: o.semantics,
      backend: o.backendName,
      scheduler: scenarioScheduler(scenario),
      ...(k === undefined
        ? {}
        : { generator: { runSeed: o.seed, caseIndex: k, caseSeed: caseSeed(o.seed, k), schedulers: o.schedulers, ...(o.maxOps ? { maxOps: o.maxOps } : {}), ...(guided ? { guided } : {}) } }),
    };
  }

  private async write(file: string, c: CaseFile): Promise<void> {
    c.replay = replayCommand(path.relative(process.cwd(), file) || file);
    await saveCase(file, c);
  }
}
