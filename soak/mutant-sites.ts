// One-line mutants of the kernel's IPVS C sources, drawn with a seed (npm run mutants). Pure: text
// in, candidate mutations and unified diffs out; soak/mutants.ts builds and runs them.
// The operators are the classic mutation-testing ones (relational flip, off-by-one, logical
// connector, atomic counter direction, negated condition), applied to one line of code at a time.
import { createTwoFilesPatch } from 'diff';
import { seededRandom } from '../src/random.js';

export type Operator = 'relational' | 'drop-off-by-one' | 'add-plus-one' | 'and-or' | 'atomic-inc-dec' | 'negate-if';

export interface Mutation {
  /** Path in the kernel tree, e.g. net/netfilter/ipvs/ip_vs_wlc.c. */
  file: string;
  /** 1-based line number. */
  line: number;
  /** The enclosing function (empty outside one). */
  fn: string;
  operator: Operator;
  before: string;
  after: string;
}

const FLIP: Record<string, string> = { '<': '<=', '<=': '<', '>': '>=', '>=': '>', '==': '!=', '!=': '==' };
// A relational operator that is neither a shift, an arrow nor part of a compound assignment.
const RELATIONAL = /(?<![<>=!\-])(<=|>=|==|!=|<|>)(?![<>=])/g;
const OPERAND = /^(\s*)(\(?[A-Za-z_][\w]*(?:(?:->|\.)[A-Za-z_]\w*|\(\))*|\d+)/;
// Lines that only print or assert: mutating them is an equivalent mutant by construction.
const NOISE = /^\s*(IP_VS_DBG|IP_VS_ERR|pr_|printk|WARN|BUG|EnterFunction|LeaveFunction|seq_|#)/;

/** Every candidate mutation of one file, restricted to functions `keep` accepts. */
export function mutationsOf(file: string, text: string, keep: (fn: string) => boolean = () => true): Mutation[] {
  const out: Mutation[] = [];
  for (const l of codeLines(text)) {
    if (!l.fn || !keep(l.fn)) continue;
    for (const [operator, after] of lineMutations(l.code)) {
      out.push({ file, line: l.line, fn: l.fn, operator, before: l.code, after });
    }
  }
  return out;
}

interface CodeLine {
  line: number;
  fn: string;
  code: string;
}

/** Lines of code inside function bodies, with comments, printing statements and #lines left out. */
export function codeLines(text: string): CodeLine[] {
  const out: CodeLine[] = [];
  let fn = '', header = '', prev = '', inBody = false, inComment = false, inNoise = false;
  text.split('\n').forEach((code, i) => {
    const wasComment = inComment;
    inComment = commentAfter(code, inComment);
    if (wasComment || /^\s*(\/\*|\*|\/\/)/.test(code)) return;
    if (!inBody) {
      // A function's body opens right after its parameter list; a `{` after `... =` is data.
      if (code === '{') [inBody, fn] = [true, /\)\s*$/.test(prev) ? functionName(header) : ''];
      else if (/^[A-Za-z_].*\(/.test(code)) header = code;
      if (code.trim() !== '') prev = code;
      return;
    }
    if (/^\};?$/.test(code)) return void ([inBody, fn] = [false, '']);
    const noisy = inNoise || NOISE.test(code);
    inNoise = noisy && !/;\s*$/.test(code);
    if (fn && !noisy && !code.includes('/*') && code.trim() !== '') out.push({ line: i + 1, fn, code });
  });
  return out;
}

function commentAfter(code: string, inComment: boolean): boolean {
  const open = code.lastIndexOf('/*');
  const close = code.lastIndexOf('*/');
  return open > close ? true : close > open ? false : inComment;
}

function functionName(header: string): string {
  return /([A-Za-z_]\w*)\s*\(/.exec(header)?.[1] ?? '';
}

/** The mutations of one line of code: [operator, the mutated line]. */
export function lineMutations(code: string): [Operator, string][] {
  const out: [Operator, string][] = [];
  const at = (i: number, len: number, by: string) => code.slice(0, i) + by + code.slice(i + len);
  for (const m of code.matchAll(RELATIONAL)) {
    out.push(['relational', at(m.index, m[1]!.length, FLIP[m[1]!]!)]);
    const rest = code.slice(m.index + m[1]!.length);
    const operand = OPERAND.exec(rest);
    if (operand && !/NULL|true|false/.test(operand[2]!)) out.push(['add-plus-one', at(m.index + m[1]!.length + operand[0].length, 0, ' + 1')]);
  }
  for (const m of code.matchAll(/(?<=[\w)\]])(\s+[+-]\s+|[+-])1\b(?![\w.])/g)) out.push(['drop-off-by-one', at(m.index, m[0].length, '')]);
  for (const m of code.matchAll(/&&|\|\|/g)) out.push(['and-or', at(m.index, 2, m[0] === '&&' ? '||' : '&&')]);
  for (const m of code.matchAll(/\batomic_(inc|dec)\(/g)) out.push(['atomic-inc-dec', at(m.index, m[0].length, m[1] === 'inc' ? 'atomic_dec(' : 'atomic_inc(')]);
  const cond = ifCondition(code);
  if (cond) out.push(['negate-if', at(cond.start, cond.end - cond.start, `!(${code.slice(cond.start, cond.end)})`)]);
  return out;
}

/** The span of an `if (...)` condition that opens and closes on this line. */
function ifCondition(code: string): { start: number; end: number } | undefined {
  const m = /\bif \(/.exec(code);
  if (!m) return undefined;
  const start = m.index + m[0].length;
  let depth = 1;
  for (let i = start; i < code.length; i++) {
    depth += code[i] === '(' ? 1 : code[i] === ')' ? -1 : 0;
    if (depth === 0) return i > start ? { start, end: i } : undefined;
  }
  return undefined;
}

/** A unified diff of the one-line change that `patch -p1 --fuzz=0` applies to the tree. */
export function mutantDiff(m: Mutation, text: string): string {
  const lines = text.split('\n');
  if (lines[m.line - 1] !== m.before) throw new Error(`${m.file}:${m.line} is not \`${m.before}\` in this text`);
  lines[m.line - 1] = m.after;
  const diff = createTwoFilesPatch(`a/${m.file}`, `b/${m.file}`, text, lines.join('\n'), undefined, undefined, { context: 3 });
  return `ipvs-conform mutant: ${m.file}:${m.line} (${m.fn}) ${m.operator}\n${diff}`;
}

/**
 * Every mutant once, in a seeded order: the groups take turns (the scheduler files, the connection
 * and configuration files: half of the draws each), then a file of the group uniformly (so the small
 * scheduler files are not drowned by the large ones), then one of its mutations uniformly.
 */
export function* drawMutants(groups: readonly Mutation[][][], seed: number): Generator<Mutation> {
  const rand = seededRandom(seed);
  const left = groups.map((g) => g.map((ms) => [...ms]).filter((ms) => ms.length > 0)).filter((g) => g.length > 0);
  for (let turn = 0; left.length > 0; turn++) {
    const g = turn % left.length;
    const files = left[g]!;
    const f = Math.floor(rand() * files.length);
    const ms = files[f]!;
    const [m] = ms.splice(Math.floor(rand() * ms.length), 1);
    if (ms.length === 0) files.splice(f, 1);
    if (files.length === 0) left.splice(g, 1);
    yield m!;
  }
}
