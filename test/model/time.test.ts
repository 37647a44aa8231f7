// Timers and honesty about time (time.ts, clock.ts): a timer that may fire within an observation
// makes the step indeterminate; otherwise expiry follows the model clock (waits, or the guest's t).
import { describe, expect, it } from 'vitest';
import { runModel } from '../../src/model/index.js';
import { wheelGranularity } from '../../src/model/time.js';
import type { Observation } from '../../src/observation.js';
import { lastDests, Story } from './story.js';

describe('timer wheel granularity (HZ=250)', () => {
  it('levels of 64 buckets, 8^n jiffies each', () => {
    expect(wheelGranularity(10)).toBe(1);
    expect(wheelGranularity(2500)).toBe(64); // 10 s
    expect(wheelGranularity(30_000)).toBe(512); // 120 s
    expect(wheelGranularity(225_000)).toBe(4096); // 900 s
  });
});

describe('expiry and uncertainty', () => {
  it('a CLOSE timer (10 s) observed right at 10 s is indeterminate', () => {
    const obs = new Story('rr').add(1).connect(1).rst(1).wait(10_000).run();
    expect(obs.steps[4]!.indeterminate).toMatch(/may expire/);
    expect(obs.steps[3]!.indeterminate).toBeUndefined();
  });

  it('well before or after the window, the answer is certain', () => {
    const before = new Story('rr').add(1).connect(1).rst(1).wait(9_000).run();
    expect(before.steps.every((s) => s.indeterminate === undefined)).toBe(true);
    expect(lastDests(before)[1]!.inactive).toBe(1);
    const after = new Story('rr').add(1).connect(1).rst(1).wait(11_000).run();
    expect(after.steps.every((s) => s.indeterminate === undefined)).toBe(true);
    expect(lastDests(after)[1]!.inactive).toBe(0);
  });

  it('following a kernel run, the clock is the guest t, and a slow step stretches the window', () => {
    const sc = new Story('rr').add(1).connect(1).rst(1).wait(9_000).scenario();
    const kernel = (ts: number[]): Observation => ({ backend: 'qemu', kernel: { name: '6.1' }, steps: ts.map((t, index) => ({ index, t })) });
    // the guest took 1.5 s more than the waits: the 10 s timer fired before the last table
    const slow = runModel(sc, { semantics: '6.1', follow: kernel([1000, 1010, 1020, 1030, 11_530]) });
    expect(lastDests(slow)[1]!.inactive).toBe(0);
    expect(slow.steps[4]!.indeterminate).toBeUndefined();
    const close = runModel(sc, { semantics: '6.1', follow: kernel([1000, 1010, 1020, 1030, 11_040]) });
    expect(close.steps[4]!.indeterminate).toMatch(/may expire/);
  });

  it('a template that still controls a connection waits 60 s more (expire_later)', () => {
    // persistence 10 s; the connection stays ESTABLISHED (900 s): after 30 s the template is still there
    const obs = new Story('rr', { persistent: 10 }).add(1).connect(1).wait(30_000).run();
    expect(lastDests(obs)[1]!.persistent).toBe(1);
  });

  it('template and connection racing to expire: indeterminate', () => {
    // persistence 120 s and a TIME_WAIT connection (120 s) armed by the same step
    const obs = new Story('rr', { persistent: 120 }).add(1).connect(1).fin(1).wait(200_000).run();
    expect(obs.steps[obs.steps.length - 1]!.indeterminate).toBeDefined();
  });
});
