// AgentSession: the host's end of the agent channel (vm/agent/PROTOCOL.md) over any Duplex
// stream: QEMU's virtio-serial unix socket, or a container's stdin/stdout. One request at a time
// is the normal use, but replies are matched by id, so overlapping requests also work.
import type { Duplex } from 'node:stream';
import { InfraError } from '../errors.js';
import type { Scenario } from '../scenario.js';
import { encodeFrame, FrameDecoder, type Frame } from './frame.js';
import { parseCaseResult, scenarioScript, type CaseResult } from './script.js';

export type { CaseResult } from './script.js';

export interface Hello {
  /** Agent name and version, e.g. "ipvsc-agent/1". */
  agent: string;
  /** `uname -r` of the guest kernel. */
  release: string;
  /** Scheduler modules present (ip_vs_<name>.ko), hprio included where present. */
  schedulers: string[];
  /** Which ipvsadm the listings come from: "embedded /proc/self/fd/3" (static, built into the agent) or "path /sbin/ipvsadm". */
  ipvsadm?: string;
  /** CONFIG_HZ of the guest kernel (`hz N`), when the agent reports it. */
  hz?: number;
}

/** Timings of the last case inside the agent (the `stats` request), in ms. */
export interface AgentStats {
  setupMs: number;
  scriptMs: number;
  teardownMs: number;
  listingsMs: number;
  lines: number;
  modulesMs: number;
  /** Open fds of the agent after the case: constant across cases unless something leaks. */
  fds: number;
  /** The guest's MemAvailable in kB: flat over many cases unless something leaks. */
  memAvailableKb: number;
  /** Setup step durations, e.g. { director_netns: 3.7, veth_cl0: 2.1, ... } (a name repeats: summed). */
  setupSteps: Record<string, number>;
}

interface Pending {
  kind: string;
  resolve(f: Frame): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export function parseHello(body: string): Hello {
  const get = (key: string) => {
    const line = body.split('\n').find((l) => l === key || l.startsWith(`${key} `));
    if (line === undefined)
      throw new InfraError('IPVS_CONFORM_AGENT_PROTOCOL', `the agent's hello has no '${key}' line: ${JSON.stringify(body)}`);
    return line.slice(key.length + 1);
  };
  const hello: Hello = { agent: get('agent'), release: get('release'), schedulers: get('schedulers').split(' ').filter(Boolean) };
  const ipvsadm = body.split('\n').find((l) => l.startsWith('ipvsadm '));
  if (ipvsadm) hello.ipvsadm = ipvsadm.slice('ipvsadm '.length);
  const hz = body.split('\n').find((l) => l.startsWith('hz '));
  if (hz !== undefined) {
    const n = Number(hz.slice(3));
    if (!Number.isInteger(n) || n < 1 || n > 10_000)
      throw new InfraError('IPVS_CONFORM_AGENT_PROTOCOL', `the agent's hello has a bad 'hz' line: expected hz N (1..10000), got ${JSON.stringify(hz)}`);
    hello.hz = n;
  }
  return hello;
}

export class AgentSession {
  private readonly decoder = new FrameDecoder();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private hello: Hello | undefined;
  private readyWaiters: { resolve(h: Hello): void; reject(e: Error): void }[] = [];
  /** Set once the channel is unusable; every later call fails with it. */
  private broken: InfraError | undefined;

  constructor(private readonly stream: Duplex) {
    stream.on('data', this.onData);
    stream.on('error', this.onError);
    stream.on('close', this.onClose);
    stream.on('end', this.onClose);
  }

  /** The channel is unusable (closed, failed or garbled): every request fails at once. */
  get closed(): boolean {
    return this.broken !== undefined;
  }

  /** The agent's hello, once its `ready` came. */
  get helloSeen(): Hello | undefined {
    return this.hello;
  }

  /** Resolves with the agent's unsolicited `ready` announcement (at once if it came already). */
  ready(timeoutMs: number): Promise<Hello> {
    if (this.hello) return Promise.resolve(this.hello);
    if (this.broken) return Promise.reject(this.broken);
    return new Promise<Hello>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== waiter);
        reject(new InfraError('IPVS_CONFORM_AGENT_TIMEOUT', `the agent did not announce itself ('ready') within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        resolve: (h: Hello) => (clearTimeout(timer), resolve(h)),
        reject: (e: Error) => (clearTimeout(timer), reject(e)),
      };
      this.readyWaiters.push(waiter);
    });
  }

  /** Sends one request and resolves with the reply of the same id, whatever its kind. */
  request(kind: string, body: string, timeoutMs: number): Promise<{ kind: string; body: string }> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    let frame: Buffer;
    try {
      frame = encodeFrame({ id, kind, body });
    } catch (e) {
      return Promise.reject(new InfraError('IPVS_CONFORM_AGENT_PROTOCOL', `cannot frame request '${kind}': ${(e as Error).message}`, { cause: e }));
    }
    return new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new InfraError(
            'IPVS_CONFORM_AGENT_TIMEOUT',
            `the agent did not answer '${kind}' (request ${id}) within ${timeoutMs} ms: the guest is hung or too slow; replace the worker`,
          ),
        );
      }, timeoutMs);
      this.pending.set(id, { kind, resolve, reject, timer });
      this.stream.write(frame, (err) => {
        if (err) this.fail(new InfraError('IPVS_CONFORM_AGENT_CHANNEL', `writing to the agent channel failed: ${err.message}`, { cause: err }));
      });
    }).then((f) => ({ kind: f.kind, body: f.body }));
  }

  /** Round trip of an empty request, in ms. */
  async ping(timeoutMs = 5000): Promise<number> {
    const t0 = performance.now();
    const r = await this.request('ping', '', timeoutMs);
    this.expectOk('ping', r);
    return performance.now() - t0;
  }

  /** Timings of the last case, measured inside the agent. */
  async stats(timeoutMs = 5000): Promise<AgentStats> {
    const r = await this.request('stats', '', timeoutMs);
    this.expectOk('stats', r);
    const kv = new Map(r.body.split('\n').map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)] as const));
    const v = (k: string) => Number(kv.get(k) ?? NaN);
    const setupSteps: Record<string, number> = {};
    const stepsLine = r.body.split('\n').find((l) => l.startsWith('setup_steps')) ?? '';
    for (const tok of stepsLine.split(' ').slice(1)) {
      const [name, val] = tok.split('=');
      if (name && val) setupSteps[name] = (setupSteps[name] ?? 0) + Number(val);
    }
    return {
      setupMs: v('setup_ms'),
      scriptMs: v('script_ms'),
      teardownMs: v('teardown_ms'),
      listingsMs: v('listings_ms'),
      lines: v('lines'),
      modulesMs: v('modules_ms'),
      fds: v('fds'),
      memAvailableKb: v('mem_available_kb'),
      setupSteps,
    };
  }

  /**
   * The coverage take (PROTOCOL.md `cov`): the arc counters the instrumented IPVS modules ran since
   * the previous take, zeroed in the guest. A guest without the collector is an InfraError.
   * `unload`: first unload the IPVS modules, so their exit code is counted (the guest then has no IPVS).
   */
  async cov(opts: { unload?: boolean; timeoutMs?: number } = {}): Promise<string> {
    const r = await this.request('cov', opts.unload ? 'unload' : '', opts.timeoutMs ?? 10_000);
    if (r.kind === 'fail') throw new InfraError('IPVS_CONFORM_AGENT_FAIL', `the agent could not take coverage: ${r.body.trim()}`);
    this.expectOk('cov', r);
    return r.body;
  }

  /** Runs a scenario: every event then `table`, `listings` at the end. */
  async runCase(scenario: Scenario, opts: { timeoutMs: number }): Promise<CaseResult> {
    const script = scenarioScript(scenario); // InputError (usage) for fields the protocol cannot carry
    const r = await this.request('case', script, opts.timeoutMs);
    if (r.kind === 'fail')
      throw new InfraError('IPVS_CONFORM_AGENT_FAIL', `the agent could not run the case: ${r.body.trim()}`);
    this.expectOk('case', r);
    try {
      return parseCaseResult(scenario, r.body);
    } catch (e) {
      throw new InfraError('IPVS_CONFORM_AGENT_PROTOCOL', `the agent's case result does not parse: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Rejects whatever is pending and ends the stream. Idempotent. */
  close(): void {
    this.fail(new InfraError('IPVS_CONFORM_AGENT_CLOSED', 'the agent session was closed'));
    this.stream.off('data', this.onData);
    this.stream.destroy();
  }

  private expectOk(kind: string, r: { kind: string; body: string }): void {
    if (r.kind === 'ok') return;
    if (r.kind === 'bad')
      throw new InfraError('IPVS_CONFORM_AGENT_BAD', `the agent refused '${kind}' as malformed: ${r.body.trim()} (a harness bug: the host sent what the protocol does not allow)`);
    throw new InfraError('IPVS_CONFORM_AGENT_PROTOCOL', `expected reply 'ok' to '${kind}', got '${r.kind}': ${r.body.trim()}`);
  }

  private readonly onData = (chunk: Buffer | string) => {
    let frames: Frame[];
    try {
      frames = this.decoder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    } catch (e) {
      this.fail(new InfraError('IPVS_CONFORM_AGENT_PROTOCOL', `the agent channel carries garbage: ${(e as Error).message}`, { cause: e }));
      return;
    }
    for (const f of frames) this.onFrame(f);
  };

  private onFrame(f: Frame): void {
    if (f.id === 0 && f.kind === 'ready') {
      try {
        this.hello = parseHello(f.body);
      } catch (e) {
        this.fail(e as InfraError);
        return;
      }
      for (const w of this.readyWaiters.splice(0)) w.resolve(this.hello);
      return;
    }
    if (f.id === 0 && f.kind === 'bad') {
      // The agent could not read one of our headers: nothing more on this channel can be trusted.
      this.fail(new InfraError('IPVS_CONFORM_AGENT_PROTOCOL', `the agent could not parse a request header: ${f.body.trim()}`));
      return;
    }
    const p = this.pending.get(f.id);
    if (!p) return; // the reply to a request that already timed out
    this.pending.delete(f.id);
    clearTimeout(p.timer);
    p.resolve(f);
  }

  private readonly onError = (err: Error) => {
    this.fail(new InfraError('IPVS_CONFORM_AGENT_CHANNEL', `the agent channel failed: ${err.message}`, { cause: err }));
  };

  private readonly onClose = () => {
    this.fail(new InfraError('IPVS_CONFORM_AGENT_CLOSED', 'the agent channel closed (the guest or container went away)'));
  };

  private fail(err: InfraError): void {
    if (!this.broken) this.broken = err;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(this.broken);
    }
    for (const w of this.readyWaiters.splice(0)) w.reject(this.broken);
  }
}
