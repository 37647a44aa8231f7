// The guest agent's C unit tests (test/agent/c/*_test.c): each is built against the agent's own
// sources with AddressSanitizer and UndefinedBehaviorSanitizer and run on the host; a file names
// the agent sources it needs on a `sources:` line of its header comment.
import { readdirSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';

const cDir = path.resolve(import.meta.dirname, 'c');
const agentSrc = path.resolve(import.meta.dirname, '../../vm/agent/src');
const tests = readdirSync(cDir).filter((f) => f.endsWith('_test.c'));
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ipvsc-agent-units-'));

function sourcesOf(file: string): string[] {
  const m = /sources:((?: [\w.]+\.c)+)/.exec(readFileSync(path.join(cDir, file), 'utf8'));
  if (!m) throw new Error(`${file}: no 'sources: a.c b.c' line naming the agent sources it tests`);
  return m[1]!.trim().split(' ').map((s) => path.join(agentSrc, s));
}

describe('agent C units', () => {
  afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

  it.each(tests)('%s', async (file) => {
    const bin = path.join(tmp, file.replace(/\.c$/, ''));
    const flags = ['-std=gnu11', '-Wall', '-Wextra', '-Werror', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=all'];
    await execa('gcc', [...flags, '-I', agentSrc, '-I', cDir, '-o', bin, path.join(cDir, file), ...sourcesOf(file)]);
    const r = await execa(bin, [], { reject: false, all: true, timeout: 60_000 });
    expect(r.exitCode, r.all).toBe(0);
  }, 120_000);
});
