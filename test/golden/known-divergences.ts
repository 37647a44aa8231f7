// Golden cases where the real kernel and the model's stated semantics differ on purpose, each
// with the first differing step and why. Every entry is listed in README.md, "Known divergences".
const HPRIO_LOOP =
  "hprio: the module ports the 2005 patch's code, whose selection loop takes any destination of the " +
  'highest non-overloaded weight without re-checking OVERLOAD; the model follows the stated intent ' +
  '(skip overloaded destinations), so once one of two equal-weight servers is overloaded the kernel ' +
  'still picks it in its round-robin turn';

export const KNOWN_DIVERGENCES: Record<string, { step: number; why: string }> = {
  '6.1/hprio/overload.yaml': { step: 14, why: HPRIO_LOOP },
  '6.12/hprio/overload.yaml': { step: 14, why: HPRIO_LOOP },
};
