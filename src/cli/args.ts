// Small helpers around node's util.parseArgs: strict parsing, and option errors that say what was
// expected, what arrived and the fix (``Expected `--jobs` to be a positive integer, got `0`. Fix:
// write it as in `--jobs 2` ``). Every value a flag takes is checked before anything starts.
import { statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** How each flag that takes a value is written right: the fix an error about it shows. */
const EXAMPLE: Record<string, string> = {
  '--jobs': '--jobs 2',
  '--cases': '--cases 200',
  '--time-budget': '--time-budget 30m',
  '--seed': '--seed 7',
  '--case': '--case 12',
  '--shard': '--shard 0/4',
  '--infra-retries': '--infra-retries 3',
  '--shrink-budget': '--shrink-budget 5m',
  '--max-ops': '--max-ops 56',
  '--max-unknown': '--max-unknown 3` or `--max-unknown 1%',
  '--backend': '--backend qemu',
  '--semantics': '--semantics 6.12',
  '--scheduler': '--scheduler rr,wrr',
  '--kernel': '--kernel 6.1,6.12',
  '--report': '--report reports',
  '--out': '--out reports/merged',
  '--patch': '--patch my-fix.patch',
  '--module': '--module vm/modules/hprio',
  '--save': '--save reports/cases/mine.yaml',
  '--corpus': '--corpus corpus',
};

/** An option error: the flag, what was expected, what arrived, and the fix (by default the flag's example). */
export function bad(flag: string, expected: string, got: unknown, fix?: string): never {
  throw new UsageError('IPVS_CONFORM_USAGE', `Expected \`${flag}\` to be ${expected}, got \`${String(got)}\`. Fix: ${fix ?? `write it as in \`${EXAMPLE[flag] ?? `${flag} VALUE`}\``}`);
}

export function parse<O extends Options>(argv: string[], options: O, command: string, allowPositionals = false) {
  let parsed;
  try {
    parsed = parseArgs({ args: negativeValues(argv, options), options, strict: true, allowPositionals, tokens: true });
  } catch (e) {
    throw parseError(e as Error & { code?: string }, options, command);
  }
  // parseArgs keeps the last of a flag given twice: say so rather than drop one silently.
  for (const [name, o] of Object.entries(options)) {
    const given = parsed.tokens.flatMap((t) => (t.kind === 'option' && t.name === name ? [t.value ?? ''] : []));
    if (!o.multiple && o.type === 'string' && given.length > 1) {
      bad(`--${name}`, 'given once', given.map((g) => `--${name} ${g}`).join(' '), `keep one of them`);
    }
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

/** `--jobs -1` as `--jobs=-1`, so a negative number is read as the value it is (and refused by its check). */
function negativeValues(argv: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const o = options[a.replace(/^--/, '')];
    if (a.startsWith('--') && o?.type === 'string' && /^-\d/.test(argv[i + 1] ?? '')) out.push(`${a}=${argv[++i]}`);
    else out.push(a);
  }
  return out;
}

/** parseArgs' own errors, said as ours: what was expected, what arrived, the fix. */
function parseError(e: Error & { code?: string }, options: Options, command: string): UsageError {
  const help = `see \`ipvs-conform ${command} --help\``;
  const name = /'(-[^' ]+)/.exec(e.message)?.[1] ?? '?';
  const flags = Object.keys(options).map((o) => `--${o}`).join(', ');
  let msg: string;
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') msg = `Unknown option '${name}': expected one of ${flags}, got \`${name}\`. Fix: drop it or correct its spelling; ${help}`;
  else if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const word = /argument '([^']*)'/.exec(e.message)?.[1] ?? '?';
    msg = `Expected only options after \`ipvs-conform ${command}\`, got \`${word}\`. Fix: drop it, or give it to the option it belongs to; ${help}`;
  } else if (/argument missing/.test(e.message)) msg = `Expected \`${name}\` to be followed by a value, got nothing. Fix: write it as in \`${EXAMPLE[name] ?? `${name} VALUE`}\``;
  else if (/does not take an argument/.test(e.message)) msg = `Expected \`${name}\` alone (a switch, it takes no value), got a value. Fix: write \`${name}\``;
  else msg = `${e.message}. Fix: ${help}`;
  return new UsageError('IPVS_CONFORM_USAGE', msg, { cause: e });
}

/** The flags that say what a command runs scenarios on: the backend, and the build's patches and out-of-tree modules. */
export const BUILD_OPTIONS = {
  backend: { type: 'string' },
  patch: { type: 'string', multiple: true },
  module: { type: 'string', multiple: true },
} as const;

/** --patch files and --module directories, each checked to exist before anything starts. */
export function buildFiles(v: { patch?: string[]; module?: string[] }): { patches: string[]; moduleDirs: string[] } {
  return { patches: (v.patch ?? []).map((p) => existingFile('--patch', p)), moduleDirs: (v.module ?? []).map((m) => existingDir('--module', m)) };
}

/** A file the flag reads: it exists and is not a directory. */
export function existingFile(flag: string, v: string): string {
  const st = statOrUndefined(v);
  if (!st) bad(flag, 'a file that exists', v, `check the path (no such file from ${process.cwd()})`);
  if (st.isDirectory()) bad(flag, 'a file, not a directory', v, `name the file inside it, as in \`${EXAMPLE[flag] ?? flag}\``);
  return path.resolve(v);
}

/** A directory the flag reads: it exists and is one. */
export function existingDir(flag: string, v: string): string {
  const st = statOrUndefined(v);
  if (!st) bad(flag, 'a directory that exists', v, `check the path (no such directory from ${process.cwd()})`);
  if (!st.isDirectory()) bad(flag, 'a directory, not a file', v, `name the directory, as in \`${EXAMPLE[flag] ?? flag}\``);
  return path.resolve(v);
}

/** A directory the flag writes (made if missing): nothing on its path is a file. */
export function outputDir(flag: string, v: string): string {
  const full = path.resolve(v);
  for (let p = full; ; p = path.dirname(p)) {
    const st = statOrUndefined(p);
    if (st && !st.isDirectory()) bad(flag, 'a directory to write into (made if missing)', v, `${p === full ? 'it is' : `${p} is`} a file: choose another path, as in \`${EXAMPLE[flag] ?? flag}\``);
    if (st || p === path.dirname(p)) return full;
  }
}

/** A file the flag writes: not a directory, in a directory that exists. */
export function outputFile(flag: string, v: string): string {
  const st = statOrUndefined(v);
  if (st?.isDirectory()) bad(flag, 'a file to write, not a directory', v, `name a file inside it, as in \`${EXAMPLE[flag] ?? flag}\``);
  const dir = statOrUndefined(path.dirname(path.resolve(v)));
  if (!dir?.isDirectory()) bad(flag, 'a file in a directory that exists', v, `make the directory first (mkdir -p ${path.dirname(v)})`);
  return path.resolve(v);
}

function statOrUndefined(p: string) {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

export function positiveInt(flag: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) bad(flag, 'a positive integer', v);
  return Number(v);
}

/** A seed: any integer (fast-check seeds are 32-bit; larger values are folded). */
/** --max-unknown: a number of cases (3) or a share of them (1%). */
export function maxUnknownArg(v: string | undefined): { cases: number } | { percent: number } {
  if (v === undefined) return { cases: 0 };
  const m = /^(\d+(?:\.\d+)?)%$/.exec(v);
  if (m && Number(m[1]) <= 100) return { percent: Number(m[1]) };
  if (/^\d+$/.test(v) && Number.isSafeInteger(Number(v))) return { cases: Number(v) };
  bad('--max-unknown', 'a number of cases (0, 3) or a percentage (1%, 0.5%)', v);
}

export function seedArg(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) bad('--seed', 'an integer', v);
  return Number(BigInt.asIntN(32, BigInt(v)));
}

/** "i/n" with 0 <= i < n: case k runs in shard k mod n. */
export function shardArg(v: string | undefined): { index: number; count: number } | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(v);
  if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) bad('--shard', 'i/n with 0 <= i < n (e.g. 0/4)', v);
  return { index: Number(m[1]), count: Number(m[2]) };
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "90s", "10m", "1h30m", "500ms", or plain seconds. */
export function durationArg(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const parts = [...v.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== v) bad(flag, 'a duration like 90s, 10m or 1h30m', v);
  const ms = parts.reduce((a, p) => a + Number(p[1]) * UNIT_MS[p[2]!]!, 0);
  if (ms <= 0) bad(flag, 'a duration longer than 0', v);
  return ms;
}

export function oneOf<T extends string>(flag: string, v: string | undefined, valid: readonly T[], dflt: T): T {
  if (v === undefined) return dflt;
  if (!valid.includes(v as T)) bad(flag, `one of ${valid.join(', ')}`, v);
  return v as T;
}

/**
 * A list option as people type lists: repeated (`--kernel 6.1 --kernel 6.12`), comma-separated
 * (`--kernel 6.1,6.12`) or both. Spaces around commas are allowed; an empty item is not.
 */
export function listArg(flag: string, values: readonly string[] | undefined): string[] {
  const out: string[] = [];
  for (const v of values ?? []) {
    for (const item of v.split(',').map((s) => s.trim())) {
      if (!item) bad(flag, `a name or a comma-separated list of names (e.g. ${(EXAMPLE[flag] ?? '').split(' ')[1] ?? 'a,b'})`, v);
      if (!out.includes(item)) out.push(item);
    }
  }
  return out;
}
