import { describe, expect, it } from 'vitest';
import { coverageGoals, goalsText } from '../../src/coverage/goals.js';
import { coverageTable, isSchedulerFile, parseLcov } from '../../src/coverage/summary.js';

const LCOV = `TN:
SF:/r/data/net/netfilter/ipvs/ip_vs_rr.c
FN:26,ip_vs_rr_init_svc
FN:55,ip_vs_rr_schedule
FN:117,ip_vs_rr_cleanup
FNDA:3,ip_vs_rr_init_svc
FNDA:9,ip_vs_rr_schedule
FNDA:0,ip_vs_rr_cleanup
DA:26,3
DA:28,3
DA:55,9
DA:60,0
DA:61,0
DA:70,9
DA:83,0
DA:117,0
DA:121,0
BRDA:60,0,0,9
BRDA:60,0,1,-
BRDA:61,0,0,0
end_of_record
SF:/r/data/net/netfilter/ipvs/ip_vs_ctl.c
FN:1108,ip_vs_edit_dest
FN:1200,ip_vs_other
FNDA:1,ip_vs_edit_dest
FNDA:0,ip_vs_other
DA:1108,1
DA:1128,0
DA:1201,0
end_of_record
`;

describe('parseLcov', () => {
  const files = parseLcov(LCOV, '/r/data/');

  it('gives lines, functions and branches per file, relative to the tree', () => {
    const rr = files.find((f) => f.file === 'net/netfilter/ipvs/ip_vs_rr.c')!;
    expect(rr.lines).toEqual({ hit: 4, total: 9 });
    expect(rr.functions).toEqual({ hit: 2, total: 3 });
    expect(rr.branches).toEqual({ hit: 1, total: 3 });
    expect(rr.neverEntered).toEqual(['ip_vs_rr_cleanup']);
  });

  it('joins lines not run into ranges within one function', () => {
    const rr = files.find((f) => f.file.endsWith('ip_vs_rr.c'))!;
    expect(rr.uncovered).toEqual([
      { from: 60, to: 61, fn: 'ip_vs_rr_schedule' },
      { from: 83, to: 83, fn: 'ip_vs_rr_schedule' },
      { from: 117, to: 121, fn: 'ip_vs_rr_cleanup' },
    ]);
  });

  it('prints a row per file and a total', () => {
    const t = coverageTable(files);
    expect(t).toMatch(/ip_vs_rr\.c.*4\/9 44\.4%.*2\/3 66\.7%.*1\/3 33\.3%.*ip_vs_rr_cleanup/);
    expect(t).toMatch(/all.*5\/12 41\.7%/);
  });
});

describe('coverage goals', () => {
  it('lists scheduler files and the accounting functions not reached, nothing else', () => {
    const goals = coverageGoals(parseLcov(LCOV, '/r/data/'));
    expect(goals.map((g) => g.file)).toEqual(['net/netfilter/ipvs/ip_vs_rr.c', 'net/netfilter/ipvs/ip_vs_ctl.c (connection accounting)']);
    expect(goals[1]!.uncovered).toEqual([{ from: 1128, to: 1128, fn: 'ip_vs_edit_dest' }]);
    expect(goalsText(goals)).toMatch(/lines 117-121 in ip_vs_rr_cleanup/);
  });

  it('knows scheduler files by the harness scheduler names', () => {
    expect(isSchedulerFile('net/netfilter/ipvs/ip_vs_wrr.c')).toBe(true);
    expect(isSchedulerFile('vm/modules/hprio/ip_vs_hprio.c')).toBe(true);
    expect(isSchedulerFile('net/netfilter/ipvs/ip_vs_ctl.c')).toBe(false);
  });
});
