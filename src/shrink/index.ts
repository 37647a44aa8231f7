export { sameBug, shrinkDivergence, type Judged, type Oracle, type ShrinkOptions, type ShrinkResult } from './shrink.js';
export { withInfraRetries } from './retry.js';
