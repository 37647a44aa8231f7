// A Docker host's console is out of reach (no CAP_SYSLOG, and dmesg is the host's), but its taint
// mask is not: /proc/sys/kernel/tainted is readable in any container, and the kernel sets bit 7
// (TAINT_DIE, "D") on an oops or BUG and bit 9 (TAINT_WARN, "W") on a WARNING (kernel/panic.c
// add_taint, called from oops_end / __warn). Taint bits are never cleared, so a bit that appears
// between a case's start and its end marks a kernel finding. One small container per run, with no
// capabilities, samples the mask every 50 ms; a case is judged on a sample taken after it ended.
import type { Duplex } from 'node:stream';
import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import { InfraError } from '../../errors.js';
import { containerSpec, dockerError, removeContainer, type SpecInput } from './containers.js';

export const TAINT_DIE = 1 << 7;
export const TAINT_WARN = 1 << 9;

/** The findings a change of the taint mask means: new D or W bits only (others, e.g. a module load, are not findings). */
export function taintFindings(before: number, after: number): string[] {
  const fresh = after & ~before;
  const out: string[] = [];
  if (fresh & TAINT_DIE) out.push('an oops or BUG (taint D)');
  if (fresh & TAINT_WARN) out.push('a WARNING (taint W)');
  return out;
}

/** Bits already set when the run starts: findings of that kind cannot be seen during it. */
export function blindSpots(base: number): string[] {
  return [...(base & TAINT_DIE ? ['oops/BUG (D)'] : []), ...(base & TAINT_WARN ? ['WARNING (W)'] : [])];
}

export class TaintWatch {
  private value = -1;
  private at = 0;
  private ended: Error | undefined;
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly docker: Docker,
    readonly id: string,
  ) {}

  static async start(docker: Docker, s: Omit<SpecInput, 'role'>): Promise<TaintWatch> {
    const spec = containerSpec({ ...s, role: 'watch' });
    const container = await docker.createContainer(spec);
    const watch = new TaintWatch(docker, container.id);
    try {
      const raw = (await container.attach({ stream: true, stdout: true, stderr: true })) as unknown as Duplex;
      let partial = '';
      const sink = new Writable({
        write: (chunk: Buffer, _enc, cb) => {
          partial += chunk.toString('utf8');
          const lines = partial.split('\n');
          partial = lines.pop() ?? '';
          for (const l of lines) if (/^\d+$/.test(l.trim())) watch.sample(Number(l.trim()));
          cb();
        },
      });
      docker.modem.demuxStream(raw, sink, new Writable({ write: (_c, _e, cb) => cb() }));
      raw.on('end', () => watch.stop(new InfraError('IPVS_CONFORM_DOCKER_WATCH', 'the taint watch container ended')));
      await container.start();
      await watch.sampleAfter(0, 10_000);
      return watch;
    } catch (cause) {
      await removeContainer(docker, container.id);
      throw dockerError('starting the taint watch container', cause);
    }
  }

  /** The latest taint mask. */
  get current(): number {
    return this.value;
  }

  /** Resolves with the first sample taken after `time` (performance.now()). */
  sampleAfter(time: number, timeoutMs = 5_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.at > time) return (clearTimeout(timer), resolve(this.value)), true;
        if (this.ended) return (clearTimeout(timer), reject(this.ended)), true;
        return false;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new InfraError('IPVS_CONFORM_DOCKER_WATCH', `no taint sample from the watch container within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = () => void check();
      if (!check()) this.waiters.push(waiter);
    });
  }

  async close(): Promise<void> {
    this.stop(new InfraError('IPVS_CONFORM_DOCKER_CLOSED', 'the taint watch was closed'));
    await removeContainer(this.docker, this.id);
  }

  private sample(v: number): void {
    this.value = v;
    this.at = performance.now();
    for (const w of this.waiters.splice(0)) w();
  }

  private stop(err: Error): void {
    this.ended ??= err;
    for (const w of this.waiters.splice(0)) w();
  }
}
