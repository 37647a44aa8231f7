import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { pidAlive } from '../../src/host/pid.js';

describe('pidAlive', () => {
  it('sees this process and not one that has exited', () => {
    expect(pidAlive(process.pid)).toBe(true);
    const done = spawnSync('true');
    expect(done.pid).toBeGreaterThan(0);
    expect(pidAlive(done.pid!)).toBe(false);
  });
});
