// The agent channel's framing (vm/agent/PROTOCOL.md): `IPVSC <id> <kind> <length>\n<body>`, both
// ways. The length counts the body's bytes (UTF-8), so the decoder works on bytes, never on text,
// and a frame split anywhere across chunks decodes the same.

export interface Frame {
  /** Request number chosen by the host, echoed in the reply; 0 for the agent's unsolicited `ready`. */
  id: number;
  /** A word: hello, case, ping, stats, shutdown; ok, bad, fail, ready. */
  kind: string;
  body: string;
}

/** The stream does not follow the framing: the channel is unusable from here on. */
export class FrameError extends Error {
  override readonly name = 'FrameError';
}

const MAGIC = 'IPVSC';
/** Longest header line the decoder waits for before calling the stream garbage. */
const MAX_HEADER = 160;
/** The agent refuses bodies over 16 MiB; the host refuses what it would refuse to send. */
export const MAX_BODY = 16 * 1024 * 1024;

export function encodeFrame(f: Frame): Buffer {
  if (!Number.isSafeInteger(f.id) || f.id < 0) throw new FrameError(`frame id must be a non-negative integer, got ${f.id}`);
  if (!/^[a-z][a-z0-9-]*$/.test(f.kind)) throw new FrameError(`frame kind must be a lowercase word, got ${JSON.stringify(f.kind)}`);
  const body = Buffer.from(f.body, 'utf8');
  if (body.length > MAX_BODY) throw new FrameError(`frame body of ${body.length} bytes is over the ${MAX_BODY} limit`);
  return Buffer.concat([Buffer.from(`${MAGIC} ${f.id} ${f.kind} ${body.length}\n`, 'latin1'), body]);
}

/** Incremental decoder: push chunks as they arrive, take whole frames out. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  /** Returns every frame completed by this chunk; throws FrameError on a malformed header. */
  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Frame[] = [];
    for (;;) {
      const nl = this.buf.indexOf(0x0a);
      if (nl < 0) {
        if (this.buf.length > MAX_HEADER)
          throw new FrameError(`expected a header 'IPVSC <id> <kind> <length>', got ${preview(this.buf)} with no newline`);
        return out;
      }
      if (nl > MAX_HEADER) throw new FrameError(`header line of ${nl} bytes: ${preview(this.buf)}`);
      const header = this.buf.subarray(0, nl).toString('latin1');
      const m = /^IPVSC (\d{1,15}) ([a-z][a-z0-9-]*) (\d{1,9})$/.exec(header);
      if (!m) throw new FrameError(`expected a header 'IPVSC <id> <kind> <length>', got ${JSON.stringify(header)}`);
      const len = Number(m[3]);
      if (len > MAX_BODY) throw new FrameError(`frame body of ${len} bytes is over the ${MAX_BODY} limit`);
      if (this.buf.length < nl + 1 + len) return out;
      const body = this.buf.subarray(nl + 1, nl + 1 + len).toString('utf8');
      this.buf = this.buf.subarray(nl + 1 + len);
      out.push({ id: Number(m[1]), kind: m[2]!, body });
    }
  }

  /** Bytes held that do not yet make a whole frame. */
  get pending(): number {
    return this.buf.length;
  }
}

function preview(b: Buffer): string {
  return JSON.stringify(b.subarray(0, 60).toString('latin1'));
}
