// The lifecycle part of the mix: waits long enough for the kernel's timers (on virtual time),
// ipvsadm --set, the sysctls the model follows, half-closes and client ports used again. Waits
// come in tiers named after what they reach: each tier's range straddles the timeouts it is
// about, so a case sees an entry just before and just after it goes (the wheel rounds a 10 s
// timer up to 10.24 s, a 120 s one to at most 122 s). Guest time is cheap but not free (about a
// millisecond of host CPU per guest second): long tiers are rare, and the half-hour one (lblc and
// lblcr's full check every 30th minute) is drawn only where such a service is.
import fc from 'fast-check';
import type { Op, WaitTier } from './plan.js';

/** Milliseconds each tier spans, and what it reaches. */
export const WAIT_TIERS: Record<WaitTier, [min: number, max: number]> = {
  instant: [0, 500], // short waits between events
  close: [9_500, 12_000], // CLOSE (10 s)
  minute: [58_000, 66_000], // SYN_RECV, CLOSE_WAIT, expire_later (60 s); short --set timeouts
  twomin: [118_000, 126_000], // TIME_WAIT, FIN_WAIT (120 s)
  trash: [180_000, 320_000], // a dest leaving the trash (60 s checks, 120 s idle); persistence 300 s
  established: [900_000, 960_000], // ESTABLISHED (900 s)
  collect: [31 * 60_000, 34 * 60_000], // lblc/lblcr's full check (every 30th run, 60 s apart)
  hours: [3_600_000, 3 * 3_600_000], // long idle: anything left expires
  classic: [1, 1500], // the classic mix's (no lifecycle)
};

const tierArb: fc.Arbitrary<WaitTier> = fc.oneof(
  { weight: 400, arbitrary: fc.constant<WaitTier>('instant') },
  { weight: 200, arbitrary: fc.constant<WaitTier>('close') },
  { weight: 200, arbitrary: fc.constant<WaitTier>('minute') },
  { weight: 100, arbitrary: fc.constant<WaitTier>('twomin') },
  { weight: 25, arbitrary: fc.constant<WaitTier>('trash') },
  // ESTABLISHED's 900 s is reached cheaply after a short --set tcp; the long tiers stay rare
  { weight: 1, arbitrary: fc.constant<WaitTier>('established') },
  { weight: 150, arbitrary: fc.constant<WaitTier>('collect') },
  { weight: 1, arbitrary: fc.constant<WaitTier>('hours') },
);

/** The tier's wait in ms, `at` in [0, 1] placing it in the range. */
export function waitMs(tier: WaitTier, at: number): number {
  const [lo, hi] = WAIT_TIERS[tier];
  return Math.round(lo + (hi - lo) * at);
}

/**
 * The wait a tier becomes in a case: the half-hour tier only where lblc or lblcr is, else a short
 * one; where lblc or lblcr is, the lower half of the short ones become half-hour ones too (the
 * full check collects only after 30 minutes of the service, a case's services seldom last that
 * long otherwise).
 */
export function resolveWait(tier: WaitTier, at: number, collecting: boolean): number {
  if (tier === 'collect' && !collecting) return waitMs('instant', at);
  if (tier === 'instant' && collecting && at < 0.5) return waitMs('collect', at * 2);
  return waitMs(tier, at);
}

/** The sysctls the mix sets (src/model/sysctl.ts follows them); a drawn 1..300 becomes the value. */
export const SYSCTLS: { name: string; value: (drawn: number) => number }[] = [
  // seconds an lblc/lblcr entry may stay unused (24 h by default): short, so a full check drops it
  { name: 'lblc_expiration', value: (v) => v },
  { name: 'lblcr_expiration', value: (v) => v },
  // a template whose dest is quiesced (weight 0) is invalidated on its next use
  { name: 'expire_quiescent_template', value: (v) => v % 2 },
];

/** --set values: 0 keeps one; short ones make ESTABLISHED and FIN_WAIT expire within a case. */
const setArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 30 }) },
  { weight: 1, arbitrary: fc.integer({ min: 31, max: 1200 }) },
);

/** The classic mix's waits: rare and short (1..1500 ms), as before virtual time. */
export function classicOpsArb(waits: boolean): fc.WeightedArbitrary<Op>[] {
  if (!waits) return [];
  const at = fc.oneof({ weight: 4, arbitrary: fc.double({ min: 0, max: 0.4, noNaN: true }) }, { weight: 1, arbitrary: fc.double({ min: 0.4, max: 1, noNaN: true }) });
  return [{ weight: 1, arbitrary: fc.record({ k: fc.constant('wait' as const), tier: fc.constant<WaitTier>('classic'), at }) }];
}

/** lblc(r)_expiration with an lblc/lblcr service: mostly short, so the full check collects. */
export const expirationArb: fc.Arbitrary<number | undefined> = fc.oneof(
  { withCrossShrink: true },
  { weight: 1, arbitrary: fc.constant(undefined) },
  // under a minute mostly, so one of the minute waits lets an lblcr set shrink
  { weight: 15, arbitrary: fc.integer({ min: 1, max: 55 }) },
  { weight: 4, arbitrary: fc.integer({ min: 56, max: 300 }) },
);

/** After a half-close: now and then a wait for the state's timer (CLOSE_WAIT 60 s, FIN_WAIT 120 s). */
const afterShutArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant<WaitTier | undefined>(undefined) },
  { weight: 1, arbitrary: fc.constantFrom<WaitTier>('minute', 'twomin') },
);

export function lifecycleOpsArb(waits: boolean): fc.WeightedArbitrary<Op>[] {
  const pick = fc.nat({ max: 63 });
  const at = fc.double({ min: 0, max: 1, noNaN: true });
  const then = waits ? afterShutArb : fc.constant(undefined);
  const ops: fc.WeightedArbitrary<Op>[] = [
    { weight: 4, arbitrary: fc.record({ k: fc.constant('shut' as const), pick, server: fc.boolean(), then, at }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('reconnect' as const), pick }) },
    ...(waits ? [{ weight: 5, arbitrary: fc.record({ k: fc.constant('drain' as const), pick, n: fc.integer({ min: 1, max: 3 }), fin: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }), at }) }] : []),
    { weight: 2, arbitrary: fc.record({ k: fc.constant('timeouts' as const), tcp: setArb, tcpfin: setArb, udp: setArb }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('sysctl' as const), which: fc.nat({ max: SYSCTLS.length - 1 }), value: fc.integer({ min: 1, max: 300 }) }) },
  ];
  if (waits) ops.push({ weight: 5, arbitrary: fc.record({ k: fc.constant('wait' as const), tier: tierArb, at }) });
  return ops;
}
