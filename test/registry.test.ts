import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEDULERS } from '../src/model/schedulers/index.js';
import { ALL_FLAGS, ALL_SCHEDULERS, FLAG_NUMBER, SCHEDULER_FLAGS } from '../src/registry.js';

/** The C agent's name → IP_VS_SVC_F_SCHEDn table in flag_bit(), as pairs [name, n]. */
function agentFlagTable(): [string, number][] {
  const c = readFileSync(new URL('../vm/agent/src/case.c', import.meta.url), 'utf8');
  const body = /static int flag_bit\([^]*?\} F\[\] = \{([^;]*)\};/.exec(c);
  if (!body) throw new Error('vm/agent/src/case.c: no flag table F[] in flag_bit()');
  return [...body[1]!.matchAll(/\{\s*"([^"]+)",\s*IP_VS_SVC_F_SCHED(\d)\s*\}/g)].map((m) => [m[1]!, Number(m[2])]);
}

describe('the registry of schedulers and flags', () => {
  it('has the same flag names and bits as the C agent', () => {
    const agent = agentFlagTable();
    expect(agent.length).toBeGreaterThan(0);
    expect(Object.fromEntries(agent)).toEqual(FLAG_NUMBER);
    expect(agent).toHaveLength(Object.keys(FLAG_NUMBER).length); // no name twice in C
  });

  it('names each scheduler flag after a flag of the table', () => {
    for (const f of ALL_FLAGS) expect(FLAG_NUMBER).toHaveProperty([f]);
    for (const [s, flags] of Object.entries(SCHEDULER_FLAGS)) expect(flags).toEqual([`${s}-fallback`, `${s}-port`]);
  });

  it('lists exactly the schedulers the model has', () => {
    expect([...ALL_SCHEDULERS].sort()).toEqual([...SCHEDULERS.keys()].sort());
  });
});
