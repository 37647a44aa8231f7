// The kernel's timer wheel arithmetic (kernel/time/timer.c, the same in 6.1 and 6.12): where a
// timer armed with `expires` lands when the wheel's clock is `clk`, and when that bucket fires.
// A timer fires when the wheel reaches its bucket, which calc_index() rounds *up* to the level's
// granularity (never early): 1 jiffy at level 0, 8 at level 1, 64, 512, 4096 (16 s at HZ 250),
// 32768 ... Jiffies are plain numbers here (they stay far below 2^53), so no shift is used on them.

/** LVL_CLK_SHIFT, LVL_BITS, LVL_SIZE; LVL_DEPTH is 9 for HZ > 100 (Debian: HZ 250). */
export const LVL_CLK_SHIFT = 3;
export const LVL_SIZE = 64;
export const LVL_DEPTH = 9;

/** LVL_GRAN(n) = 1 << (n * LVL_CLK_SHIFT) */
export const lvlGran = (n: number): number => 2 ** (n * LVL_CLK_SHIFT);
/** LVL_START(n) = (LVL_SIZE - 1) << ((n - 1) * LVL_CLK_SHIFT) */
export const lvlStart = (n: number): number => (LVL_SIZE - 1) * 2 ** ((n - 1) * LVL_CLK_SHIFT);
/** WHEEL_TIMEOUT_CUTOFF and WHEEL_TIMEOUT_MAX */
const CUTOFF = lvlStart(LVL_DEPTH);
const TIMEOUT_MAX = CUTOFF - lvlGran(LVL_DEPTH - 1);

export interface WheelPlace {
  /** The wheel index (LVL_OFFS(level) + slot): mod_timer()'s same-bucket test compares it. */
  idx: number;
  /** The jiffy at which the wheel reaches the bucket: when the timer fires. */
  bucket: number;
  level: number;
}

const GRAN = Array.from({ length: LVL_DEPTH }, (_, n) => lvlGran(n));
const START = Array.from({ length: LVL_DEPTH + 1 }, (_, n) => lvlStart(n));

/** calc_index(): rounds up to the level's granularity ("never fire early"). Fills `out`. */
function calcIndex(expires: number, lvl: number, out: WheelPlace): WheelPlace {
  const gran = GRAN[lvl]!;
  const e = Math.floor(expires / gran) + 1;
  out.idx = lvl * LVL_SIZE + (e % LVL_SIZE);
  out.bucket = e * gran;
  out.level = lvl;
  return out;
}

/** calc_wheel_index(expires, clk). `out` is filled and returned (the hot path allocates nothing). */
export function calcWheelIndex(expires: number, clk: number, out: WheelPlace = { idx: 0, bucket: 0, level: 0 }): WheelPlace {
  const delta = expires - clk;
  // (long) delta < 0: an expiry in the past goes to the bucket of clk itself
  if (delta < 0) {
    out.idx = clk % LVL_SIZE;
    out.bucket = clk;
    out.level = 0;
    return out;
  }
  for (let lvl = 0; lvl < LVL_DEPTH - 1; lvl++) if (delta < START[lvl + 1]!) return calcIndex(expires, lvl, out);
  // Force expire obscene large timeouts to expire at the capacity limit of the wheel.
  return calcIndex(delta >= CUTOFF ? clk + TIMEOUT_MAX : expires, LVL_DEPTH - 1, out);
}
