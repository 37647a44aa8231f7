// Build and boot steps say what they do and how long it took, on stderr (stdout stays for
// listings and results). IPVS_CONFORM_QUIET=1 silences them.

export function log(message: string): void {
  if (process.env.IPVS_CONFORM_QUIET === '1') return;
  process.stderr.write(`[vm] ${message}\n`);
}

/** Runs one step, logging its start and its duration. */
export async function step<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  log(`${what} ...`);
  try {
    const result = await fn();
    log(`${what}: done in ${ms(performance.now() - start)}`);
    return result;
  } catch (err) {
    log(`${what}: failed after ${ms(performance.now() - start)}`);
    throw err;
  }
}

export function ms(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${Math.round(n)} ms`;
}
