import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeLines, drawMutants, lineMutations, mutantDiff, mutationsOf } from '../../soak/mutant-sites.js';

const FILE = 'net/netfilter/ipvs/ip_vs_x.c';
const SOURCE = `/* a comment with a < b
 * and a && b */
static int
x_schedule(struct ip_vs_service *svc,
	   int n)
{
	int i = n - 1;

	IP_VS_DBG(6, "n %d > %d\\n",
		  n, i);
	if (n >= svc->weight && i != 0)
		atomic_inc(&svc->refcnt);
	return p->next >> 1;
}

static struct ip_vs_scheduler x_scheduler =
{
	.name = "x",
};

static int __init x_init(void)
{
	return register(&x_scheduler) < 0;
}
`;

describe('codeLines', () => {
  it('keeps code inside functions, named, and leaves comments and debug printing out', () => {
    const lines = codeLines(SOURCE);
    expect(lines.map((l) => [l.line, l.fn])).toEqual([[7, 'x_schedule'], [11, 'x_schedule'], [12, 'x_schedule'], [13, 'x_schedule'], [23, 'x_init']]);
  });
});

describe('lineMutations', () => {
  it('flips each relational operator, never a shift or an arrow', () => {
    expect(lineMutations('\treturn p->next >> 1;').filter(([op]) => op === 'relational')).toEqual([]);
    expect(lineMutations('\tif (a <= b)').filter(([op]) => op === 'relational')).toEqual([['relational', '\tif (a < b)']]);
  });

  it('drops a binary - 1 but not a negative literal', () => {
    expect(lineMutations('\tint i = n - 1;')).toContainEqual(['drop-off-by-one', '\tint i = n;']);
    expect(lineMutations('\treturn -1;')).toEqual([]);
  });

  it('adds + 1 to the right operand, swaps && and ||, inc and dec, and negates an if', () => {
    const ms = lineMutations('\tif (n >= svc->weight && i != 0)');
    expect(ms).toContainEqual(['add-plus-one', '\tif (n >= svc->weight + 1 && i != 0)']);
    expect(ms).toContainEqual(['and-or', '\tif (n >= svc->weight || i != 0)']);
    expect(ms).toContainEqual(['negate-if', '\tif (!(n >= svc->weight && i != 0))']);
    expect(lineMutations('\t\tatomic_inc(&svc->refcnt);')).toEqual([['atomic-inc-dec', '\t\tatomic_dec(&svc->refcnt);']]);
  });
});

describe('mutantDiff', () => {
  it('is a one-line diff that patch -p1 --fuzz=0 applies', () => {
    const m = mutationsOf(FILE, SOURCE).find((x) => x.operator === 'atomic-inc-dec')!;
    const dir = mkdtempSync(path.join(tmpdir(), 'mutant-'));
    mkdirSync(path.join(dir, path.dirname(FILE)), { recursive: true });
    writeFileSync(path.join(dir, FILE), SOURCE);
    execFileSync('patch', ['-p1', '--fuzz=0', '-s'], { cwd: dir, input: mutantDiff(m, SOURCE) });
    expect(readFileSync(path.join(dir, FILE), 'utf8')).toBe(SOURCE.replace('atomic_inc', 'atomic_dec'));
  });
});

describe('drawMutants', () => {
  it('draws the same mutants for the same seed, each once', () => {
    const groups = [[mutationsOf(FILE, SOURCE), mutationsOf('b.c', SOURCE)], [mutationsOf('c.c', SOURCE)]];
    const all = groups.flat(2).length;
    const a = [...drawMutants(groups, 7)];
    expect(a).toEqual([...drawMutants(groups, 7)]);
    expect(new Set(a).size).toBe(all);
    expect([...drawMutants(groups, 8)]).not.toEqual(a);
    // The groups take turns while both have mutants left.
    expect(a.slice(0, 6).map((m) => m.file === 'c.c')).toEqual([false, true, false, true, false, true]);
  });

  it('restricts to the functions asked for', () => {
    expect(new Set(mutationsOf(FILE, SOURCE, (fn) => fn === 'x_init').map((m) => m.line))).toEqual(new Set([23]));
  });
});
