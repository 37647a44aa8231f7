// The host closes its end of a guest's agent channel (the virtio-serial socket) in a real run on the
// 6.1 kernel: mid-frame (a case request's header and half its body sent, then the socket
// destroyed) or mid-case (the whole request sent, then the host's side ended while the agent runs
// it). QEMU's chardev does not reconnect, so the guest can never be spoken to again: the promise
// is that the case fails at once as infrastructure (never a pass, never a kernel finding, not a
// wait for the case timeout), is retried on a fresh guest that understands its frames, is recorded
// once, and that no QEMU, pid file or temporary file is left. A channel closed between cases sends
// the next case to a fresh guest, not to the one that can no longer hear it.
import { mkdtempSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend.js';
import { createQemuBackend } from '../../src/backends/qemu/index.js';
import { kernelSpec } from '../../src/backends/qemu/kernels.js';
import { InfraError } from '../../src/errors.js';
import { runKernelCases } from '../../src/run/engine.js';
import type { Scenario } from '../../src/scenario.js';
import { ChannelCutter, type Cut, type CutMode } from '../helpers/channel-cut.js';
import { expectNothingLeftOnClose, gone } from '../helpers/guest-processes.js';
import { runOptions } from './fake-run.js';

// This file's own temporary folder: whatever a guest leaves behind shows up here.
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ipvsc-chancut-'));
process.env.TMPDIR = tmp;

const cutter = new ChannelCutter();
const qemu = createQemuBackend({ kernel: '6.1', jobs: 1, bootTimeoutMs: 180_000, connect: cutter.connect });
afterAll(async () => {
  await qemu.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

/** What the faulted run did: the guest it ran on, the cut, and how the run ended and when. */
interface Hit {
  pid: number;
  cut?: Cut;
  error?: unknown;
  passed?: boolean;
  settledAt?: number;
}

/** The QEMU backend, except that its `nth` run has its case frame cut as `mode` says. */
function cuttingNthRun(nth: number, mode: CutMode, hits: Hit[]): Backend {
  let runs = 0;
  const run = async (s: Scenario) => {
    if (++runs !== nth) return qemu.run(s);
    const hit: Hit = { pid: await qemu.withGuest(async (g) => g.pid!) };
    hits.push(hit);
    void cutter.arm(mode).then((c) => (hit.cut = c));
    return qemu.run(s).then(
      (obs) => ((hit.passed = true), (hit.settledAt = performance.now()), obs),
      (err: unknown) => {
        hit.error = err;
        hit.settledAt = performance.now();
        throw err;
      },
    );
  };
  return new Proxy(qemu, { get: (t, k) => (k === 'run' ? run : Reflect.get(t, k)) });
}

/** Seed 5's first three cases with the cut in the second; checks the faulted run, the books and the replaced guest. */
async function runWithCut(mode: CutMode, replacedBefore: number): Promise<void> {
  const hits: Hit[] = [];
  const o = await runOptions({
    backend: cuttingNthRun(2, mode, hits), backendName: 'qemu', release: kernelSpec('6.1').release,
    schedulers: ['rr', 'wlc'], seed: 5, cases: 3, jobs: 1, infraAttempts: 3, oracle: undefined,
  });
  const r = await runKernelCases(o);
  const books = JSON.stringify(r.records, null, 1);
  expect(hits).toHaveLength(1);
  const hit = hits[0]!;
  expect(hit.cut, 'the case frame was cut').toBeDefined();
  if (mode.at === 'mid-frame') expect(hit.cut!.sent).toBeLessThan(hit.cut!.frameBytes);
  expect(hit.passed, 'a cut channel is never a pass').toBeUndefined();
  expect(hit.error).toBeInstanceOf(InfraError);
  expect((hit.error as InfraError).code).toMatch(/^IPVS_CONFORM_AGENT_(CLOSED|CHANNEL)$/);
  // Noticed at once: not a wait for the case timeout (20 s and more).
  const noticedMs = hit.settledAt! - hit.cut!.at;
  console.log(`${mode.at}: ${hit.cut!.sent}/${hit.cut!.frameBytes} bytes sent; the run failed ${Math.round(noticedMs)} ms after the cut`);
  expect(noticedMs).toBeLessThan(5_000);
  // Retried on a fresh guest: each case recorded once, none left as infrastructure.
  expect(r.records.map((c) => c.index).sort(), books).toEqual([0, 1, 2]);
  expect(r.records.map((c) => c.outcome), books).not.toContain('infra');
  expect(r.records.map((c) => c.outcome), books).not.toContain('kernel');
  expect(r.stoppedBy).toBeUndefined();
  expect(qemu.replaced).toBe(replacedBefore + 1);
  expect(await gone(hit.pid)).toBe(true);
  await fs.rm(o.casesDir, { recursive: true, force: true });
}

describe('the host closes the agent channel (kernel 6.1)', () => {
  it('mid-frame: the case is infrastructure at once, retried on a fresh guest, recorded once', async () => {
    await qemu.start();
    await runWithCut({ at: 'mid-frame' }, 0);
  }, 600_000);

  it('mid-case (the host ends its side while the agent runs the case): the same', async () => {
    await runWithCut({ at: 'mid-case', afterMs: 20 }, 1);
  }, 600_000);

  it('between cases (an idle guest): the next case goes to a fresh guest, no attempt spent on the cut one', async () => {
    await qemu.start();
    const replacedBefore = qemu.replaced;
    const cut = await qemu.withGuest(async (g) => g.pid!);
    cutter.closeAll();
    // One attempt only: a case handed to the guest whose channel is gone would be infrastructure.
    const o = await runOptions({
      backend: qemu, backendName: 'qemu', release: kernelSpec('6.1').release,
      schedulers: ['rr'], seed: 7, cases: 1, jobs: 1, infraAttempts: 1, oracle: undefined,
    });
    const r = await runKernelCases(o);
    expect(r.records.map((c) => c.outcome), JSON.stringify(r.records)).toEqual(['agree']);
    expect(qemu.replaced).toBe(replacedBefore + 1);
    expect(await gone(cut)).toBe(true);
    await fs.rm(o.casesDir, { recursive: true, force: true });
  }, 600_000);

  it('leaves no QEMU, pid file or temporary file', async () => {
    await expectNothingLeftOnClose(qemu, tmp);
  }, 120_000);
});
