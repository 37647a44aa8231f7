export { compareObservations, verdictLine } from './compare.js';
export { connSetText, parseConnRows } from './conns.js';
export { sideBySide } from './side-by-side.js';
export { tableText } from './tables.js';
export type { DiffKind, Divergence, Verdict } from './verdict.js';
