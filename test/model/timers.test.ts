// The kernel's timers in the model, in jiffies (timers.ts, wheel.ts): where calc_wheel_index()
// puts a timer, when it fires, mod_timer()'s same-bucket shortcut, expire_later, and choosing
// between timings the kernel's observation leaves open. The model alone starts at jiffy 2^32
// (NOMINAL_START), a multiple of every level's granularity, so buckets are easy to check by hand.
import { describe, expect, it } from 'vitest';
import { judgeFollowing } from '../../src/judge/follow.js';
import { NOMINAL_START } from '../../src/model/clock.js';
import { runModel } from '../../src/model/index.js';
import { calcWheelIndex, lvlStart } from '../../src/model/wheel.js';
import type { Observation } from '../../src/observation.js';
import type { Scenario } from '../../src/scenario.js';
import { lastDests, Story } from './story.js';

const S = NOMINAL_START;
const ms = (jiffies: number) => jiffies * 4; // HZ 250

describe('calc_wheel_index (kernel/time/timer.c)', () => {
  it('puts a timer at the level its delta reaches and rounds its bucket up to that level', () => {
    expect(lvlStart(1)).toBe(63);
    expect(lvlStart(2)).toBe(504);
    expect(calcWheelIndex(S + 10, S)).toEqual({ level: 0, idx: (S + 11) % 64, bucket: S + 11 }); // level 0 still +1
    expect(calcWheelIndex(S + 2500, S)).toMatchObject({ level: 2, bucket: S + 40 * 64 }); // CLOSE, 10 s
    expect(calcWheelIndex(S + 30_000, S)).toMatchObject({ level: 3, bucket: S + 59 * 512 }); // TIME_WAIT, 120 s
    expect(calcWheelIndex(S + 225_000, S)).toMatchObject({ level: 4, bucket: S + 55 * 4096 }); // ESTABLISHED, 900 s
    expect(calcWheelIndex(S - 5, S)).toEqual({ level: 0, idx: S % 64, bucket: S }); // already due
    expect(calcWheelIndex(S + 1, S + 1).bucket).toBe(S + 2);
  });
});

describe('connection timers in jiffies', () => {
  it('expires a CLOSE entry exactly at its bucket, 10.24 s after the RST', () => {
    const at = (wait: number) => lastDests(new Story('rr').add(1).connect(1).rst(1).wait(wait).run())[1]!.inactive;
    expect(at(ms(2559))).toBe(1);
    expect(at(ms(2560))).toBe(0);
  });

  it('keeps the bucket when a packet re-arms within it, and shows the new expiry in the listing', () => {
    const story = (waitMs: number) => new Story('rr').add(1).connect(1).wait(waitMs).push({ op: 'send', conn: 'c1' }).wait(ms(225_280) - waitMs - 4).run();
    // sent 400 ms later: the same 4096-jiffy bucket (S + 225280), which fires one jiffy after the last wait
    const same = story(400);
    expect(lastDests(same)[1]!.active).toBe(1);
    expect(same.listings!.conns).toMatch(/TCP 00:00 +ESTABLISHED 10\.1\.0\.1:40001/);
    expect(same.connExpire).toEqual([[0, 0]]);
    const gone = new Story('rr').add(1).connect(1).wait(400).push({ op: 'send', conn: 'c1' }).wait(ms(225_280) - 400).run();
    expect(lastDests(gone)[1]!.active).toBe(0);
    expect(gone.reached?.['expire:ESTABLISHED']).toBe(1);
    // sent 1.2 s later: the next bucket (S + 229376)
    const moved = new Story('rr').add(1).connect(1).wait(1200).push({ op: 'send', conn: 'c1' }).wait(ms(225_280) - 1200).run();
    expect(lastDests(moved)[1]!.active).toBe(1);
  });

  it('puts a persistence template off by 60 s while it controls a connection (expire_later), then drops it', () => {
    // template: 5 s from the SYN (bucket S + 1280) while c1, in CLOSE, lasts until S + 2560: it
    // still controls c1, so it waits 60 s more, armed from its callback (clk one past the bucket):
    // S + 1280 + 15000 at level 3 -> bucket S + 16384
    const run = (wait: number) => new Story('rr', { persistent: 5 }).add(1).connect(1).rst(1).wait(ms(wait)).run();
    const obs = run(2560);
    expect(obs.reached?.['template:expire-later']).toBe(1);
    expect(obs.reached?.['expire:CLOSE']).toBe(1);
    expect(lastDests(obs)[1]!.persistent).toBe(1);
    expect(lastDests(run(16_383))[1]!.persistent).toBe(1);
    const later = run(16_384);
    expect(later.reached?.['template:expire']).toBe(1);
    expect(lastDests(later)[1]!.persistent).toBe(0);
    // with 10 s the template and c1 share bucket S + 2560: c1 was armed last (its RST), so it
    // fires first and the template, controlling nobody by then, goes at once
    const same = new Story('rr', { persistent: 10 }).add(1).connect(1).rst(1).wait(ms(2560)).run();
    expect(same.reached?.['template:expire-later']).toBeUndefined();
    expect(same.reached?.['template:expire']).toBe(1);
  });
});

/** The model's own run as a "kernel" observation, with jiffy windows placed by `windows`. */
function asKernel(sc: Scenario, base: Observation, windows: [number, number][][]): Observation {
  return {
    backend: 'qemu',
    kernel: { name: '6.1' },
    hz: 250,
    steps: base.steps.map((s, i) => ({ index: i, table: s.table!, ...(s.dest !== undefined ? { dest: s.dest } : {}), j: windows[i]![0]!, tableJ: windows[i]![1]! })),
    listings: base.listings!,
    listingsJ: windows.at(-1)![1]!,
  };
}

describe('following the kernel where its jiffies leave a choice', () => {
  it('keeps the timing the kernel showed when a timer falls due inside a table read', () => {
    const sc = new Story('rr').add(1).connect(1).rst(1).wait(ms(2560)).scenario();
    const base = (wait: number) => runModel({ ...sc, events: [...sc.events.slice(0, -1), { op: 'wait', ms: ms(wait) }] }, { semantics: '6.1' });
    const w = (i: number): [number, number][] => (i < 4 ? [[S, S], [S, S]] : [[S, S + 2559], [S + 2559, S + 2561]]);
    for (const [wait, inactive] of [[2559, 1], [2560, 0]] as const) {
      const kernel = asKernel(sc, base(wait), [0, 1, 2, 3, 4].map(w));
      const f = judgeFollowing(sc, kernel, '6.1');
      expect(f.verdict.kind).toBe('agree');
      expect(lastDests(f.model)[1]!.inactive).toBe(inactive);
      expect(f.model.branches!.length).toBeGreaterThan(0);
    }
  });

  it("lets the kernel act at a timer's own jiffy before that tick's timer softirq ran, but never undo it", () => {
    // c1's CLOSE timer falls due at S + 2560, where the wait ends and two edits follow in that jiffy
    const sc = new Story('rr').add(1).add(2).connect(1).rst(1).wait(ms(2560)).edit(2, { weight: 3 }).edit(2, { weight: 4 }).scenario();
    const alone = runModel(sc, { semantics: '6.1' });
    const holder = alone.steps[4]!.table![0]!.dests.find((d) => d.inactive === 1)!.dest;
    expect(lastDests(alone)[1]!.inactive + lastDests(alone)[2]!.inactive).toBe(0); // the usual: gone at its jiffy
    const B = S + 2560;
    const w = (i: number): [number, number][] => (i < 5 ? [[S, S], [S, S]] : i === 5 ? [[S, B], [B, B]] : [[B, B], [B, B]]);
    // the kernel's tables: c1 still listed at the reads of `listedAt`
    const kernel = (listedAt: number[]) => {
      const k = asKernel(sc, alone, [0, 1, 2, 3, 4, 5, 6, 7].map(w));
      const steps = k.steps.map((st, i) => (listedAt.includes(i) ? { ...st, table: st.table!.map((v) => ({ ...v, dests: v.dests.map((d) => (d.dest === holder ? { ...d, inactive: 1 } : d)) })) } : st));
      return judgeFollowing(sc, { ...k, steps }, '6.1').verdict.kind;
    };
    expect(kernel([])).toBe('agree');
    expect(kernel([5, 6])).toBe('agree'); // the softirq ran between the reads of events 6 and 7
    expect(kernel([5, 7])).toBe('diverge'); // gone at event 6, listed again at 7: no timing fits
  });

  it('is a divergence when no timing fits, and unknown only when the search runs out', () => {
    const sc = new Story('rr').add(1).connect(1).rst(1).wait(ms(2560)).scenario();
    const expired = runModel(sc, { semantics: '6.1' });
    // the kernel claims the entry is gone though its window ends before the bucket
    const early = asKernel(sc, expired, [0, 1, 2, 3, 4].map((i): [number, number][] => (i < 4 ? [[S, S], [S, S]] : [[S, S + 2000], [S + 2000, S + 2001]])));
    expect(judgeFollowing(sc, early, '6.1').verdict.kind).toBe('diverge');
  });
});

describe('an entry expired at once by a reused client port (ip_vs_conn_expire_now)', () => {
  // c1 is reset (CLOSE); c2 comes from the same address and port, so its SYN expires c1 now: the
  // wheel puts that at the tick after the SYN's jiffy, which the kernel's window leaves open.
  const first = new Story('rr').add(1).add(2).connect(1).rst(1).scenario();
  const c1 = first.events[3]!;
  const sc: Scenario = { ...first, events: [...first.events, { ...c1, conn: 'c2' } as Scenario['events'][number]] };
  const listed = runModel(sc, { semantics: '6.1' }); // the model alone reads the table in the SYN's jiffy
  const gone: Observation = { ...listed, steps: listed.steps.map((s, i) => (i === 5 ? { ...s, table: s.table!.map((v) => ({ ...v, dests: v.dests.map((d) => ({ ...d, inactive: 0 })) })) } : s)) };
  const windows = (syn: [number, number], read: number) => [0, 1, 2, 3, 4, 5].map((i): [number, number][] => (i < 5 ? [[S, S], [S, S]] : [syn, [read, read]]));
  // the final listings three jiffies on, when the entry is gone whichever jiffy the SYN came in
  const at = (obs: Observation, syn: [number, number], read: number): Observation => ({ ...asKernel(sc, obs, windows(syn, read)), listingsJ: [S + 3, S + 3] });
  const listings = runModel(sc, { semantics: '6.1', follow: at(gone, [S, S], S + 1) }).listings!;
  const kernel = (obs: Observation, syn: [number, number], read = S + 1) => judgeFollowing(sc, { ...at(obs, syn, read), listings }, '6.1').verdict.kind;

  it('may still be listed a jiffy later when the SYN may have come in that jiffy', () => {
    expect(listed.steps[5]!.table!.flatMap((v) => v.dests).some((d) => d.inactive === 1)).toBe(true);
    for (const obs of [listed, gone]) expect(kernel(obs, [S, S + 1])).toBe('agree');
  });

  it('is gone by the next tick when the SYN came in the jiffy before, unless that tick\'s softirq is still pending', () => {
    expect(kernel(gone, [S, S])).toBe('agree');
    expect(kernel(listed, [S, S])).toBe('agree'); // read before the timer softirq of tick S+1 ran
    expect(kernel(listed, [S, S], S + 2)).toBe('diverge');
  });
});
