// Progress lines on stderr (stdout stays for results), like src/backends/qemu/log.ts. IPVS_CONFORM_QUIET=1
// silences them.
export function log(message: string): void {
  if (process.env.IPVS_CONFORM_QUIET === '1') return;
  process.stderr.write(`[docker] ${message}\n`);
}
