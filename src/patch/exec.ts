// Running the host tools the builders need (apt-get, dpkg-deb, tar, patch, make, kmod), turning a
// missing tool into a MissingToolError that names the Debian package to install.
import { execa } from 'execa';
import { MissingToolError } from '../errors.js';

/** Debian package of each tool, for the error that says how to install it. */
const PACKAGE_OF: Record<string, string> = {
  'apt-get': 'apt',
  'dpkg-deb': 'dpkg',
  tar: 'tar',
  xz: 'xz-utils',
  patch: 'patch',
  make: 'make',
  'gcc-12': 'gcc-12',
  strip: 'binutils',
  modinfo: 'kmod',
  modprobe: 'kmod',
  bash: 'bash',
};

export interface ToolResult {
  exitCode: number;
  /** stdout and stderr interleaved, as a person would have seen them. */
  output: string;
}

/** Runs a tool; resolves with its exit code and output (never rejects on a non-zero exit). */
export async function tool(file: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<ToolResult> {
  try {
    const r = await execa(file, args, { cwd: opts.cwd, env: opts.env, all: true, reject: false, stdin: 'ignore' });
    if (r.failed && r.exitCode === undefined) {
      const code = (r.cause as NodeJS.ErrnoException | undefined)?.code;
      if (code === 'ENOENT') throw new MissingToolError(file, PACKAGE_OF[file] ?? file);
      throw r;
    }
    return { exitCode: r.exitCode ?? -1, output: String(r.all ?? '') };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new MissingToolError(file, PACKAGE_OF[file] ?? file);
    throw e;
  }
}

/** A shell pipeline (for dpkg-deb | tar | tar), failing if any stage fails. */
export function pipeline(script: string, cwd?: string): Promise<ToolResult> {
  return tool('bash', ['-o', 'pipefail', '-e', '-c', script], { cwd });
}

/** Quotes one word for bash. */
export function sh(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The last `n` lines of a tool's output, for error messages. */
export function tail(output: string, n = 30): string {
  const lines = output.trimEnd().split('\n');
  return lines.slice(-n).join('\n');
}
