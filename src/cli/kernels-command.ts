// `ipvs-conform kernels`: the pinned kernels and every kernel Debian's package index offers, with
// the model semantics each gets by its exact version and whether --patch can fetch its source.
import { ConformError, EXIT } from '../errors.js';
import { versionsOf } from '../kernels/apt-index.js';
import { DEBIAN_STREAMS, debianOffers, type DebianOffer } from '../kernels/debian.js';
import { parseDebianVersion } from '../kernels/version.js';
import { RULES_ABOUT, SEMANTICS, semanticsForVersion } from '../model/semantics.js';
import { loadKernels } from '../backends/qemu/kernels.js';
import { parse } from './args.js';

export const KERNELS_HELP = `Usage: ipvs-conform kernels [--json]

Lists the pinned kernels (vm/kernels.yaml) and the kernels Debian's package index offers (as this
machine's apt sees it: run apt-get update to refresh it), each with the model semantics its exact
version gets (src/model/semantics.ts) and whether Debian still serves its source (--patch needs it).
Any of them runs with --kernel NAME, --kernel debian:VERSION or --kernel debian:latest-STREAM; a
kernel built from a tree with --kernel tree:DIR.

Example:
  ipvs-conform kernels && ipvs-conform run --kernel debian:latest-6.12 --cases 200`;

export interface KernelRow {
  kernel: string;
  version: string;
  release: string;
  semantics: string;
  /** Why, or why not: the version read and the table line (or the error). */
  why: string;
  source: boolean;
  note?: string;
}

function semanticsOf(version: string): { semantics: string; why: string } {
  const v = parseDebianVersion(version);
  if (!v) return { semantics: 'unknown', why: `${version} is not a Debian kernel version` };
  try {
    return semanticsForVersion(v);
  } catch (e) {
    if (e instanceof ConformError) return { semantics: 'unknown', why: 'not in the version table: pass --semantics' };
    throw e;
  }
}

export function offerRow(o: DebianOffer, latest: boolean): KernelRow {
  const notes = [
    latest ? `= debian:latest-${o.stream}` : '',
    o.image.endsWith('-unsigned') ? '' : 'signed image only',
    !o.headersComplete ? 'headers gone: no hprio, no --patch/--module' : o.kbuildVersion !== o.version ? `kbuild tools from ${o.kbuildVersion}` : '',
  ].filter(Boolean);
  return { kernel: `debian:${o.version}`, version: o.version, release: o.release, ...semanticsOf(o.version), source: o.source, ...(notes.length ? { note: notes.join('; ') } : {}) };
}

export function formatRows(rows: KernelRow[]): string {
  const cols: [string, (r: KernelRow) => string][] = [
    ['KERNEL', (r) => r.kernel],
    ['RELEASE', (r) => r.release],
    ['SEMANTICS', (r) => r.semantics],
    ['SOURCE', (r) => (r.source ? 'yes' : 'gone')],
    ['NOTE', (r) => r.note ?? ''],
  ];
  const width = cols.map(([h, f]) => Math.max(h.length, ...rows.map((r) => f(r).length)));
  const line = (cells: string[]) => '  ' + cells.map((c, i) => c.padEnd(width[i]!)).join('  ').trimEnd();
  return [line(cols.map(([h]) => h)), ...rows.map((r) => line(cols.map(([, f]) => f(r))))].join('\n');
}

export async function kernelsCommand(argv: string[]): Promise<number> {
  const { values: v } = parse(argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, 'kernels');
  if (v.help) {
    process.stdout.write(KERNELS_HELP + '\n');
    return EXIT.ok;
  }
  const table = loadKernels();
  const pinned: KernelRow[] = [];
  const offers = (await Promise.all(DEBIAN_STREAMS.map((s) => debianOffers(s)))).flat();
  for (const k of Object.values(table.kernels)) {
    const [pkg, version] = k.source.split('=') as [string, string];
    const source = (await versionsOf([pkg])).get(pkg)!.includes(version);
    pinned.push({ kernel: k.name, version: k.version, release: k.release, ...semanticsOf(k.version), source, note: `${k.version}${k.name === table.default ? '; the default' : ''}` });
  }
  const debian = DEBIAN_STREAMS.flatMap((s) => {
    const mine = offers.filter((o) => o.stream === s.stream);
    const latest = mine.find((o) => o.headersComplete);
    return mine.map((o) => offerRow(o, o === latest));
  });
  if (v.json) {
    process.stdout.write(JSON.stringify({ pinned, debian, semantics: RULES_ABOUT }, null, 2) + '\n');
    return EXIT.ok;
  }
  const out = [
    'Pinned kernels (vm/kernels.yaml; --kernel NAME):',
    formatRows(pinned),
    '',
    "Debian's package index (apt-cache, as of this machine's last apt-get update; --kernel debian:VERSION):",
    formatRows(debian),
    '',
    'Semantics, chosen by exact version (src/model/semantics.ts VERSION_SEMANTICS; --semantics overrides):',
    ...SEMANTICS.map((s) => `  ${s.padEnd(5)} ${RULES_ABOUT[s]}`),
    'SOURCE: linux-source of exactly that version is in the index (--patch needs it).',
    'A kernel you built: --kernel tree:DIR (README: "A kernel built from a tree").',
  ];
  process.stdout.write(out.join('\n') + '\n');
  return EXIT.ok;
}
