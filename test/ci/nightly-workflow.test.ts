// The nightly workflow cannot run here (no GitHub), so it is checked the way GitHub reads it:
// GitHub's own workflow parser (@actions/workflow-parser, the one behind its language server)
// must accept it, and what it runs must match this repository: every pinned kernel, shards that
// cover the seed's cases, the merge of their reports, and cache keys naming files that exist.
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { DEBIAN_STREAMS } from '../../src/kernels/debian.js';
import { pinnedKernels } from '../../src/run/kernels.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FILE = '.github/workflows/nightly.yml';
const text = readFileSync(path.join(ROOT, FILE), 'utf8');

interface Step { uses?: string; run?: string; with?: Record<string, string> }
interface Job { strategy?: { matrix: { kernel: string[]; shard: number[] } }; env?: Record<string, string | number>; steps: Step[] }
const wf = YAML.parse(text) as { jobs: Record<string, Job> };

describe(FILE, () => {
  it("is a valid workflow to GitHub's parser", async () => {
    const parsed = parseWorkflow({ name: FILE, content: text }, new NoOperationTraceWriter());
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    const template = await convertWorkflowTemplate(parsed.context, parsed.value!);
    expect(template.errors ?? []).toEqual([]);
    expect(template.jobs.map((j) => j.id.value)).toEqual(['seed', 'run', 'coverage', 'merge']);
  });

  it('and the parser catches a broken one (the check can fail)', () => {
    const broken = text.replace('runs-on: ubuntu-latest', 'runs-on: ubuntu-latest\n    stepz: []');
    const parsed = parseWorkflow({ name: FILE, content: broken }, new NoOperationTraceWriter());
    expect(parsed.context.errors.getErrors().map((e) => e.message).join('\n')).toMatch(/Unexpected value 'stepz'/);
  });

  it('runs every pinned kernel in SHARDS shards of one seed, and merges their reports', () => {
    const run = wf.jobs.run!;
    // The pinned kernels, and beside them the newest kernel of each Debian stream.
    const latest = DEBIAN_STREAMS.map((s) => `debian:latest-${s.stream}`);
    expect([...run.strategy!.matrix.kernel].sort()).toEqual([...pinnedKernels().kernels.map((k) => k.name), ...latest].sort());
    // Names with ':' reach artifacts and paths only as a slug (upload-artifact refuses ':').
    const uploads = run.steps.filter((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(uploads.map((s) => s.with!.name)).toEqual(['report-${{ env.SLUG }}-shard${{ matrix.shard }}']);
    expect(run.steps.map((s) => s.run ?? '').join('\n')).toContain('echo "SLUG=${KERNEL//:/-}" >> "$GITHUB_ENV"');
    const shards = Number(run.env!.SHARDS);
    expect(run.strategy!.matrix.shard).toEqual(Array.from({ length: shards }, (_, i) => i));
    const script = run.steps.map((s) => s.run ?? '').join('\n');
    expect(script).toMatch(/--shard "\$SHARD\/\$SHARDS" --seed "\$SEED"/);
    expect(wf.jobs.merge!.steps.map((s) => s.run ?? '').join('\n')).toMatch(/npx ipvs-conform report merge/);
  });

  it('runs a coverage-guided job per pinned kernel that keeps its corpus from night to night', () => {
    const cov = wf.jobs.coverage! as Job & { strategy: { matrix: { kernel: string[] } } };
    expect([...cov.strategy.matrix.kernel].sort()).toEqual(pinnedKernels().kernels.map((k) => k.name).sort());
    const script = cov.steps.map((s) => s.run ?? '').join('\n');
    expect(script).toMatch(/--coverage --guided --corpus corpus/);
    expect(script).toMatch(/apt-get install[^]*\blcov\b/);
    const corpus = cov.steps.find((s) => s.uses?.startsWith('actions/cache@') && s.with?.path === 'corpus')!;
    expect(corpus.with!.key).toMatch(/github\.run_id/);
    expect(corpus.with!['restore-keys']).toMatch(/^corpus-\$\{\{ matrix\.kernel \}\}-$/m);
  });

  it("names only files that exist in its cache key, and pins every action's major version", () => {
    const key = run().steps.find((s) => s.uses?.startsWith('actions/cache@'))!.with!.key!;
    const globs = [...key.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
    expect(globs.length).toBeGreaterThan(3);
    for (const g of globs) expect(existsSync(path.join(ROOT, g.replace(/\/\*\*$/, ''))), g).toBe(true);
    const uses = Object.values(wf.jobs).flatMap((j) => j.steps.flatMap((s) => (s.uses ? [s.uses] : [])));
    for (const u of uses) expect(u).toMatch(/^actions\/[a-z-]+@v\d+$/);
  });
});

function run(): Job {
  return wf.jobs.run!;
}
