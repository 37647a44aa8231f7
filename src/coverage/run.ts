// One kernel's coverage in a run: the sink the backend hands each case's take to, which sums the
// counters, remembers how much new code each scenario reached (for guided generation), and at the
// end writes the report folder: lcov.info, html/, coverage.json, and the table and goals.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CoverageSink } from '../backend.js';
import type { Scenario } from '../scenario.js';
import { Counters } from './counters.js';
import { coverageGoals, type Goal } from './goals.js';
import { writeLcov } from './lcov.js';
import { parseLcov, type FileCoverage, type Ratio } from './summary.js';

export interface CoverageReport {
  kernel: string;
  /** The report folder (lcov.info, html/index.html, coverage.json). */
  dir: string;
  /** Case runs whose coverage was taken (shrink and confirmation runs included). */
  takes: number;
  /** gcov arcs reached. */
  arcs: number;
  lines: Ratio;
  files: FileCoverage[];
  goals: Goal[];
}

export class CoverageRun implements CoverageSink {
  readonly counters = new Counters();
  private notesDirs: string[] = [];
  private readonly fresh = new WeakMap<Scenario, string[]>();
  private takes = 0;

  constructor(readonly kernel: string) {}

  notes(dirs: string[]): void {
    this.notesDirs = dirs;
  }

  take(scenario: Scenario, text: string): void {
    this.fresh.set(scenario, this.counters.add(text));
    this.takes++;
  }

  /** Arcs the scenario's last run reached that no earlier run had (0 if it was not taken). */
  freshArcs(scenario: Scenario): number {
    return this.fresh.get(scenario)?.length ?? 0;
  }

  /** Those arcs by name (arcKey). */
  freshArcKeys(scenario: Scenario): string[] {
    return this.fresh.get(scenario) ?? [];
  }

  /** Writes the report folder `dir`; returns what it holds. */
  async report(dir: string): Promise<CoverageReport> {
    const lcov = await writeLcov(this.counters, this.notesDirs, dir);
    const files = parseLcov(await readFile(lcov, 'utf8'), `${path.join(dir, 'data')}/`);
    const lines = files.reduce((s, f) => ({ hit: s.hit + f.lines.hit, total: s.total + f.lines.total }), { hit: 0, total: 0 });
    const report: CoverageReport = { kernel: this.kernel, dir, takes: this.takes, arcs: this.counters.arcs, lines, files, goals: coverageGoals(files) };
    await writeFile(path.join(dir, 'coverage.json'), JSON.stringify(report, null, 2) + '\n');
    return report;
  }
}
