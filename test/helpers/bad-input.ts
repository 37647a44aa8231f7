// One row of the README's table of bad input (every class a user can type or edit wrongly, the
// exit code and the error it gets), run through the CLI as a user meets it. The quick classes are
// in test/cli/bad-input.test.ts, the ones that compile in test/cli/bad-build.slow.test.ts; each
// checks that its rows are in the README as it printed them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

const BIN = path.resolve(import.meta.dirname, '../../bin/ipvs-conform.mjs');
const README = path.resolve(import.meta.dirname, '../../README.md');

export interface BadInputResult {
  exitCode: number;
  /** The error as printed (stderr without the program's name), temporary paths as TMP. */
  message: string;
}

/** Runs the CLI with TMP in `args` standing for `tmp`; its error's text with `tmp` shown as TMP, the working directory as CWD. */
export async function cliError(tmp: string, ...args: string[]): Promise<BadInputResult> {
  const r = await execa('node', [BIN, ...args.map((a) => a.replaceAll('TMP', tmp))], { reject: false, env: { NO_COLOR: '1' } });
  // The error, after any progress lines of a run that had started.
  const lines = r.stderr.split(tmp).join('TMP').split(process.cwd()).join('CWD').split('\n');
  const at = lines.findIndex((l) => l.startsWith('ipvs-conform: '));
  return { exitCode: r.exitCode ?? -1, message: lines.slice(Math.max(at, 0)).join('\n').replace(/^ipvs-conform: /, '') };
}

/** A table row: the input, the edit, the exit code and the error's first lines (cut at 160 characters). */
export function row(input: string, edit: string, r: BadInputResult, lines = 1): string {
  const first = r.message.split('\n').slice(0, lines).join(' / ');
  const cut = first.length > 160 ? `${first.slice(0, 159)}…` : first;
  // Markdown: a | ends the cell, a <word> reads as an HTML tag.
  const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('<', '&lt;');
  return `| ${input} | ${cell(edit)} | ${r.exitCode} | ${cell(cut)} |`;
}

export const HEADER = '| input | what was wrong | exit | error (first line) |\n|---|---|---|---|';

/** The rows the README lacks (it must carry each as printed). */
export function missingFromReadme(rows: string[]): string[] {
  const readme = readFileSync(README, 'utf8');
  return rows.filter((r) => !readme.includes(r));
}
