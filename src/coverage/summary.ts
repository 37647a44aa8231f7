// An lcov tracefile read back into what a person asks of a run: per source file, lines, functions
// and branches reached; the functions never entered; the line ranges never run; and the "goals":
// the scheduling code and connection accounting the run did not reach.
import Table from 'cli-table3';
import { ALL_SCHEDULERS } from '../generate/schedulers.js';

export interface Ratio {
  hit: number;
  total: number;
}

export interface LineRange {
  from: number;
  to: number;
  /** The function the range starts in. */
  fn?: string;
}

export interface FileCoverage {
  /** Relative to the kernel tree (net/netfilter/ipvs/ip_vs_rr.c) or the project (vm/modules/...). */
  file: string;
  lines: Ratio;
  functions: Ratio;
  branches: Ratio;
  neverEntered: string[];
  uncovered: LineRange[];
}

interface Acc {
  file: string;
  fns: { line: number; name: string }[];
  entered: Map<string, number>;
  da: [number, number][];
  br: Ratio;
}

const fresh = (file: string): Acc => ({ file, fns: [], entered: new Map(), da: [], br: { hit: 0, total: 0 } });

/** Reads an lcov tracefile; `base` (with its trailing /) is cut from file names. */
export function parseLcov(text: string, base: string): FileCoverage[] {
  const out: FileCoverage[] = [];
  let a: Acc | undefined;
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    const [tag, val] = i < 0 ? [line, ''] : [line.slice(0, i), line.slice(i + 1)];
    if (tag === 'SF') a = fresh(val.startsWith(base) ? val.slice(base.length) : val);
    else if (!a) continue;
    else if (tag === 'FN') {
      const [l, name] = val.split(',');
      a.fns.push({ line: Number(l), name: name! });
    } else if (tag === 'FNDA') {
      const [n, name] = val.split(',');
      a.entered.set(name!, (a.entered.get(name!) ?? 0) + Number(n));
    } else if (tag === 'DA') {
      const [l, n] = val.split(',');
      a.da.push([Number(l), Number(n)]);
    } else if (tag === 'BRDA') {
      a.br.total++;
      if (!/,-$|,0$/.test(val)) a.br.hit++;
    } else if (tag === 'end_of_record') {
      out.push(finish(a));
      a = undefined;
    }
  }
  return out.sort((x, y) => x.file.localeCompare(y.file));
}

function finish(a: Acc): FileCoverage {
  const fns = [...a.fns].sort((x, y) => x.line - y.line);
  const fnAt = (line: number) => [...fns].reverse().find((f) => f.line <= line)?.name;
  const da = [...a.da].sort((x, y) => x[0] - y[0]);
  const uncovered: LineRange[] = [];
  let open: LineRange | undefined;
  for (const [line, n] of da) {
    if (n > 0) open = undefined;
    else if (open && fnAt(line) === open.fn) open.to = line;
    else {
      open = { from: line, to: line, ...(fnAt(line) ? { fn: fnAt(line)! } : {}) };
      uncovered.push(open);
    }
  }
  const names = [...new Set(fns.map((f) => f.name))];
  return {
    file: a.file,
    lines: { hit: da.filter(([, n]) => n > 0).length, total: da.length },
    functions: { hit: names.filter((n) => (a.entered.get(n) ?? 0) > 0).length, total: names.length },
    branches: a.br,
    neverEntered: names.filter((n) => !(a.entered.get(n) ?? 0)),
    uncovered,
  };
}

export const pct = (r: Ratio) => (r.total ? (100 * r.hit) / r.total : 100);
const fmt = (r: Ratio) => `${r.hit}/${r.total} ${pct(r).toFixed(1)}%`;

/** ip_vs_<scheduler>.c of every scheduler the harness knows (hprio included). */
export function isSchedulerFile(file: string): boolean {
  const m = /(?:^|\/)ip_vs_([a-z]+)\.c$/.exec(file);
  return !!m && ALL_SCHEDULERS.includes(m[1]!);
}

/** The console table: one row per file, lines, functions and branches reached, and what was never entered. */
export function coverageTable(files: FileCoverage[], color = false): string {
  const t = new Table({ head: ['file', 'lines', 'functions', 'branches', 'never entered'], style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] } });
  for (const f of files) {
    const never = f.neverEntered.length > 4 ? `${f.neverEntered.slice(0, 3).join(' ')} +${f.neverEntered.length - 3}` : f.neverEntered.join(' ');
    t.push([f.file.replace(/^net\/netfilter\/ipvs\//, ''), fmt(f.lines), fmt(f.functions), fmt(f.branches), never]);
  }
  const sum = (k: 'lines' | 'functions' | 'branches') => files.reduce((s, f) => ({ hit: s.hit + f[k].hit, total: s.total + f[k].total }), { hit: 0, total: 0 });
  t.push(['all', fmt(sum('lines')), fmt(sum('functions')), fmt(sum('branches')), '']);
  return t.toString();
}
