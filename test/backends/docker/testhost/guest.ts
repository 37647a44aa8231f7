// Boots the test-only Docker host (build.ts) under QEMU and hands back a DOCKER_HOST address for it.
// The QEMU command line is the project's (src/backends/qemu/qemu-args.ts buildQemuArgs) with two changes: no
// agent channel (nothing in this guest speaks the agent protocol on virtio-serial), and instead of
// `-nic none` a restricted user-mode NIC: `restrict=on` cuts the guest off from everything outside,
// and the only way in is one TCP port on the host's loopback forwarded to the guest's dockerd.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { InfraError } from '../../../../src/errors.js';
import { chooseAccel } from '../../../../src/backends/qemu/kvm.js';
import { buildQemuArgs, type Accel } from '../../../../src/backends/qemu/qemu-args.js';
import { pidFileFor, register } from '../../../../src/backends/qemu/reaper.js';
import { which } from '../../../../src/backends/qemu/tools.js';
import { log } from '../../../../src/backends/docker/log.js';
import { buildDockerHost } from './build.js';

/** The port vm/docker-host/init has dockerd listen on inside the guest. */
export const GUEST_DOCKER_PORT = 2375;

/**
 * buildQemuArgs' arguments for this guest: its `-nic none` becomes a restricted user-mode NIC that
 * forwards 127.0.0.1:`port` on the host to the guest's dockerd, and the agent's virtio-serial
 * channel goes. Throws if the base arguments are not shaped as expected (a changed buildQemuArgs
 * must not silently give this guest a network, or two).
 */
export function dockerHostQemuArgs(base: readonly string[], port: number): string[] {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InfraError('IPVS_CONFORM_DOCKER_HOST_ARGS', `bad forwarded port ${port}`);
  const pairs: [string, string][] = [];
  for (let i = 0; i < base.length; i++) {
    const opt = base[i]!;
    // Every option buildQemuArgs writes takes one value, except these flags.
    if (opt === '-nodefaults' || opt === '-no-user-config' || opt === '-no-reboot') pairs.push([opt, '']);
    else pairs.push([opt, base[++i] ?? '']);
  }
  const nics = pairs.filter(([o]) => o === '-nic' || o === '-net' || o === '-netdev');
  if (nics.length !== 1 || nics[0]![1] !== 'none')
    throw new InfraError('IPVS_CONFORM_DOCKER_HOST_ARGS', `expected exactly one "-nic none" in the base QEMU arguments, got ${JSON.stringify(nics)}`);
  const isAgentChannel = ([o, v]: [string, string]) =>
    (o === '-device' && (v.startsWith('virtio-serial-pci') || v.startsWith('virtserialport'))) || (o === '-chardev' && v.includes('id=agent'));
  const out: string[] = [];
  for (const p of pairs) {
    if (isAgentChannel(p)) continue;
    if (p[0] === '-nic') p[1] = `user,restrict=on,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:${port}-:${GUEST_DOCKER_PORT}`;
    out.push(p[0], ...(p[1] === '' ? [] : [p[1]]));
  }
  return out;
}

/** A port on the host's loopback that nothing listens on right now. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface DockerHostGuest {
  /** DOCKER_HOST for the guest's dockerd: tcp://127.0.0.1:<port>. */
  host: string;
  /** The guest kernel's `uname -r`. */
  release: string;
  kernel: string;
  accel: Accel;
  /** QEMU's pid. */
  pid: number;
  /** Milliseconds from spawning QEMU to dockerd's first answer. */
  bootMs: number;
  /** The guest's serial console so far (kernel, /init, dockerd's warnings). */
  console(): string;
  alive(): boolean;
  /** Kills QEMU (the guest keeps nothing: everything lives in its RAM); idempotent. */
  stop(): Promise<void>;
}

export interface DockerHostOptions {
  kernel?: string;
  /** Guest RAM: the initramfs (~160 MB) is unpacked into it, and dockerd, containerd and vfs layers live there. */
  memMiB?: number;
  cpus?: number;
  bootTimeoutMs?: number;
}

let guests = 0;

export async function bootDockerHost(opts: DockerHostOptions = {}): Promise<DockerHostGuest> {
  const image = await buildDockerHost({ kernel: opts.kernel ?? '6.1' });
  const qemu = which('qemu-system-x86_64') ?? 'qemu-system-x86_64';
  const accel = await chooseAccel(qemu, image.kernelPath);
  // Another process may take the port between our probe and QEMU's bind: then QEMU exits at once.
  for (let attempt = 1; ; attempt++) {
    try {
      return await bootOnce(image, qemu, accel, await freeLoopbackPort(), opts);
    } catch (err) {
      if (attempt >= 3 || !(err instanceof InfraError) || !/hostfwd|host forwarding/i.test(err.message)) throw err;
    }
  }
}

async function bootOnce(
  image: Awaited<ReturnType<typeof buildDockerHost>>,
  qemu: string,
  accel: Accel,
  port: number,
  opts: DockerHostOptions,
): Promise<DockerHostGuest> {
  // A pid file under the reaper's directory, so sweepOrphans() finds this QEMU if Node dies.
  const pidFile = pidFileFor(1_000_000 + ++guests);
  await fs.mkdir(path.dirname(pidFile), { recursive: true });
  const base = buildQemuArgs({
    kernel: image.kernelPath,
    initrd: image.initrdPath,
    agentSocket: '/nonexistent/ipvsc-docker-host-has-no-agent', // dropped by dockerHostQemuArgs
    accel,
    memMiB: opts.memMiB ?? 1536,
    cpus: opts.cpus ?? 2,
    pidFile,
  });
  const args = dockerHostQemuArgs(base, port);
  const setpriv = which('setpriv');
  const [cmd, argv] = setpriv ? [setpriv, ['--pdeathsig', 'SIGKILL', '--', qemu, ...args]] : [qemu, args];
  const started = performance.now();
  const proc: ChildProcess = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  register(proc);
  let text = '';
  const keep = (b: Buffer) => {
    text += b.toString();
    if (text.length > 400_000) text = text.slice(-200_000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) =>
    proc.once('exit', (code, signal) => {
      exit = signal ?? String(code);
      resolve();
    }),
  );
  proc.once('error', (err) => (text += `spawn ${cmd}: ${err.message}\n`));

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (exit === undefined) {
        proc.kill('SIGKILL');
        await exited;
      }
      await fs.rm(pidFile, { force: true });
    })());
  const guest: DockerHostGuest = {
    host: `tcp://127.0.0.1:${port}`,
    release: image.release,
    kernel: image.kernel,
    accel,
    pid: proc.pid ?? -1,
    bootMs: 0,
    console: () => text,
    alive: () => exit === undefined,
    stop,
  };

  const deadline = Date.now() + (opts.bootTimeoutMs ?? 180_000);
  const docker = new Docker({ host: '127.0.0.1', port, protocol: 'http', timeout: 5_000 });
  for (;;) {
    const fatal = /ipvsc-docker-host: fatal: .*/.exec(text);
    if (exit !== undefined || fatal || Date.now() > deadline) {
      await stop();
      const why = fatal ? fatal[0] : exit !== undefined ? `QEMU exited (${exit})` : `dockerd did not answer within ${opts.bootTimeoutMs ?? 180_000} ms`;
      throw new InfraError('IPVS_CONFORM_DOCKER_HOST_BOOT', `the docker-host guest (kernel ${image.kernel}) did not come up: ${why}; console:\n${text.slice(-3000)}`, { log: text });
    }
    try {
      await docker.ping();
      break;
    } catch {
      // QEMU's forwarder accepts before anything in the guest listens: not up yet
    }
    await sleep(250);
  }
  guest.bootMs = Math.round(performance.now() - started);
  log(`docker-host guest (kernel ${image.release}, ${accel}) answers on ${guest.host} after ${guest.bootMs} ms`);
  return guest;
}
