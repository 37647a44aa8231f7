// Time on a QEMU guest: virtual (icount) or real, and the time limits that follow from it.
import { UsageError } from '../../errors.js';
import type { Scenario } from '../../scenario.js';
import type { Icount } from './qemu-args.js';

/**
 * Every guest runs on virtual time (QEMU -icount shift=auto,sleep=off): the guest clock jumps to
 * the next timer when the guest idles, so the lifecycle's waits (minutes, hours) cost seconds, and
 * the kernel's jiffies are the model's clock. IPVS_CONFORM_ICOUNT=none|auto|N overrides it.
 */
export const VIRTUAL_TIME: Icount = { shift: 'auto', sleep: false };

export function icountSetting(): Icount | null {
  const v = process.env.IPVS_CONFORM_ICOUNT;
  if (v === undefined || v === '') return VIRTUAL_TIME;
  if (v === 'none') return null;
  if (v === 'auto') return { shift: 'auto', sleep: false };
  if (/^\d+$/.test(v)) return { shift: Number(v), sleep: false };
  throw new UsageError('IPVS_CONFORM_BAD_ICOUNT', `IPVS_CONFORM_ICOUNT=${v}: expected none, auto or a shift 0..10`);
}

/** Time limits, in ms. A case's limit grows with its events and the waits it asks for. */
export const QEMU_TIMEOUTS = {
  boot: 60_000,
  caseBase: 20_000,
  perEvent: 500,
  /** After the last case, how long to wait for trouble the kernel prints late (drain). */
  drainSettle: 300,
} as const;

/**
 * On virtual time a guest wait costs a small fraction of itself in wall time (a 600 s wait took
 * 1.4-2.9 s under load): a twentieth leaves room. On real time it costs all of it.
 */
export const VIRTUAL_WAIT_SHARE = 1 / 20;

export function caseTimeoutMs(scenario: Scenario, virtualTime = false): number {
  const waits = scenario.events.reduce((sum, e) => sum + (e.op === 'wait' ? e.ms : 0), 0);
  return QEMU_TIMEOUTS.caseBase + QEMU_TIMEOUTS.perEvent * scenario.events.length + (virtualTime ? waits * VIRTUAL_WAIT_SHARE : waits);
}
