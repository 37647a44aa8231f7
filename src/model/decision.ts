// Allocation-free answers for deterministic schedulers: one shared Decision object, valid until the
// next call (the model reads it at once and never keeps it).
import type { Decision, DestState } from './types.js';

const ONE: { kind: 'one'; dest: DestState | null } = { kind: 'one', dest: null };

export function one(dest: DestState | null): Decision {
  ONE.dest = dest;
  return ONE;
}
