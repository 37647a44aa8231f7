// A private Docker daemon for tests and CI: its own socket, data root, exec root and pid file under
// one fresh directory, so it never meets the machine's own daemon or another test's. The flags are
// the ones measured to work on these machines (shared/notes/platform.md): vfs storage, no iptables,
// no bridge (the backend only uses NetworkMode none). Root only, as dockerd itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { InfraError } from '../../../src/errors.js';
import { ensureTools } from '../../../src/backends/qemu/tools.js';
import { pidAlive } from '../../../src/host/pid.js';

export interface PrivateDockerd {
  /** The directory holding everything of this daemon. */
  dir: string;
  /** DOCKER_HOST value: unix://DIR/docker.sock */
  host: string;
  pid: number;
  /** The daemon's log so far. */
  log(): string;
  /** Stops the daemon (and its containerd) and removes its directory; idempotent. */
  stop(): Promise<void>;
}

/** The dockerd command line for a private daemon rooted at `dir`. */
export function dockerdArgs(dir: string): string[] {
  return [
    '-H', `unix://${path.join(dir, 'docker.sock')}`,
    '--data-root', path.join(dir, 'data'),
    '--exec-root', path.join(dir, 'exec'),
    '--pidfile', path.join(dir, 'docker.pid'),
    '--config-file', path.join(dir, 'daemon.json'),
    // Should dockerd find a system containerd and use it, its containers still stay apart.
    '--containerd-namespace', `ipvsc-${path.basename(dir)}`,
    '--containerd-plugins-namespace', `ipvsc-plugins-${path.basename(dir)}`,
    '--storage-driver=vfs', '--iptables=false', '--ip6tables=false', '--bridge=none',
    '--log-level=warn',
  ];
}

export async function startPrivateDockerd(opts: { dir?: string; timeoutMs?: number } = {}): Promise<PrivateDockerd> {
  await ensureTools([{ cmd: 'dockerd', pkg: 'docker.io' }]);
  // Short: the containerd socket under the exec root must fit a unix socket path (108 bytes).
  const dir = opts.dir ?? (await fs.mkdtemp('/tmp/ipvsc-dockerd-'));
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'daemon.json'), '{}\n'); // not /etc/docker/daemon.json
  const logFile = path.join(dir, 'dockerd.log');
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn('dockerd', dockerdArgs(dir), { stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const readLog = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const host = `unix://${path.join(dir, 'docker.sock')}`;
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= stopDaemon(child, exited, dir));
  const handle: PrivateDockerd = { dir, host, pid: child.pid ?? -1, log: readLog, stop };

  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  const docker = new Docker({ socketPath: path.join(dir, 'docker.sock') });
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    if (gone) {
      const log = readLog();
      await stop();
      throw new InfraError('IPVS_CONFORM_DOCKERD', `dockerd exited at start; its log:\n${log.slice(-3000)}`, { log });
    }
    try {
      await docker.ping();
      return handle;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      const log = readLog();
      await stop();
      throw new InfraError('IPVS_CONFORM_DOCKERD', `dockerd did not answer on ${host} within ${opts.timeoutMs ?? 60_000} ms; its log:\n${log.slice(-3000)}`, { log });
    }
    await sleep(100);
  }
}

async function stopDaemon(child: ChildProcess, exited: Promise<number | null>, dir: string): Promise<void> {
  // dockerd stops the containerd it started; remember its pid in case dockerd has to be killed.
  const containerdPid = await readPid(path.join(dir, 'exec/containerd/containerd.pid'));
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }
  if (containerdPid && pidAlive(containerdPid)) process.kill(containerdPid, 'SIGKILL');
  await fs.rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

async function readPid(file: string): Promise<number | undefined> {
  try {
    const n = Number((await fs.readFile(file, 'utf8')).trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

