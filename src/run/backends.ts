// Opens a backend by name. Both are imported lazily: a checkout without the Docker backend still
// runs QEMU, and the CLI's usage paths load neither.
import type { Backend, BackendOptions } from '../backend.js';
import { UsageError } from '../errors.js';

export const BACKENDS = ['qemu', 'docker'] as const;
export type BackendKind = (typeof BACKENDS)[number];

type Factory = (opts: BackendOptions) => Backend;

async function load(spec: string, exportName: string, owner: string): Promise<Factory> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(spec)) as Record<string, unknown>;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(spec.replace(/^\.\.\//, '').replace(/\.js$/, ''))) {
      throw new UsageError('IPVS_CONFORM_NO_BACKEND', `This checkout has no ${spec} (${owner}'s backend is not in yet). Fix: use another --backend, or update the checkout`, { cause: e });
    }
    throw e;
  }
  const f = mod[exportName];
  if (typeof f !== 'function') throw new UsageError('IPVS_CONFORM_NO_BACKEND', `${spec} does not export ${exportName}() yet`);
  return f as Factory;
}

export async function createBackend(kind: BackendKind, opts: BackendOptions): Promise<Backend> {
  // Specifiers in variables: the type checker must not require files other engineers own.
  const qemu = '../backends/qemu.js';
  const docker = '../backends/docker/index.js';
  const factory = kind === 'qemu' ? await load(qemu, 'createQemuBackend', 'VM') : await load(docker, 'createDockerBackend', 'DOCKER');
  return factory(opts);
}
