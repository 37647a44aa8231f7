import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, FrameError, type Frame } from '../../src/agent/frame.js';

const frames: Frame[] = [
  { id: 0, kind: 'ready', body: 'agent ipvsc-agent/1\nrelease 6.1.0\nschedulers rr wrr\n' },
  { id: 7, kind: 'ok', body: '' },
  { id: 12345, kind: 'case', body: 'svc-add 10.0.0.1:80 sched=rr\ntable\n' },
  { id: 3, kind: 'bad', body: 'naïve ünïcödé — bytes ≠ chars\n' },
];

describe('frame codec', () => {
  it('encodes the header with the body length in bytes, not characters', () => {
    const b = encodeFrame({ id: 3, kind: 'ok', body: 'é\n' });
    expect(b.toString('utf8')).toBe('IPVSC 3 ok 3\né\n');
  });

  it('decodes a stream of frames split at every byte boundary', () => {
    const wire = Buffer.concat(frames.map(encodeFrame));
    for (let cut = 0; cut <= wire.length; cut++) {
      const d = new FrameDecoder();
      const got = [...d.push(wire.subarray(0, cut)), ...d.push(wire.subarray(cut))];
      expect(got).toEqual(frames);
      expect(d.pending).toBe(0);
    }
  });

  it('decodes a stream fed one byte at a time', () => {
    const wire = Buffer.concat(frames.map(encodeFrame));
    const d = new FrameDecoder();
    const got: Frame[] = [];
    for (const byte of wire) got.push(...d.push(Buffer.from([byte])));
    expect(got).toEqual(frames);
  });

  it('holds a partial body until the rest arrives', () => {
    const d = new FrameDecoder();
    expect(d.push(Buffer.from('IPVSC 1 ok 5\nab'))).toEqual([]);
    expect(d.pending).toBe(15);
    expect(d.push(Buffer.from('c\nd'))).toEqual([{ id: 1, kind: 'ok', body: 'abc\nd' }]);
  });

  it('rejects a malformed header with what it expected and what came', () => {
    expect(() => new FrameDecoder().push(Buffer.from('HELLO 1 ok 0\n'))).toThrow(FrameError);
    expect(() => new FrameDecoder().push(Buffer.from('IPVSC x ok 0\n'))).toThrow(/IPVSC <id> <kind> <length>/);
    expect(() => new FrameDecoder().push(Buffer.from('IPVSC 1 ok -1\n'))).toThrow(FrameError);
    expect(() => new FrameDecoder().push(Buffer.from('IPVSC 1 OK 0\n'))).toThrow(FrameError);
  });

  it('rejects a header that never ends and a body over the limit', () => {
    expect(() => new FrameDecoder().push(Buffer.alloc(200, 0x41))).toThrow(/no newline/);
    expect(() => new FrameDecoder().push(Buffer.from('IPVSC 1 ok 999999999\n'))).toThrow(/over the/);
  });

  it('refuses to encode what the agent could not parse', () => {
    expect(() => encodeFrame({ id: -1, kind: 'ok', body: '' })).toThrow(FrameError);
    expect(() => encodeFrame({ id: 1, kind: 'two words', body: '' })).toThrow(FrameError);
    expect(() => encodeFrame({ id: 1.5, kind: 'ok', body: '' })).toThrow(FrameError);
  });
});
