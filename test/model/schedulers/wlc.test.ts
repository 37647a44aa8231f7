// wlc: ip_vs_wlc_schedule(): first usable dest, then `loh * weight > doh * least->weight` (s64).
import { describe, expect, it } from 'vitest';
import { wlc } from '../../../src/model/schedulers/wlc.js';
import { dest, pick, service } from './util.js';

describe('wlc', () => {
  it('overhead per weight: 256/1 loses to 256/2', () => {
    const { svc, ctx } = service(wlc, [dest(1, { activeConns: 1 }), dest(2, { weight: 2, activeConns: 1 })]);
    expect(pick(wlc, svc, ctx)).toBe(2);
  });

  it('ties keep the earlier dest (strict >)', () => {
    const { svc, ctx } = service(wlc, [dest(1, { weight: 2, activeConns: 2 }), dest(2, { weight: 1, activeConns: 1 })]);
    expect(pick(wlc, svc, ctx)).toBe(1);
  });

  it('weight 0 never wins the second stage, OVERLOAD is skipped', () => {
    const { svc, ctx } = service(wlc, [dest(1, { activeConns: 5 }), dest(2, { weight: 0 }), dest(3, { weight: 9, overload: true })]);
    expect(pick(wlc, svc, ctx)).toBe(1);
  });

  it('products beyond 2^53 compare exactly', () => {
    const big = 2 ** 31 - 1;
    const { svc, ctx } = service(wlc, [dest(1, { weight: big, activeConns: 0x7fffff }), dest(2, { weight: big - 1, activeConns: 0x7ffffe })]);
    expect(pick(wlc, svc, ctx)).toBe(2);
  });
});
