// A guest kernel that panics mid-run (6.1): the test hook is the image with a different /init
// (test/helpers/init-overlay.ts) that starts the agent and, once a case has loaded the wlc
// scheduler's module (the agent loads a scheduler on first use), crashes the kernel through
// /proc/sysrq-trigger. The promise: the crash is a kernel finding of the case that was running
// (the wlc case, or the next one if the guest's shell notices the module late), saved with the
// console log; never a pass, never infrastructure; the other cases go on, on a fresh guest (which
// panics at its own first wlc case); no QEMU or temporary file is left.
import { mkdtempSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQemuBackend, type QemuBackend } from '../../src/backends/qemu/index.js';
import { kernelSpec } from '../../src/backends/qemu/kernels.js';
import { pidAlive } from '../../src/host/pid.js';
import { runKernelCases } from '../../src/run/engine.js';
import { buildImage } from '../../src/backends/qemu/image.js';
import { AGENT_INIT, initOverlay, withOverlay } from '../helpers/init-overlay.js';
import { runOptions } from './fake-run.js';

// This file's own temporary folder: whatever a guest leaves behind shows up here.
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ipvsc-panic-'));
process.env.TMPDIR = tmp;
const hookDir = mkdtempSync(path.join(os.homedir(), '.ipvsc-panic-hook-'));
const PANIC_AT_WLC = `${AGENT_INIT}while [ ! -e /sys/module/ip_vs_wlc ]; do sleep 0.05; done\necho c > /proc/sysrq-trigger\nwait\n`;

let qemu: QemuBackend;
beforeAll(async () => {
  const image = await buildImage({ kernel: '6.1' });
  const overlay = await initOverlay(hookDir, 'panic-at-wlc', PANIC_AT_WLC);
  qemu = createQemuBackend({ kernel: '6.1', jobs: 1, bootTimeoutMs: 180_000, image: { ...image, initrdPath: await withOverlay(image.initrdPath, overlay) } });
}, 300_000);
afterAll(async () => {
  await qemu?.close();
  await fs.rm(tmp, { recursive: true, force: true });
  await fs.rm(hookDir, { recursive: true, force: true });
});

describe('a guest kernel panic mid-run (kernel 6.1)', () => {
  it('is a kernel finding of the wlc cases, saved with its console; the rr cases run on', async () => {
    await qemu.start();
    const o = await runOptions({
      backend: qemu, backendName: 'qemu', release: kernelSpec('6.1').release,
      schedulers: ['rr', 'wlc'], seed: 5, cases: 4, jobs: 1, infraAttempts: 3, oracle: undefined,
    });
    const r = await runKernelCases(o);
    const books = JSON.stringify(r.records, null, 1);
    console.log(r.records.map((c) => `case ${c.index} ${c.scheduler}: ${c.outcome}`).join('\n'));
    expect(r.records.map((c) => c.index).sort(), books).toEqual([0, 1, 2, 3]);
    const wlc = r.records.filter((c) => c.scheduler === 'wlc');
    const rr = r.records.filter((c) => c.scheduler === 'rr');
    // seed 5's first four cases have both schedulers
    expect(wlc.length, books).toBeGreaterThan(0);
    expect(rr.length, books).toBeGreaterThan(0);
    // The crash belongs to the case running when the console shows it: the wlc case, or (when the
    // guest's shell notices the module only after that case ended) the next one.
    const byIndex = new Map(r.records.map((c) => [c.index, c]));
    for (const c of wlc) expect([c.outcome, byIndex.get(c.index + 1)?.outcome], books).toContain('kernel');
    const kernel = r.records.filter((c) => c.outcome === 'kernel');
    for (const c of kernel) {
      expect(c.detail, books).toMatch(/sysrq|Oops|BUG|Kernel panic|Call Trace/);
      expect(await fs.readFile(path.resolve(o.casesDir, c.file!), 'utf8'), books).toMatch(/sysrq/);
    }
    for (const c of r.records) expect(['agree', 'kernel'], books).toContain(c.outcome);
    expect(r.stoppedBy, books).toBeUndefined();
    expect(qemu.replaced, books).toBe(kernel.length);
    const live = await qemu.withGuest(async (g) => g.pid!);
    await qemu.close();
    for (let i = 0; i < 100 && pidAlive(live); i++) await new Promise((res) => setTimeout(res, 100));
    expect(pidAlive(live)).toBe(false);
    await fs.rm(o.casesDir, { recursive: true, force: true });
    expect(await fs.readdir(tmp)).toEqual([]);
  }, 600_000);
});
