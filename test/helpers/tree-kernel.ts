// A small kernel built from Debian's linux-source-6.12 tree with only what the harness needs
// (make allnoconfig KCONFIG_ALLCONFIG=vm/tree/ipvs-conform.config), for the tree:DIR tests. Built
// in place in the per-user cache, once per source version, fragment and compiler; `.complete`
// marks a finished build (a kernel tree does not survive being renamed: its .cmd files hold paths).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { versionsOf } from '../../src/kernels/apt-index.js';
import { missingOptions, parseDotConfig, parseFragment, TREE_FRAGMENT } from '../../src/kernels/tree-config.js';
import { downloadDeb } from '../../src/host/apt.js';
import { cacheRoot } from '../../src/host/cache.js';
import { withLock } from '../../src/host/lock.js';
import { which } from '../../src/backends/qemu/tools.js';

const SOURCE = 'linux-source-6.12';
const BUILD_DEPS = ['flex', 'bison', 'bc', 'libelf-dev', 'xz-utils', 'gcc', 'make'];

export interface TreeBuild {
  dir: string;
  version: string;
  /** Wall time of the build, 0 when it was cached. */
  buildMs: number;
}

async function ensureBuildDeps(): Promise<void> {
  if (['flex', 'bison', 'bc', 'xz', 'gcc', 'make'].every((t) => which(t)) && existsSync('/usr/include/gelf.h')) return;
  await execa('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...BUILD_DEPS], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** The tree (built), the newest linux-source-6.12 the index offers. */
export async function testTreeKernel(log: (m: string) => void = () => {}): Promise<TreeBuild> {
  const version = (await versionsOf([SOURCE])).get(SOURCE)![0];
  if (!version) throw new Error(`Debian's package index has no ${SOURCE}: run apt-get update`);
  const gcc = (await execa('gcc', ['--version'])).stdout.split('\n')[0];
  const fragment = await readFile(TREE_FRAGMENT, 'utf8');
  const key = createHash('sha256').update(`tree-1\n${version}\n${gcc}\n${fragment}`).digest('hex').slice(0, 16);
  const root = path.join(cacheRoot(), 'tree-kernels', `${SOURCE}_${version}-${key}`);
  const dir = path.join(root, SOURCE);
  const done = path.join(root, '.complete');
  if (existsSync(done)) return { dir, version, buildMs: 0 };
  let buildMs = 0;
  await withLock(`tree-kernel-${key}`, async () => {
    if (existsSync(done)) return;
    await ensureBuildDeps();
    await rm(root, { recursive: true, force: true });
    await mkdir(root, { recursive: true });
    const deb = await downloadDeb(SOURCE, version);
    const t0 = Date.now();
    log(`unpacking ${SOURCE} ${version}`);
    await execa('bash', ['-o', 'pipefail', '-c', `dpkg-deb --fsys-tarfile '${deb}' | tar -xO ./usr/src/${SOURCE}.tar.xz | tar -xJ -C '${root}'`]);
    await execa('make', ['-C', dir, 'allnoconfig', `KCONFIG_ALLCONFIG=${TREE_FRAGMENT}`]);
    const missing = missingOptions(parseFragment(fragment), parseDotConfig(await readFile(path.join(dir, '.config'), 'utf8')), () => true);
    if (missing.length) throw new Error(`allnoconfig with the fragment left out: ${missing.map((m) => m.option).join(' ')}`);
    log(`building bzImage and modules with ${os.availableParallelism()} jobs`);
    const b = await execa('make', ['-C', dir, `-j${os.availableParallelism()}`, 'bzImage', 'modules'], { reject: false, all: true });
    await writeFile(path.join(root, 'build.log'), String(b.all));
    if (b.exitCode !== 0) throw new Error(`building the test kernel failed (exit ${b.exitCode}):\n${String(b.all).slice(-3000)}`);
    buildMs = Date.now() - t0;
    await writeFile(done, `${buildMs}\n`);
  }, 90 * 60_000);
  return { dir, version, buildMs };
}
