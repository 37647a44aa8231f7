// ovf: ip_vs_ovf_schedule(): skip when `activeconns > weight` (equality still eligible), then the
// highest weight, first wins ties.
import { describe, expect, it } from 'vitest';
import { ovf } from '../../../src/model/schedulers/ovf.js';
import { dest, pick, service } from './util.js';

describe('ovf', () => {
  it('activeconns == weight is still eligible', () => {
    const { svc, ctx } = service(ovf, [dest(1, { weight: 1 }), dest(2, { weight: 2, activeConns: 2 })]);
    expect(pick(ovf, svc, ctx)).toBe(2);
  });
  it('activeconns > weight goes to the next in line', () => {
    const { svc, ctx } = service(ovf, [dest(1, { weight: 1 }), dest(2, { weight: 2, activeConns: 3 })]);
    expect(pick(ovf, svc, ctx)).toBe(1);
  });
  it('weight 0 and OVERLOAD are skipped; nothing left: none', () => {
    const { svc, ctx } = service(ovf, [dest(1, { weight: 0 }), dest(2, { overload: true, weight: 3 })]);
    expect(pick(ovf, svc, ctx)).toBe(0);
  });
});
