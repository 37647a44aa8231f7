// nq: ip_vs_nq_schedule(): the first idle dest (activeconns == 0) at once, else the sed minimum.
import { describe, expect, it } from 'vitest';
import { nq } from '../../../src/model/schedulers/nq.js';
import { dest, pick, service } from './util.js';

describe('nq', () => {
  it('first idle dest in list order wins, whatever the weights', () => {
    const { svc, ctx } = service(nq, [dest(1, { activeConns: 1, weight: 9 }), dest(2), dest(3, { weight: 5 })]);
    expect(pick(nq, svc, ctx)).toBe(2);
  });
  it('no idle dest: (active + 1) / weight', () => {
    const { svc, ctx } = service(nq, [dest(1, { activeConns: 1 }), dest(2, { activeConns: 2, weight: 4 })]);
    expect(pick(nq, svc, ctx)).toBe(2);
  });
  it('an idle but quiesced or overloaded dest is not taken', () => {
    const { svc, ctx } = service(nq, [dest(1, { weight: 0 }), dest(2, { overload: true }), dest(3, { activeConns: 3 })]);
    expect(pick(nq, svc, ctx)).toBe(3);
  });
});
