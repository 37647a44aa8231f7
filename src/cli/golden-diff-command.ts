// `ipvs-conform golden --diff K1 K2 [--scheduler S] [--patch FILE]`: runs the golden scenarios on two
// kernels side by side and prints, per scenario, the first event where their scheduling or listings
// differ. Exit 0 when none differs, 1 when some do (what a kernel update would change).
import { EXIT, UsageError } from '../errors.js';
import { diffKernels, type DiffResult } from '../golden/diff.js';
import { resolveKernels } from '../kernels/resolve.js';
import { createBackend } from '../run/backends.js';
import { bad, existingFile, listArg, parse } from './args.js';
import { ALL_SCHEDULERS } from '../generate/schedulers.js';

export const GOLDEN_DIFF_HELP = `Usage: ipvs-conform golden --diff K1 K2 [--scheduler S] [--patch FILE]

Runs every golden scenario on both kernels (one guest each, side by side) and prints, for each
scenario where they differ, the first event whose errno, chosen server or table differs, else the
first listing that differs. K1 and K2 are any --kernel values: 6.1, debian:6.1.192-3,
debian:latest-6.12, tree:DIR. --patch applies to K2 only (what a patch changes on one kernel).
A difference counts only when it comes back the same on a re-run (a connect that timed out on a
loaded host does not). Exit: 0 no scenario differs, 1 some do, 2 usage, 3 infrastructure (or
only differences that did not repeat).

Example:
  ipvs-conform golden --diff 6.1 debian:latest-6.1`;

export async function goldenDiffCommand(argv: string[]): Promise<number> {
  const { values: v, positionals } = parse(
    argv,
    { diff: { type: 'boolean' }, scheduler: { type: 'string', multiple: true }, patch: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
    'golden --diff',
    true,
  );
  if (v.help) {
    process.stdout.write(GOLDEN_DIFF_HELP + '\n');
    return EXIT.ok;
  }
  if (positionals.length !== 2) throw new UsageError('IPVS_CONFORM_USAGE', `Expected two kernels after \`golden --diff\` (e.g. golden --diff 6.1 debian:latest-6.1), got ${positionals.length}: ${positionals.join(' ') || 'none'}. Fix: name both, as in \`ipvs-conform golden --diff 6.1 debian:latest-6.1\``);
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const [ka, kb] = await resolveKernels(positionals, { log });
  const wanted = listArg('--scheduler', v.scheduler);
  for (const s of wanted) if (!ALL_SCHEDULERS.includes(s)) bad('--scheduler', `one of ${ALL_SCHEDULERS.join(', ')}`, s);
  const patches = (v.patch ?? []).map((p) => existingFile('--patch', p));
  const a = await createBackend('qemu', { kernel: ka!.name, jobs: 1 });
  const b = await createBackend('qemu', { kernel: kb!.name, jobs: 1, ...(patches.length ? { patches } : {}) });
  try {
    const [ca, cb] = await Promise.all([a.start(), b.start()]);
    const both = ca.schedulers.filter((s) => cb.schedulers.includes(s) && (!wanted.length || wanted.includes(s))).sort();
    const only = [...ca.schedulers.filter((s) => !cb.schedulers.includes(s)).map((s) => `${s} (${ka!.name} only)`), ...cb.schedulers.filter((s) => !ca.schedulers.includes(s)).map((s) => `${s} (${kb!.name} only)`)];
    log(`golden --diff: ${ka!.name} (${ca.release}) vs ${kb!.name} (${cb.release}); schedulers ${both.join(' ')}${only.length ? `; not compared: ${only.join(', ')}` : ''}`);
    const results = await diffKernels(a, b, both, (r) => printResult(r, ka!.name, kb!.name));
    const changed = results.filter((r) => r.difference && !r.unstable);
    const unstable = results.filter((r) => r.unstable);
    const bySched = [...new Set(changed.map((r) => r.scheduler))];
    process.stdout.write(`\n${changed.length} of ${results.length} golden scenarios differ between ${ka!.name} and ${kb!.name}${bySched.length ? ` (schedulers: ${bySched.join(' ')})` : ''}\n`);
    if (unstable.length) {
      process.stdout.write(`${unstable.length} did not repeat on re-runs (not counted; look at the host's load):\n`);
      for (const r of unstable) process.stdout.write(`  ${r.scheduler}/${r.template}: first run: ${r.difference!.where}: ${r.difference!.what} ${r.difference!.a} vs ${r.difference!.b}\n`);
    }
    return changed.length ? EXIT.divergence : unstable.length ? EXIT.infra : EXIT.ok;
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

function printResult(r: DiffResult, na: string, nb: string): void {
  const d = r.difference;
  if (!d || r.unstable) return;
  const w = Math.max(na.length, nb.length);
  process.stdout.write(`${r.scheduler}/${r.template}: ${d.where}: ${d.what}\n  ${na.padEnd(w)}  ${d.a}\n  ${nb.padEnd(w)}  ${d.b}\n`);
}
