// Infrastructure trouble (a hung guest, a lost channel) is retried a fixed number of times, as
// syzkaller's repro does ("it's hard to classify all kinds of errors, so let's just retry"). It is
// never read as an answer: when the retries run out the error propagates. Anything else (a kernel
// finding, a model crash, bad input) is an answer or a bug and propagates at once.
import { InfraError } from '../errors.js';

export async function withInfraRetries<T>(attempts: number, fn: () => Promise<T>, onRetry?: (e: InfraError, attempt: number) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof InfraError) || e.permanent || attempt >= attempts) throw e;
      onRetry?.(e, attempt);
    }
  }
}
