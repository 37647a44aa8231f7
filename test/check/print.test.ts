// What `check` prints, from two observations: the model's own run stands in for the kernel's,
// with one connection sent elsewhere, as a kernel that disagrees would.
import { describe, expect, it } from 'vitest';
import { eventLines, verdictText } from '../../src/check/print.js';
import { parseScenarioFile } from '../../src/check/scenario-file.js';
import { compareObservations } from '../../src/compare/compare.js';
import { runModel } from '../../src/model/index.js';
import { timelineOf } from '../../src/report/timeline.js';

const { scenario } = parseScenarioFile('t.yaml', `
events:
  - { op: svc-add, svc: 10.0.0.1:80, scheduler: rr }
  - { op: dest-add, dest: 10.2.0.1:80, weight: 1 }
  - { op: dest-add, dest: 10.2.0.2:80, weight: 1 }
  - { op: connect, repeat: 3 }
`);

describe('check output', () => {
  it("prints each side's choice and the counters per event, and marks the first difference", () => {
    const model = runModel(scenario, { semantics: '6.1' });
    // JSON, not structuredClone: the model's steps may share row objects, which a clone keeps shared.
    const kernel = { ...JSON.parse(JSON.stringify(model)), backend: 'qemu' } as typeof model;
    // The kernel sends c2 where c1 went, and its counters say so.
    const c2 = kernel.steps.find((s) => s.index === 4)!;
    const other = c2.dest === '10.2.0.1:80' ? '10.2.0.2:80' : '10.2.0.1:80';
    for (const s of kernel.steps.filter((x) => x.index >= 4)) for (const d of s.table![0]!.dests) d.active += d.dest === other ? 1 : d.dest === c2.dest ? -1 : 0;
    c2.dest = other;
    const verdict = compareObservations(scenario, kernel, model);
    const lines = eventLines(timelineOf(scenario, kernel, model, verdict));
    expect(lines[0]).toMatch(/^\s+#\s+event\s+kernel\s+model\s+10\.2\.0\.\d:80\s+10\.2\.0\.\d:80$/);
    const row4 = lines.find((l) => /^!\s+4 /.test(l))!;
    expect(row4).toContain(`conn[c2 10.1.0.2:40001]`);
    expect(row4).toContain(other);
    expect(row4).toMatch(/\(m \d\/0\)/);
    expect(row4).toMatch(/<- first difference$/);
    expect(lines.find((l) => /^ +3 /.test(l))).toMatch(/conn\[c1 10\.1\.0\.1:40000\]\s+10\.2\.0\.\d:80\s+=/);
    expect(verdictText(verdict)).toMatch(/^verdict: diverge at event 4 conn\[c2 10\.1\.0\.2:40001\]: dest/);
  });
});
