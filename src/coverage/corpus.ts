// The corpus of coverage-guided generation: cases that reached arcs no earlier case had, kept in a
// folder a nightly job can carry from run to run, per kernel:
//   DIR/<kernel>/cases/<content hash>.yaml   the scenario and what it reached first
//   DIR/<kernel>/arcs.txt                    every arc the corpus has reached (arcKey), one a line
// A case joins only when it reaches an arc the corpus has not: the corpus grows with coverage, not
// with runs. Entries are plain scenarios: any of them replays through `ipvs-conform check`.
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import YAML from 'yaml';
import { validateScenario } from '../casefile/validate-scenario.js';
import type { Scenario } from '../scenario.js';

export interface CorpusEntry {
  /** Which generator arm drew it (a scheduler, or `corpus` for a mutation of an entry). */
  arm: string;
  scheduler: string;
  /** Arcs it reached that the corpus had not. */
  freshArcs: number;
  foundAt: string;
  scenario: Scenario;
}

const slug = (s: string) => s.replace(/[^A-Za-z0-9.+-]+/g, '_');

export class Corpus {
  readonly entries: CorpusEntry[] = [];
  private readonly known = new Set<string>();

  private constructor(private readonly dir: string | undefined) {}

  /** The corpus in DIR/<kernel> (created when first written), or one kept in memory only. */
  static async open(dir: string | undefined, kernel: string): Promise<Corpus> {
    const c = new Corpus(dir && path.join(path.resolve(dir), slug(kernel)));
    if (!c.dir) return c;
    const text = await readFile(path.join(c.dir, 'arcs.txt'), 'utf8').catch(() => '');
    for (const k of text.split('\n')) if (k) c.known.add(k);
    const casesDir = path.join(c.dir, 'cases');
    const files = (await readdir(casesDir).catch(() => [] as string[])).filter((f) => f.endsWith('.yaml')).sort();
    for (const f of files) {
      const file = path.join(casesDir, f);
      const doc = YAML.parse(await readFile(file, 'utf8')) as Omit<CorpusEntry, 'scenario'> & { scenario: unknown };
      c.entries.push({ ...doc, scenario: validateScenario(file, 'scenario', doc.scenario) });
    }
    return c;
  }

  /** Keeps the case if it reached an arc the corpus has not; returns whether it did. */
  async offer(scenario: Scenario, meta: { arm: string; scheduler: string }, arcs: string[]): Promise<boolean> {
    const fresh = arcs.filter((a) => !this.known.has(a));
    if (!fresh.length) return false;
    for (const a of fresh) this.known.add(a);
    const entry: CorpusEntry = { ...meta, freshArcs: fresh.length, foundAt: new Date().toISOString(), scenario };
    this.entries.push(entry);
    if (this.dir) {
      const text = YAML.stringify(entry, { lineWidth: 0 });
      const name = createHash('sha256').update(JSON.stringify(scenario)).digest('hex').slice(0, 16);
      await mkdir(path.join(this.dir, 'cases'), { recursive: true });
      await writeFileAtomic(path.join(this.dir, 'cases', `${name}.yaml`), text);
      await writeFileAtomic(path.join(this.dir, 'arcs.txt'), [...this.known].sort().join('\n') + '\n');
    }
    return true;
  }

  get arcs(): number {
    return this.known.size;
  }
}
