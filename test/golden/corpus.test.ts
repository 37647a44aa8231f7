import { describe, expect, it } from 'vitest';
import { stringifyGolden, withoutClock, type GoldenFile } from '../../src/golden/corpus.js';
import type { DestRow, ServiceRow } from '../../src/observation.js';

const dest = (d: string): DestRow => ({ dest: d, fwd: 'Masq', weight: 1, upper: 0, lower: 0, active: 0, inactive: 0, persistent: 0 });
const svc = (s: string, dests: string[]): ServiceRow => ({ svc: s as ServiceRow['svc'], scheduler: 'rr', flags: [], dests: dests.map(dest) });

function golden(table: ServiceRow[], j: [number, number]): GoldenFile {
  return {
    format: 1, kernel: '6.12', release: 'r', scheduler: 'rr', template: 't', about: '',
    scenario: { events: [] } as unknown as GoldenFile['scenario'],
    observed: { steps: [{ table, j, tableJ: j }], listings: { list: '', thresholds: '', persistent: '' }, conns: '', hz: 250 },
  };
}

describe('withoutClock: what golden --check compares', () => {
  it('is the same whatever the hash order of the services and the jiffies (a new boot)', () => {
    const a = golden([svc('udp/10.0.0.1:53', ['10.2.0.1:53']), svc('10.0.0.1:80', ['10.2.0.2:80', '10.2.0.1:80'])], [1, 2]);
    const b = golden([svc('10.0.0.1:80', ['10.2.0.2:80', '10.2.0.1:80']), svc('udp/10.0.0.1:53', ['10.2.0.1:53'])], [7, 9]);
    expect(stringifyGolden(withoutClock(a))).toBe(stringifyGolden(withoutClock(b)));
  });
  it('still tells a different destination list order apart (the order schedulers walk)', () => {
    const a = golden([svc('10.0.0.1:80', ['10.2.0.2:80', '10.2.0.1:80'])], [1, 2]);
    const b = golden([svc('10.0.0.1:80', ['10.2.0.1:80', '10.2.0.2:80'])], [1, 2]);
    expect(stringifyGolden(withoutClock(a))).not.toBe(stringifyGolden(withoutClock(b)));
  });
});
