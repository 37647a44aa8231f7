export { shrinkDivergence, type ShrinkOptions, type ShrinkResult } from './shrink.js';
export { withInfraRetries } from './retry.js';
