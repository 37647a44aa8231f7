import { describe, expect, it } from 'vitest';
import type { CaseRecord } from '../../src/run/records.js';
import { junitXml } from '../../src/report/junit.js';
import { mergeSummaries } from '../../src/report/merge.js';
import { countsBySchedulers, exitCodeOf, totalsOf, zeroCounts, type Summary } from '../../src/report/summary.js';
import { summaryTable } from '../../src/report/table.js';

const rec = (index: number, scheduler: string, outcome: CaseRecord['outcome'], kernel = '6.1'): CaseRecord => ({ kernel, index, seed: index * 7, scheduler, events: 30, outcome, ms: 400, ...(outcome === 'diverge' ? { detail: 'dest <x>', file: 'reports/cases/a.yaml' } : {}) });

function summary(records: CaseRecord[], shard?: string): Summary {
  const kernels = [{ kernel: '6.1', release: '6.1.0-50', semantics: '6.1', backend: 'qemu', elapsedMs: 60_000, schedulers: countsBySchedulers(records) }];
  const totals = totalsOf(kernels);
  return { format: 1, startedAt: 'a', finishedAt: 'b', command: 'run', seed: 5, ...(shard ? { shard } : {}), interrupted: false, exitCode: exitCodeOf(totals), totals, kernels, findings: [], cases: records };
}

describe('summary', () => {
  it('counts per scheduler, rates judged cases per minute, and picks the exit code', () => {
    const s = summary([rec(0, 'rr', 'agree'), rec(1, 'rr', 'diverge'), rec(2, 'wlc', 'infra'), rec(3, 'wlc', 'unknown')]);
    expect(s.kernels[0]!.schedulers.rr).toMatchObject({ cases: 2, agree: 1, divergences: 1 });
    expect(s.totals).toMatchObject({ cases: 4, divergences: 1, infra: 1, unknowns: 1, casesPerMinute: 3 });
    expect(s.exitCode).toBe(1);
    expect(exitCodeOf({ ...zeroCounts(), infra: 1 })).toBe(3);
    expect(exitCodeOf({ ...zeroCounts(), kernel: 1, divergences: 2 })).toBe(4);
    // Unknown is not a pass: undecided cases (unknown, flaky) over --max-unknown (default 0) exit 5.
    expect(exitCodeOf({ ...zeroCounts(), cases: 5, unknowns: 3, agree: 2 })).toBe(5);
    expect(exitCodeOf({ ...zeroCounts(), cases: 5, flaky: 1, agree: 4 })).toBe(5);
    expect(exitCodeOf({ ...zeroCounts(), cases: 5, unknowns: 3, agree: 2 }, { cases: 3 })).toBe(0);
    expect(exitCodeOf({ ...zeroCounts(), cases: 100, unknowns: 2, agree: 98 }, { percent: 1 })).toBe(5);
    expect(exitCodeOf({ ...zeroCounts(), cases: 100, unknowns: 1, agree: 99 }, { percent: 1 })).toBe(0);
    expect(exitCodeOf({ ...zeroCounts(), cases: 5, unknowns: 3, infra: 1 })).toBe(3);
    expect(exitCodeOf({ ...zeroCounts(), modelErrors: 1, infra: 2 })).toBe(7); // a model crash is a harness bug, not infrastructure
    expect(exitCodeOf({ ...zeroCounts(), modelErrors: 1, divergences: 1 })).toBe(1);
  });

  it('names the undecided cases and why when they are over --max-unknown, and says which lifecycle paths the cases reached', () => {
    const s = summary([rec(0, 'rr', 'agree'), rec(1, 'wlc', 'unknown')]);
    s.cases[1]!.detail = 'unknown from event 3 (a reason)';
    s.reached = { 'expire:CLOSE': 2, unbind: 1 };
    const text = summaryTable(s);
    expect(text).toMatch(/1 undecided case\(s\), more than --max-unknown 0 \(exit 5\):\n  6\.1\/wlc case 1 \(seed \d+\) unknown: unknown from event 3 \(a reason\)/);
    expect(text).toMatch(/lifecycle paths reached \(cases\): expire:CLOSE 2, unbind 1\n  not reached: expire:ESTABLISHED/);
    // what no case can reach is named apart, with why; 6.12's rule is not 6.1's to reach
    expect(text).not.toMatch(/not reached: .*expire:LAST_ACK/);
    expect(text).toMatch(/\n  out of reach: expire:LAST_ACK \(no packet enters LAST_ACK in tcp_states\[\]\), overload-clear:unconditional \(/);
    expect(text).toMatch(/\n  not in these kernels' rules: overload-clear:l_threshold_val\n/);
    expect(text).toMatch(/wlc .*1 \(100\.0%\)/);
    expect(summaryTable({ ...s, maxUnknown: { cases: 1 } })).not.toMatch(/undecided/);
  });

  it('points a flaky case to the file that keeps its first run, in the table and in JUnit', () => {
    const s = summary([rec(0, 'rr', 'agree'), { ...rec(1, 'wlc', 'flaky'), detail: 'first run: x; re-run: agree', file: 'r/cases/6.1-wlc-flaky-seed5-case1.yaml' }]);
    expect(summaryTable(s)).toMatch(/case 1 \(seed 7\) flaky: first run: x; re-run: agree\n    its first run: r\/cases\/6\.1-wlc-flaky-seed5-case1\.yaml/);
    expect(junitXml(s)).toContain('<skipped message="flaky: first run: x; re-run: agree (first run: r/cases/6.1-wlc-flaky-seed5-case1.yaml)"/>');
  });

  it('renders a table and JUnit XML with failures, errors and skips', () => {
    const s = summary([rec(0, 'rr', 'agree'), rec(1, 'rr', 'diverge'), rec(2, 'wlc', 'infra'), rec(3, 'wlc', 'unknown')]);
    expect(summaryTable(s)).toMatch(/6\.1 .*rr .*2 .*1 .*1/);
    const xml = junitXml(s);
    expect(xml).toContain('<testsuite name="kernel 6.1 (6.1.0-50)" tests="4" failures="1" errors="1" skipped="1"');
    expect(xml).toContain('<failure type="divergence" message="dest &lt;x&gt;">');
    expect(xml).toContain('replay: npx ipvs-conform replay reports/cases/a.yaml');
  });

  it('merges shards into the unsharded counts', () => {
    const all = [rec(0, 'rr', 'agree'), rec(1, 'rr', 'diverge'), rec(2, 'wlc', 'agree'), rec(3, 'sh', 'infra')];
    const a = summary(all.filter((r) => r.index % 2 === 0), '0/2');
    const b = summary(all.filter((r) => r.index % 2 === 1), '1/2');
    const m = mergeSummaries([a, b], 'report merge');
    expect(m.kernels[0]!.schedulers).toEqual(summary(all).kernels[0]!.schedulers);
    expect(m.cases.map((c) => c.index)).toEqual([0, 1, 2, 3]);
    expect(m.exitCode).toBe(1);
    expect(m.seed).toBe(5);
  });
});
