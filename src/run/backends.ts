// Opens a backend by name. Each is imported when it is asked for: a QEMU run never loads the
// Docker backend, and the CLI's usage paths load neither.
import type { Backend, BackendOptions } from '../backend.js';

export const BACKENDS = ['qemu', 'docker'] as const;
export type BackendKind = (typeof BACKENDS)[number];

export async function createBackend(kind: BackendKind, opts: BackendOptions): Promise<Backend> {
  if (kind === 'qemu') return (await import('../backends/qemu/index.js')).createQemuBackend(opts);
  return (await import('../backends/docker/index.js')).createDockerBackend(opts);
}
