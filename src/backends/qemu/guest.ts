// One QEMU guest: started with buildQemuArgs, its console kept and watched, its agent channel a
// unix socket QEMU connects to. Boot ends when the agent's unsolicited `ready` frame arrives;
// no ready within the boot timeout is a BootError carrying the console log; the kernel's own
// trouble (an oops loading a module, say) is a KernelFinding even then. While a request is in
// flight, an oops on the console is a KernelFinding and QEMU exiting is an InfraError.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { BootError, InfraError, KernelFinding, UsageError } from '../../errors.js';
import { ConsoleLog, scanConsole } from './console.js';
import type { Image } from './image.js';
import { buildQemuArgs, type Accel, type Icount } from './qemu-args.js';
import { pidFileFor, register } from './reaper.js';
import { which } from './tools.js';

/** What the guest's agent offers (src/agent/session.ts AgentSession has this shape). */
export interface AgentLink {
  ready(timeoutMs: number): Promise<{ agent: string; release: string; schedulers: string[] }>;
  request(kind: string, body: string, timeoutMs: number): Promise<{ kind: string; body: string }>;
  close(): void;
  /** The channel can carry no more requests. */
  readonly closed: boolean;
}

export interface GuestOptions<L extends AgentLink> {
  image: Pick<Image, 'kernelPath' | 'initrdPath'>;
  accel: Accel;
  /** Makes the agent session on the channel (the backend passes `s => new AgentSession(s)`). */
  connect: (stream: Duplex) => L;
  bootTimeoutMs: number;
  /** Console log file, written as the console arrives (default: console.log in the guest's temporary directory, removed at close). */
  logFile?: string;
  memMiB?: number;
  /** Extra kernel command-line words. */
  cmdline?: string[];
  /** Virtual time (see QemuConfig.icount). */
  icount?: Icount;
}

let guestCounter = 0;
let pidCounter = 0;

export class Guest<L extends AgentLink = AgentLink> {
  readonly console = new ConsoleLog();
  readonly id = ++guestCounter;
  hello!: Awaited<ReturnType<L['ready']>>;
  session!: L;
  /** Where the console (ttyS0) is being written. */
  logFile = '';
  /** Milliseconds from spawning QEMU to the agent's ready frame. */
  bootMs = 0;
  private exitInfo: string | undefined;
  private readonly exited: Promise<string>;
  private stderr = '';
  private logStream: WriteStream | undefined;
  private constructor(
    private readonly proc: ChildProcess,
    private readonly dir: string,
    private readonly server: net.Server,
    private readonly pidFile: string,
  ) {
    this.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        this.exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`;
        resolve(this.exitInfo);
      });
    });
  }

  /** QEMU's process id (or setpriv's, which execs QEMU: the same process). */
  get pid(): number | undefined {
    return this.proc.pid;
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  /** QEMU runs and the agent's channel is open: a case can be sent. QEMU's chardev does not reconnect, so a closed channel is for good. */
  get usable(): boolean {
    return this.alive && !this.session?.closed;
  }

  static async boot<L extends AgentLink>(opts: GuestOptions<L>): Promise<Guest<L>> {
    const started = performance.now();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ipvsc-vm-'));
    const sock = path.join(dir, 'agent.sock');
    const { server, connected } = await listenForAgent(sock);
    const pidFile = pidFileFor(++pidCounter);
    await fs.mkdir(path.dirname(pidFile), { recursive: true });
    const { proc, cmd } = spawnQemu(opts, sock, pidFile);
    const guest = new Guest<L>(proc, dir, server, pidFile);
    await guest.attachConsole(cmd, opts.logFile ?? path.join(dir, 'console.log'));
    await guest.awaitAgent(opts, connected, started + opts.bootTimeoutMs);
    guest.bootMs = performance.now() - started;
    return guest;
  }

  /** QEMU's serial console and stderr: kept in memory (console, stderr) and in `logFile`. */
  private async attachConsole(cmd: string, logFile: string): Promise<void> {
    const proc = this.proc;
    await fs.mkdir(path.dirname(logFile), { recursive: true });
    this.logStream = createWriteStream(logFile);
    this.logFile = logFile;
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (s: string) => {
      this.console.append(s);
      this.logStream?.write(s);
    });
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (s: string) => {
      this.stderr += s;
      this.logStream?.write(s);
    });
    proc.once('error', (err) => {
      this.stderr += `spawn ${cmd}: ${err.message}\n`;
    });
  }

  /** Waits until the agent has connected and said ready; a guest that does not is killed. */
  private async awaitAgent(opts: GuestOptions<L>, connected: Promise<net.Socket>, deadline: number): Promise<void> {
    try {
      const socket = await this.guard(connected, deadline - performance.now(), 'QEMU to connect to the agent socket', true);
      this.session = opts.connect(socket);
      this.hello = (await this.guard(
        this.session.ready(Math.max(1, deadline - performance.now())),
        deadline - performance.now() + 50,
        "the agent's ready frame",
        true,
      )) as Awaited<ReturnType<L['ready']>>;
    } catch (err) {
      this.kill();
      await this.cleanup();
      if (err instanceof BootError) throw err;
      // An oops, BUG, WARNING or panic before the agent is up is still the kernel's: the agent
      // loads the IPVS modules (patched or out-of-tree ones included) before it says ready, so
      // this is where a broken module init shows. A guest that found no init to run is a
      // BootError (console.ts NO_USERSPACE), as is one that never answered.
      if (err instanceof KernelFinding)
        throw new KernelFinding(
          `while booting, before the agent was ready (it loads the IPVS modules then): ${err.message}`,
          this.consoleText(),
        );
      throw new BootError(
        `guest did not boot within ${opts.bootTimeoutMs} ms (${(err as Error).message})`,
        this.consoleText(),
        { cause: err },
      );
    }
  }

  /**
   * Waits for `p` while watching the guest: QEMU exiting, or trouble on the console from `mark`
   * on, ends the wait (KernelFinding for the kernel's trouble; InfraError or BootError otherwise).
   */
  async guard<T>(p: Promise<T>, timeoutMs: number, what: string, booting = false, mark = 0): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    let poll: NodeJS.Timeout | undefined;
    const fail = (message: string): Error =>
      booting ? new BootError(message, this.consoleText()) : new InfraError('IPVS_CONFORM_GUEST', message, { log: this.consoleText() });
    const watch = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(fail(`timed out after ${Math.round(timeoutMs)} ms waiting for ${what}`)), Math.max(0, timeoutMs));
      void this.exited.then((info) => {
        // Let the console's last lines (a panic report) arrive before judging.
        setTimeout(() => reject(this.findingOr(mark, fail(`QEMU ${info} while waiting for ${what}${this.stderrNote()}`))), 50);
      });
      const check = (): void => {
        const f = scanConsole(this.console.since(mark));
        if (f) reject(this.findingOr(mark, fail(`console: ${f.line}`)));
      };
      poll = setInterval(check, 100);
    });
    try {
      return await Promise.race([p, watch]);
    } catch (err) {
      if (err instanceof KernelFinding || err instanceof UsageError) throw err;
      // A panicking guest closes the agent's channel, and that can reach us before the console
      // lines that say why (the poll above runs every 100 ms): let QEMU's output settle, then
      // judge by the console, so an oops is never reported as a lost channel.
      await Promise.race([this.exited, sleep(300)]);
      await sleep(50);
      throw this.findingOr(mark, err as Error);
    } finally {
      clearTimeout(timer);
      clearInterval(poll);
    }
  }

  /** A KernelFinding if the console shows kernel trouble since `mark`, else the given error. */
  findingOr(mark: number, otherwise: Error): Error {
    const f = scanConsole(this.console.since(mark));
    if (f?.kind === 'kernel') return new KernelFinding(`kernel trouble on the guest console: ${f.line}`, this.consoleText());
    if (f?.kind === 'agent-died')
      return new InfraError('IPVS_CONFORM_AGENT_DIED', `the guest agent (PID 1) died: ${f.line}`, { log: this.consoleText() });
    return otherwise;
  }

  consoleText(): string {
    return this.console.text() + (this.stderr ? `\n--- qemu stderr ---\n${this.stderr}` : '');
  }

  private stderrNote(): string {
    const s = this.stderr.trim();
    return s ? `: ${s.split('\n').slice(-3).join(' | ')}` : '';
  }

  /** Kills QEMU at once (a hung or broken guest). */
  kill(): void {
    try {
      this.session?.close();
    } catch {
      // closing a broken session
    }
    if (this.alive) this.proc.kill('SIGKILL');
  }

  /** Asks the agent to power off, then kills QEMU if it has not exited within the timeout. Idempotent. */
  close(timeoutMs = 2000): Promise<void> {
    this.closing ??= this.doClose(timeoutMs);
    return this.closing;
  }

  private closing: Promise<void> | undefined;

  private async doClose(timeoutMs: number): Promise<void> {
    if (this.alive && this.session) {
      const off = this.session.request('shutdown', '', timeoutMs).catch(() => undefined);
      await Promise.race([Promise.all([off, this.exited]), sleep(timeoutMs)]);
    }
    this.kill();
    await Promise.race([this.exited, sleep(1000)]);
    await this.cleanup();
  }

  private async cleanup(): Promise<void> {
    this.server.close();
    // Later console output (QEMU dying) must not write to an ended stream: drop it first.
    const stream = this.logStream;
    this.logStream = undefined;
    stream?.end();
    await fs.rm(this.dir, { recursive: true, force: true });
    await fs.rm(this.pidFile, { force: true });
  }
}

/** A Unix socket the guest's agent connects to (QEMU's virtio-serial chardev). */
async function listenForAgent(sock: string): Promise<{ server: net.Server; connected: Promise<net.Socket> }> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(sock, () => resolve());
  });
  return { server, connected: new Promise<net.Socket>((resolve) => server.once('connection', resolve)) };
}

function spawnQemu(opts: GuestOptions<AgentLink>, sock: string, pidFile: string): { proc: ChildProcess; cmd: string } {
  const qemuArgs = buildQemuArgs({
    kernel: opts.image.kernelPath,
    initrd: opts.image.initrdPath,
    agentSocket: sock,
    accel: opts.accel,
    memMiB: opts.memMiB,
    pidFile,
    cmdline: opts.cmdline,
    ...(opts.icount ? { icount: opts.icount } : {}),
  });
  const qemu = which('qemu-system-x86_64') ?? 'qemu-system-x86_64';
  const setpriv = which('setpriv');
  // setpriv makes the kernel SIGKILL QEMU when this Node process dies (reaper.ts, layer 2).
  const [cmd, args] = setpriv ? [setpriv, ['--pdeathsig', 'SIGKILL', '--', qemu, ...qemuArgs]] : [qemu, qemuArgs];
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  register(proc);
  return { proc, cmd };
}
