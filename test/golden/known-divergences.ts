// Golden cases where the real kernel and the model's stated semantics differ on purpose, each
// with the first differing step and why. Every entry is listed in README.md, "Known divergences".
export const KNOWN_DIVERGENCES: Record<string, { step: number; why: string }> = {};
