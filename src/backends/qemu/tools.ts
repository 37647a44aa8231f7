// Host tools the image build and the guests need. Missing ones are installed with apt-get when
// running as root (the CI and developer machines are root); otherwise MissingToolError names the
// exact command. Nothing is installed that the project does not use.
import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, openSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { InfraError, MissingToolError } from '../../errors.js';
import { step } from './log.js';

export interface Tool {
  cmd: string;
  pkg: string;
}

export const TOOLS = {
  qemu: { cmd: 'qemu-system-x86_64', pkg: 'qemu-system-x86' },
  ipvsadm: { cmd: 'ipvsadm', pkg: 'ipvsadm' },
  busybox: { cmd: 'busybox', pkg: 'busybox-static' },
  depmod: { cmd: 'depmod', pkg: 'kmod' },
  cpio: { cmd: 'cpio', pkg: 'cpio' },
  gcc: { cmd: 'gcc', pkg: 'gcc' },
  make: { cmd: 'make', pkg: 'make' },
  dpkg: { cmd: 'dpkg-deb', pkg: 'dpkg' },
  apt: { cmd: 'apt-get', pkg: 'apt' },
  xz: { cmd: 'xz', pkg: 'xz-utils' },
  zstd: { cmd: 'zstd', pkg: 'zstd' },
  gzip: { cmd: 'gzip', pkg: 'gzip' },
  lz4: { cmd: 'lz4', pkg: 'lz4' },
  // Coverage reports (src/coverage): gcov of the compiler that built the modules, lcov around it.
  gcov: { cmd: 'gcov-12', pkg: 'gcc-12' },
  lcov: { cmd: 'lcov', pkg: 'lcov' },
  genhtml: { cmd: 'genhtml', pkg: 'lcov' },
} as const satisfies Record<string, Tool>;

const EXTRA_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Absolute path of a command on PATH (or the sbin dirs a non-root PATH lacks), or undefined. */
export function which(cmd: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const p = path.join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

let aptUpdated = false;

/** Makes sure every tool is present; returns their absolute paths by command name. */
export async function ensureTools(tools: readonly Tool[]): Promise<Record<string, string>> {
  const missing = tools.filter((t) => !which(t.cmd));
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((t) => t.pkg))];
    if (process.getuid?.() !== 0) throw new MissingToolError(missing[0]!.cmd, pkgs.join(' '));
    await step(`installing ${pkgs.join(' ')} with apt-get`, async () => {
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      const install = () =>
        execa('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], { env, reject: false });
      let r = await install();
      if (r.exitCode !== 0 && !aptUpdated) {
        // A fresh machine's package lists may be empty or stale: update once, then retry.
        await execa('apt-get', ['update', '-qq'], { env });
        aptUpdated = true;
        r = await install();
      }
      if (r.exitCode !== 0)
        throw new InfraError(
          'IPVS_CONFORM_APT',
          `apt-get install ${pkgs.join(' ')} failed (exit ${r.exitCode}): ${String(r.stderr).trim().slice(-500)}`,
        );
    });
  }
  const out: Record<string, string> = {};
  for (const t of tools) {
    const p = which(t.cmd);
    if (!p) throw new MissingToolError(t.cmd, t.pkg);
    out[t.cmd] = p;
  }
  return out;
}

/**
 * Runs a command with its stdout going straight into a file (an fd, not through Node: execa's
 * `{ file }` output took two minutes for a 50 MB decompression that takes two seconds this way).
 * `input` is written to its stdin. Resolves with the exit code and stderr.
 */
export function runToFile(
  cmd: string,
  args: string[],
  out: string,
  opts: { input?: string; cwd?: string } = {},
): Promise<{ code: number | null; stderr: string }> {
  const fd = openSync(out, 'w');
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: [opts.input === undefined ? 'ignore' : 'pipe', fd, 'pipe'], cwd: opts.cwd });
    if (opts.input !== undefined) p.stdin!.end(opts.input);
    let stderr = '';
    p.stderr!.setEncoding('utf8');
    p.stderr!.on('data', (d: string) => (stderr += d));
    p.once('error', (err) => {
      closeSync(fd);
      reject(err);
    });
    p.once('close', (code) => {
      closeSync(fd);
      resolve({ code, stderr });
    });
  });
}
