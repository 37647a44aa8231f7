// No QEMU outlives the harness: a Node process that booted a guest and is then killed (SIGKILL,
// which no handler sees, or SIGTERM) takes its QEMU with it.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../../src/backends/qemu/paths.js';
import { pidAlive } from '../../../src/host/pid.js';

let dir: string;
let script: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ipvsc-reaper-'));
  script = path.join(dir, 'boot.mts');
  const src = (f: string) => JSON.stringify(path.join(repoRoot, 'src', f));
  await fs.writeFile(
    script,
    `import { AgentSession } from ${src('agent/session.ts')};
import { Guest } from ${src('backends/qemu/guest.ts')};
import { buildImage } from ${src('backends/qemu/image.ts')};
const image = await buildImage({ kernel: '6.1' });
const g = await Guest.boot({ image, accel: 'tcg', connect: (s) => new AgentSession(s), bootTimeoutMs: 120000 });
process.stdout.write('QEMU ' + g.pid + '\\n');
setInterval(() => {}, 1000);
`,
  );
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function bootInChild(): Promise<{ child: ReturnType<typeof spawn>; qemu: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, IPVS_CONFORM_QUIET: '1' },
  });
  const qemu = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(/QEMU (\d+)/);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`boot script exited with ${code}: ${out}`)));
  });
  return { child, qemu };
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!pidAlive(pid)) return true;
    await sleep(100);
  }
  return false;
}

describe('QEMU dies with the harness', () => {
  it.each(['SIGKILL', 'SIGTERM'] as const)('when Node gets %s', async (sig) => {
    const { child, qemu } = await bootInChild();
    try {
      expect(pidAlive(qemu)).toBe(true);
      child.kill(sig);
      expect(await waitGone(qemu, 10_000)).toBe(true);
    } finally {
      if (pidAlive(qemu)) process.kill(qemu, 'SIGKILL');
      child.kill('SIGKILL');
    }
  }, 180_000);
});
