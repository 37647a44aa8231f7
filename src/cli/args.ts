// Small helpers around node's util.parseArgs: strict parsing, and option errors that say what was
// expected and what arrived (``Expected `--jobs` to be a positive integer, got `0` ``).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export function parse<O extends Options>(argv: string[], options: O, command: string, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (e) {
    const msg = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError('IPVS_CONFORM_USAGE', `${msg}. See \`ipvs-conform ${command} --help\``, { cause: e });
  }
}

export function bad(flag: string, expected: string, got: unknown): never {
  throw new UsageError('IPVS_CONFORM_USAGE', `Expected \`${flag}\` to be ${expected}, got \`${String(got)}\``);
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
      if (!item) bad(flag, 'a name or a comma-separated list of names (e.g. rr,wrr)', v);
      if (!out.includes(item)) out.push(item);
    }
  }
  return out;
}
