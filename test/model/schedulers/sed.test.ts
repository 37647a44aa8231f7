// sed: ip_vs_sed_schedule(): (activeconns + 1) / weight, inactive connections ignored.
import { describe, expect, it } from 'vitest';
import { sed } from '../../../src/model/schedulers/sed.js';
import { dest, pick, service } from './util.js';

describe('sed', () => {
  it('(active + 1) / weight: 1/1 loses to 2/3', () => {
    const { svc, ctx } = service(sed, [dest(1), dest(2, { weight: 3, activeConns: 1 })]);
    expect(pick(sed, svc, ctx)).toBe(2);
  });
  it('inactive connections do not count', () => {
    const { svc, ctx } = service(sed, [dest(1, { inactConns: 50 }), dest(2, { activeConns: 1 })]);
    expect(pick(sed, svc, ctx)).toBe(1);
  });
  it('skips weight 0 for the first pick and OVERLOAD always', () => {
    const { svc, ctx } = service(sed, [dest(1, { weight: 0 }), dest(2, { overload: true }), dest(3, { activeConns: 7 })]);
    expect(pick(sed, svc, ctx)).toBe(3);
  });
});
