// The C agent's framing and script checking, run on the host in --stdio mode (no kernel work: every
// request here is answered before any namespace is made). Regressions: a header line over 160
// bytes arriving whole overflowed the header buffer (found with ASan and a fuzzer); a script over
// the line limit was answered `fail` (infrastructure) instead of `bad`; a refused header's body,
// and the part of an over-size body not yet buffered, were read as headers (the stream
// desynchronised). The framing's own units: test/agent/c/chan_test.c.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, type Frame } from '../../src/agent/frame.js';

const agentDir = path.resolve(import.meta.dirname, '../../vm/agent');
const agent = path.join(agentDir, 'build', 'ipvsc-agent');

/** Runs the agent on `input` until it exits at end of input; returns its frames. */
async function talk(input: Buffer): Promise<Frame[]> {
  const p = spawn(agent, ['--stdio', '--no-modules'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const dec = new FrameDecoder();
  const frames: Frame[] = [];
  p.stdout.on('data', (b: Buffer) => frames.push(...dec.push(b)));
  const code = new Promise<number | null>((resolve) => p.on('exit', resolve));
  p.stdin.end(input);
  expect(await code).toBe(0);
  return frames;
}

describe('agent --stdio framing', () => {
  beforeAll(async () => {
    await execa('make', ['-C', agentDir], { all: true });
  }, 300_000);

  it('announces itself, answers hello/ping/stats, and refuses unknown kinds', async () => {
    const f = await talk(
      Buffer.concat([
        encodeFrame({ id: 1, kind: 'hello', body: '' }),
        encodeFrame({ id: 2, kind: 'ping', body: '' }),
        encodeFrame({ id: 3, kind: 'stats', body: '' }),
        encodeFrame({ id: 4, kind: 'launch', body: '' }),
      ]),
    );
    expect(f[0]).toMatchObject({ id: 0, kind: 'ready' });
    expect(f[0]!.body).toMatch(/^agent ipvsc-agent\/1\nrelease \S+\nschedulers.*\nipvsadm (embedded|path) \S+\nhz \d+\n$/);
    expect(f.slice(1).map((x) => [x.id, x.kind])).toEqual([
      [1, 'ok'],
      [2, 'ok'],
      [3, 'ok'],
      [4, 'bad'],
    ]);
    expect(f[3]!.body).toMatch(/^setup_ms /m);
    expect(f[4]!.body).toMatch(/unknown request kind 'launch'/);
  });

  it('answers every malformed script with bad naming the line, and keeps going', async () => {
    const scripts = [
      'svc-add 10.0.0.1:80\n',
      'svc-add 10.0.0.1:80 sched=rr flags=sh-nope\n',
      'dest-add 10.0.0.1:80 10.2.0.1:80 w=1 x=0\n',
      'dest-add 10.0.0.1:80 10.2.0.1:80 w=2147483648 x=0 y=0\n',
      'connect c1 10.0.0.1:80 10.1.0.1:70000\n',
      'table\n\ntable\n',
      'fin c1\n',
      'connect c1 10.0.0.1:80 10.1.0.1:1\nconnect c1 10.0.0.1:80 10.1.0.1:2\n',
      'wait 99999999\n',
      'table extra\n',
      'svc-add 10.0.0.1:80 sched=rr\u0000\n',
    ];
    const f = await talk(Buffer.concat([...scripts.map((body, i) => encodeFrame({ id: i + 1, kind: 'case', body })), encodeFrame({ id: 99, kind: 'ping', body: '' })]));
    const replies = f.slice(1);
    expect(replies.map((x) => x.kind)).toEqual([...scripts.map(() => 'bad'), 'ok']);
    expect(replies[5]!.body).toBe('line 2: empty line\n');
    expect(replies[7]!.body).toBe('line 2: connection name c1 used twice\n');
    for (const r of replies.slice(0, -1)) expect(r.body).toMatch(/^line \d+: .+\n$/);
  });

  it('survives garbage and over-long headers, answering bad with id 0', async () => {
    const f = await talk(
      Buffer.concat([
        Buffer.from(`IPVSC 1 case ${'9'.repeat(300)}\n`),
        Buffer.from('definitely not a frame\n'),
        Buffer.from(`${'x'.repeat(1000)}\n`),
        encodeFrame({ id: 5, kind: 'ping', body: '' }),
      ]),
    );
    expect(f.slice(1).map((x) => [x.id, x.kind])).toEqual([
      [0, 'bad'],
      [0, 'bad'],
      [0, 'bad'],
      [5, 'ok'],
    ]);
  });

  it('answers a script over the line limit with bad, not fail', async () => {
    const f = await talk(Buffer.concat([encodeFrame({ id: 1, kind: 'case', body: 'table\n'.repeat(100_001) }), encodeFrame({ id: 2, kind: 'ping', body: '' })]));
    expect(f.slice(1).map((x) => [x.id, x.kind, x.body])).toEqual([
      [1, 'bad', 'script of 100001 lines is over the 100000 limit\n'],
      [2, 'ok', ''],
    ]);
  });

  it('skips the body of a header it refuses, so frame text inside it is never read as a frame', async () => {
    const inner = encodeFrame({ id: 9, kind: 'ping', body: '' });
    const big = Buffer.alloc(16 * 1024 * 1024 + 1, '\n');
    for (let k = 0; k + inner.length <= big.length; k += inner.length) inner.copy(big, k);
    const f = await talk(
      Buffer.concat([
        Buffer.from(`IPVSC 3 ${'k'.repeat(40)} ${inner.length}\n`),
        inner,
        Buffer.from(`IPVSC 4 case ${big.length}\n`),
        big,
        Buffer.from('IPVSC 5 ping -1\n'),
        encodeFrame({ id: 6, kind: 'ping', body: '' }),
      ]),
    );
    expect(f.slice(1).map((x) => [x.id, x.kind])).toEqual([
      [3, 'bad'],
      [4, 'bad'],
      [0, 'bad'],
      [6, 'ok'],
    ]);
    expect(f[2]!.body).toMatch(/^request 4: body of 16777217 bytes is over the 16777216 limit\n$/);
  });
});
