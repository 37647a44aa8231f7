// run --guided / --corpus: the options, their help and their checks (src/coverage/guide.ts does the work).
import { UsageError } from '../errors.js';

export { Corpus } from './corpus.js';
export { CoverageGuide } from './guide.js';

export const GUIDED_HELP = `  --guided           (with --coverage) coverage-guided generation: draw more from the schedulers
                     whose cases reach new code, and mutate cases that did (not reproducible
                     from --seed; every saved case still replays from its file)
  --corpus DIR       (with --guided) keep the cases that reached new code in DIR/<kernel>/, and
                     start from those kept by earlier runs`;

export function checkGuided(v: { coverage?: boolean; guided?: boolean; corpus?: string; shard?: string; case?: string }): void {
  if (v.guided && !v.coverage) throw new UsageError('IPVS_CONFORM_USAGE', 'Expected `--coverage` with `--guided`, got `--guided` alone (guidance follows the coverage each case reached). Fix: add --coverage');
  if (v.corpus !== undefined && !v.guided) throw new UsageError('IPVS_CONFORM_USAGE', 'Expected `--guided` with `--corpus`, got `--corpus` alone. Fix: add --coverage --guided');
  if (v.guided && v.case !== undefined) throw new UsageError('IPVS_CONFORM_USAGE', 'Expected no `--case` with `--guided`: a guided case is not drawn from the seed alone. Fix: replay its saved file, or drop --guided');
  if (v.guided && v.shard !== undefined) throw new UsageError('IPVS_CONFORM_USAGE', 'Expected no `--shard` with `--guided`: guided cases depend on what earlier cases reached, so shards are not parts of one run. Fix: drop --shard, or --guided');
}
