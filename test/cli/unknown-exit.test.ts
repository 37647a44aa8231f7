// Unknown is not a pass: `check` and `replay` end on a verdict the model could not decide with exit
// 5 and the reason, as `run` does above --max-unknown. The backend here replays the model's own
// observation with one later connect sent elsewhere, after the model gave up (a server's FIN whose
// ACK from the client is dropped: the server retransmits on its own clock).
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Backend } from '../../src/backend.js';
import { CASE_FORMAT, parseCase, type CaseFile } from '../../src/casefile/casefile.js';
import { checkOne } from '../../src/cli/check-command.js';
import { replayOne } from '../../src/cli/replay-command.js';
import { EXIT } from '../../src/errors.js';
import { runModel } from '../../src/model/index.js';
import type { Observation } from '../../src/observation.js';
import type { Scenario } from '../../src/scenario.js';

const svc = '10.0.0.1:80';
const scenario: Scenario = {
  version: 1,
  events: [
    { op: 'svc-add', svc, scheduler: 'rr' },
    { op: 'dest-add', svc, dest: '10.2.0.1:80', weight: 1, upper: 0, lower: 0 },
    { op: 'connect', conn: 'c1', svc, client: '10.1.0.1', cport: 40000 },
    { op: 'dest-del', svc, dest: '10.2.0.1:80' },
    { op: 'dest-add', svc, dest: '10.2.0.3:80', weight: 1, upper: 0, lower: 0 },
    { op: 'shut', conn: 'c1', side: 'server' },
    { op: 'connect', conn: 'c2', svc, client: '10.1.0.2', cport: 40001 },
  ],
};

/** The model's observation, as a kernel would report it, with the last connect's server changed. */
function kernelRun(): Observation {
  const obs = structuredClone(runModel(scenario, { semantics: '6.1' }));
  for (const s of obs.steps) delete s.indeterminate;
  obs.backend = 'fake';
  obs.kernel = { name: '6.1', release: '6.1.0-test' };
  obs.steps.at(-1)!.dest = '10.2.0.9:80';
  return obs;
}
const backend = { name: 'fake', run: async () => kernelRun(), drain: async () => [] } as unknown as Backend;

let out = '';
afterEach(() => vi.restoreAllMocks());
const capture = () => {
  out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
};

describe('an unknown verdict exits 5 with the reason', () => {
  it('the model gives up on this scenario (else this test would prove nothing)', () => {
    expect(runModel(scenario, { semantics: '6.1' }).steps[5]!.indeterminate).toMatch(/the client's ACK on c1 is dropped/);
  });

  it('check: exit 5, the reason printed, and a saved case that says the model could not decide', async () => {
    const save = path.join(await mkdtemp(path.join(tmpdir(), 'ipvsc-unknown-')), 'c.yaml');
    capture();
    const code = await checkOne(backend, 'mine.yaml', scenario, { name: '6.1', release: '6.1.0-test' }, '6.1', 'fake', save);
    vi.restoreAllMocks();
    expect(code).toBe(EXIT.unknown);
    expect(out).toMatch(/verdict: unknown from event 5 \(the client's ACK on c1 is dropped .*\); then dest differed at event 6/);
    const saved = parseCase(save, await readFile(save, 'utf8'));
    expect(saved.finding).toBe('none');
    expect(saved.note).toMatch(/the model could not decide: unknown from event 5/);
  });

  it('replay: exit 5 and the reason', async () => {
    const c: CaseFile = { format: CASE_FORMAT, replay: '', savedAt: '', finding: 'divergence', kernel: { name: '6.1', release: '6.1.0-test' }, semantics: '6.1', backend: 'fake', scheduler: 'rr', scenario };
    capture();
    const code = await replayOne(backend, { release: '6.1.0-test', schedulers: ['rr'] }, '6.1', 'c.yaml', c, false, undefined);
    vi.restoreAllMocks();
    expect(code).toBe(EXIT.unknown);
    expect(out).toMatch(/verdict \(model semantics 6\.1\): unknown from event 5 \(the client's ACK on c1 is dropped/);
  });
});
