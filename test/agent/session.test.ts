// The session against a scripted peer on an in-memory stream: framing, id matching, timeouts,
// fail/bad replies and a channel that closes mid-request. (The real agent is in agent.slow.test.ts.)
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, type Frame } from '../../src/agent/frame.js';
import { AgentSession, parseHello } from '../../src/agent/session.js';
import { InfraError } from '../../src/errors.js';

/** A Duplex whose writes are decoded and handed to `answer`; what it returns is sent back, split in small chunks. */
function peer(answer: (f: Frame, send: (f: Frame) => void) => void) {
  const dec = new FrameDecoder();
  const stream: Duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      for (const f of dec.push(chunk)) answer(f, send);
      cb();
    },
  });
  const send = (f: Frame) => {
    const b = encodeFrame(f);
    for (let i = 0; i < b.length; i += 7) stream.push(b.subarray(i, i + 7));
  };
  return { stream, send };
}

const READY = { id: 0, kind: 'ready', body: 'agent ipvsc-agent/1\nrelease 6.1.0-50-cloud-amd64\nschedulers rr wrr hprio\n' };

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(InfraError);
    return (e as InfraError).code;
  }
  throw new Error('expected a rejection');
}

describe('parseHello', () => {
  it('reads the kernel HZ when the agent reports it, and refuses a bad one', () => {
    expect(parseHello(`${READY.body}hz 250\n`).hz).toBe(250);
    expect(parseHello(READY.body).hz).toBeUndefined();
    expect(() => parseHello(`${READY.body}hz x\n`)).toThrow(/bad 'hz' line/);
  });
});

describe('AgentSession', () => {
  it('resolves ready from the unsolicited announcement, before or after it is asked', async () => {
    const { stream, send } = peer(() => {});
    const s = new AgentSession(stream);
    const early = s.ready(1000);
    send(READY);
    expect(await early).toEqual({ agent: 'ipvsc-agent/1', release: '6.1.0-50-cloud-amd64', schedulers: ['rr', 'wrr', 'hprio'] });
    expect(parseHello('agent a\nrelease r\nschedulers \nipvsadm embedded /proc/self/fd/3\n')).toEqual({
      agent: 'a',
      release: 'r',
      schedulers: [],
      ipvsadm: 'embedded /proc/self/fd/3',
    });
    expect(() => parseHello('agent a\n')).toThrow(/no 'release' line/);
    expect((await s.ready(10)).schedulers).toContain('hprio');
    s.close();
  });

  it('matches replies to requests by id, even out of order', async () => {
    const held: Frame[] = [];
    const kinds: string[] = [];
    const { stream, send } = peer((f, sendBack) => {
      kinds.push(f.kind);
      held.push(f);
      if (held.length === 2) for (const h of held.splice(0).reverse()) sendBack({ id: h.id, kind: 'ok', body: `echo ${h.kind}\n` });
      else if (f.kind === 'ping') sendBack({ id: held.pop()!.id, kind: 'ok', body: '' });
    });
    void send;
    const s = new AgentSession(stream);
    const [a, b] = await Promise.all([s.request('hello', '', 1000), s.request('stats', '', 1000)]);
    expect(a).toEqual({ kind: 'ok', body: 'echo hello\n' });
    expect(b).toEqual({ kind: 'ok', body: 'echo stats\n' });
    // A ping after them is answered under its own id (ping throws on a reply that is not its own ok).
    await expect(s.ping(1000)).resolves.toEqual(expect.any(Number));
    expect(kinds).toEqual(['hello', 'stats', 'ping']);
    s.close();
  });

  it('runs a case: sends the script, parses the result', async () => {
    let script = '';
    const { stream } = peer((f, send) => {
      script = f.body;
      send({
        id: f.id,
        kind: 'ok',
        body: 'ok t=1.000\nok t=1.100 table=1\nS 10.0.0.1:80 sched=rr flags=- p=- M=- ops=0\nok t=2.000 listings=4\n# list\n# thresholds\n# persistent\n# conns\n',
      });
    });
    const s = new AgentSession(stream);
    const r = await s.runCase({ version: 1, events: [{ op: 'svc-add', svc: '10.0.0.1:80', scheduler: 'rr' }] }, { timeoutMs: 1000 });
    expect(script).toBe('svc-add 10.0.0.1:80 sched=rr\ntable\nlistings\n');
    expect(r.steps).toEqual([{ index: 0, t: 1, table: [{ svc: '10.0.0.1:80', scheduler: 'rr', flags: [], dests: [] }] }]);
    s.close();
  });

  it('turns fail, bad and unparseable replies into InfraErrors with distinct codes', async () => {
    const replies: Frame[] = [
      { id: 0, kind: 'fail', body: 'veth cl0: Operation not permitted\n' },
      { id: 0, kind: 'bad', body: 'line 1: unknown command\n' },
      { id: 0, kind: 'ok', body: 'this is not a result\n' },
    ];
    const { stream } = peer((f, send) => send({ ...replies.shift()!, id: f.id }));
    const s = new AgentSession(stream);
    const sc = { version: 1 as const, events: [] };
    expect(await code(s.runCase(sc, { timeoutMs: 1000 }))).toBe('IPVS_CONFORM_AGENT_FAIL');
    expect(await code(s.runCase(sc, { timeoutMs: 1000 }))).toBe('IPVS_CONFORM_AGENT_BAD');
    expect(await code(s.runCase(sc, { timeoutMs: 1000 }))).toBe('IPVS_CONFORM_AGENT_PROTOCOL');
    s.close();
  });

  it('times out a request the agent never answers, and ignores the late reply', async () => {
    let late: Frame | undefined;
    const { stream, send } = peer((f) => (late = f));
    const s = new AgentSession(stream);
    expect(await code(s.request('case', 'wait 100000\n', 50))).toBe('IPVS_CONFORM_AGENT_TIMEOUT');
    send({ id: late!.id, kind: 'ok', body: 'ok t=1\n' });
    expect(await code(s.ready(30))).toBe('IPVS_CONFORM_AGENT_TIMEOUT');
    s.close();
  });

  it('rejects at once when the stream closes mid-request, and every later call too', async () => {
    const { stream } = peer(() => setTimeout(() => stream.destroy(), 5));
    const s = new AgentSession(stream);
    expect(s.closed).toBe(false);
    const t0 = performance.now();
    expect(await code(s.request('case', 'listings\n', 60_000))).toBe('IPVS_CONFORM_AGENT_CLOSED');
    expect(s.closed).toBe(true);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(await code(s.ping(1000))).toBe('IPVS_CONFORM_AGENT_CLOSED');
  });

  it('gives up on a channel that carries garbage or a header the agent could not read', async () => {
    const g = peer(() => g.stream.push(Buffer.from('Kernel panic - not syncing\n')));
    const s1 = new AgentSession(g.stream);
    expect(await code(s1.request('ping', '', 1000))).toBe('IPVS_CONFORM_AGENT_PROTOCOL');
    s1.close();
    const b = peer((_f, send) => send({ id: 0, kind: 'bad', body: 'malformed header\n' }));
    const s2 = new AgentSession(b.stream);
    expect(await code(s2.request('ping', '', 1000))).toBe('IPVS_CONFORM_AGENT_PROTOCOL');
    s2.close();
  });

  it('refuses a scenario the protocol cannot carry before sending anything', async () => {
    let sent = 0;
    const { stream } = peer(() => sent++);
    const s = new AgentSession(stream);
    await expect(s.runCase({ version: 1, events: [{ op: 'svc-del', svc: 'nonsense' }] }, { timeoutMs: 100 })).rejects.toThrow(/events\[0\]\.svc/);
    expect(sent).toBe(0);
    s.close();
  });
});
