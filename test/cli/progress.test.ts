import { describe, expect, it, vi } from 'vitest';
import { Progress } from '../../src/cli/progress.js';
import type { CaseRecord } from '../../src/run/records.js';

const sink = () => {
  const chunks: string[] = [];
  return { chunks, stream: { write: (s: string) => (chunks.push(s), true) } as unknown as NodeJS.WriteStream };
};
const rec = (outcome: CaseRecord['outcome']): CaseRecord => ({ kernel: '6.1', index: 0, seed: 0, scheduler: 'rr', events: 3, outcome, ms: 1 });

describe('Progress', () => {
  it('redraws one line on a terminal, with cases, rate and findings', () => {
    const { chunks, stream } = sink();
    const p = new Progress(stream, true);
    p.startKernel('6.1', 10);
    p.onCase(rec('diverge'));
    p.log('a message');
    expect(chunks.join('')).toMatch(/\r\x1b\[K6\.1: \[#+\.+\] 1\/10 cases .* findings 1/);
    expect(chunks).toContain('a message\n');
  });

  it('writes a plain line every 30 s when not a terminal', () => {
    vi.useFakeTimers();
    try {
      const { chunks, stream } = sink();
      const p = new Progress(stream, false);
      p.startKernel('6.12', undefined);
      p.onCase(rec('agree'));
      expect(chunks).toEqual([]);
      vi.advanceTimersByTime(31_000);
      p.onCase(rec('infra'));
      expect(chunks).toHaveLength(1);
      expect(chunks[0]).toMatch(/^6\.12: 2 cases .* infra 1\n$/);
      expect(chunks[0]).not.toContain('\r');
    } finally {
      vi.useRealTimers();
    }
  });
});
