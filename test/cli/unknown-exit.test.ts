// Unknown is not a pass: `check` and `replay` end on a verdict the model could not decide with exit
// 5 and the reason, as `run` does above --max-unknown. The model decides every scenario today
// except where the follow search runs out of branches (judge/follow.ts), which no small scenario
// reaches: the oracle's answer is stubbed here with such a verdict, and the commands are what is tested.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Backend } from '../../src/backend.js';
import { CASE_FORMAT, parseCase, type CaseFile } from '../../src/casefile/casefile.js';
import { checkOne } from '../../src/cli/check-command.js';
import { replayOne } from '../../src/cli/replay-command.js';
import { compareObservations } from '../../src/compare/compare.js';
import type { Divergence, Verdict } from '../../src/compare/verdict.js';
import { EXIT } from '../../src/errors.js';
import { judgeRun } from '../../src/judge/oracle.js';
import { runModel } from '../../src/model/index.js';
import type { Observation } from '../../src/observation.js';
import type { Scenario } from '../../src/scenario.js';

vi.mock('../../src/judge/oracle.js', async (original) => ({ ...(await original<typeof import('../../src/judge/oracle.js')>()), judgeRun: vi.fn() }));

const svc = '10.0.0.1:80';
const scenario: Scenario = {
  version: 1,
  events: [
    { op: 'svc-add', svc, scheduler: 'rr' },
    { op: 'dest-add', svc, dest: '10.2.0.1:80', weight: 1, upper: 0, lower: 0 },
    { op: 'dest-add', svc, dest: '10.2.0.2:80', weight: 1, upper: 0, lower: 0 },
    { op: 'connect', conn: 'c1', svc, client: '10.1.0.1', cport: 40000 },
  ],
};
const model = runModel(scenario, { semantics: '6.1' });
/** The model's observation, as a kernel would report it, with the connect sent elsewhere. */
const kernel: Observation = { ...structuredClone(model), backend: 'fake', kernel: { name: '6.1', release: '6.1.0-test' } };
kernel.steps[3]!.dest = kernel.steps[3]!.dest === '10.2.0.1:80' ? '10.2.0.2:80' : '10.2.0.1:80';
const reason = "the kernel's clock leaves the model choices; 256 of its branches were tried without one that fits";
const unknown: Verdict = { kind: 'unknown', stepIndex: 3, reason, difference: compareObservations(scenario, kernel, model) as Divergence };
vi.mocked(judgeRun).mockReturnValue({ verdict: unknown, kernel, model });
const backend = { name: 'fake', run: async () => kernel, drain: async () => [] } as unknown as Backend;

let out = '';
afterEach(() => vi.restoreAllMocks());
const capture = () => {
  out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
};

describe('an unknown verdict exits 5 with the reason', () => {
  it('the stubbed verdict is an unknown one over a real difference (else this test would prove nothing)', () => {
    expect(unknown.kind === 'unknown' && unknown.difference.kind).toBe('diverge');
  });

  it('check: exit 5, the reason printed, and a saved case that says the model could not decide', async () => {
    const save = path.join(await mkdtemp(path.join(tmpdir(), 'ipvsc-unknown-')), 'c.yaml');
    capture();
    const code = await checkOne(backend, 'mine.yaml', scenario, { name: '6.1', release: '6.1.0-test' }, '6.1', 'fake', save);
    vi.restoreAllMocks();
    expect(code).toBe(EXIT.unknown);
    expect(out).toContain(`verdict: unknown from event 3 (${reason}); then dest differed at event 3`);
    const saved = parseCase(save, await readFile(save, 'utf8'));
    expect(saved.finding).toBe('none');
    expect(saved.note).toContain(`the model could not decide: unknown from event 3 (${reason})`);
  });

  it('replay: exit 5 and the reason', async () => {
    const c: CaseFile = { format: CASE_FORMAT, replay: '', savedAt: '', finding: 'divergence', kernel: { name: '6.1', release: '6.1.0-test' }, semantics: '6.1', backend: 'fake', scheduler: 'rr', scenario };
    capture();
    const code = await replayOne(backend, { release: '6.1.0-test', schedulers: ['rr'] }, '6.1', 'c.yaml', c, { force: false, semantics: undefined, out: process.stdout });
    vi.restoreAllMocks();
    expect(code).toBe(EXIT.unknown);
    expect(out).toContain(`verdict (model semantics 6.1): unknown from event 3 (${reason})`);
  });
});
