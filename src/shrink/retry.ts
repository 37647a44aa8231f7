// Infrastructure trouble (a hung guest, a lost channel) is retried a fixed number of times, as
// syzkaller's repro does ("it's hard to classify all kinds of errors, so let's just retry"). It is
// never read as an answer: when the retries run out the error propagates.
import { InfraError } from '../errors.js';

export async function withInfraRetries<T>(attempts: number, fn: () => Promise<T>, onRetry?: (e: InfraError, attempt: number) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      // IPVS_CONFORM_MODEL: the model failed; it would fail the same way again.
      if (!(e instanceof InfraError) || e.permanent || e.code === 'IPVS_CONFORM_MODEL' || attempt >= attempts) throw e;
      onRetry?.(e, attempt);
    }
  }
}
