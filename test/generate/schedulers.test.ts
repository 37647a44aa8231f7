import { describe, expect, it } from 'vitest';
import { schedulersFor } from '../../src/generate/schedulers.js';

describe('schedulersFor', () => {
  it('prefers what the backend reports over the static table', () => {
    expect(schedulersFor('6.1')).toContain('hprio');
    expect(schedulersFor('6.1', { schedulers: ['rr', 'wlc', 'weird'] })).toEqual(['rr', 'wlc']);
    expect(schedulersFor('6.12', { schedulers: ['rr', 'twos', 'sh'] }, ['twos', 'lc'])).toEqual(['twos']);
    expect(schedulersFor('6.12', undefined, ['twos'])).toEqual(['twos']);
  });
});
