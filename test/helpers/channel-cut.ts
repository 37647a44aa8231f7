// Fault injection on the host's end of the agent channel (the QEMU backend's `connect` seam): once
// armed, the next `case` request frame the host writes on any channel is cut (or, closeAll, every
// channel is closed at once). Either the host
// writes part of the frame (its header and half its body) and closes the channel at once, or it
// writes the whole frame and closes the channel a moment later, while the agent runs the case.
import type { Duplex } from 'node:stream';
import { AgentSession } from '../../src/agent/session.js';

export type CutMode =
  /** Header and half the body written, then the channel destroyed. */
  | { at: 'mid-frame' }
  /** The whole frame written; `afterMs` later the host ends its side (FIN), as a clean close would. */
  | { at: 'mid-case'; afterMs: number };

/** What was cut: when, and how many of the frame's bytes the agent could have received. */
export interface Cut {
  at: number;
  sent: number;
  frameBytes: number;
}

type Write = Duplex['write'];

export class ChannelCutter {
  private armed: { mode: CutMode; done(c: Cut): void } | undefined;
  private readonly channels = new Set<Duplex>();

  /** The backend's `connect`: an ordinary AgentSession over a channel whose writes are watched. */
  readonly connect = (stream: Duplex): AgentSession => {
    const write = stream.write.bind(stream) as (chunk: Buffer, cb?: (err?: Error | null) => void) => boolean;
    stream.write = ((chunk: Buffer, ...rest: unknown[]) => {
      const cb = rest.find((r): r is (err?: Error | null) => void => typeof r === 'function');
      if (!this.armed || !Buffer.isBuffer(chunk) || !isCaseFrame(chunk)) return write(chunk, cb);
      const { mode, done } = this.armed;
      this.armed = undefined;
      return this.cut(stream, write, chunk, mode, cb, done);
    }) as Write;
    this.channels.add(stream);
    stream.once('close', () => this.channels.delete(stream));
    return new AgentSession(stream);
  };

  /** Closes every channel now, whatever is in flight (between cases: an idle guest's). */
  closeAll(): void {
    for (const c of this.channels) c.destroy();
  }

  /** Cuts the next case frame; resolves when the channel has been closed. */
  arm(mode: CutMode): Promise<Cut> {
    if (this.armed) throw new Error('a cut is armed already');
    return new Promise((done) => (this.armed = { mode, done }));
  }

  private cut(
    stream: Duplex,
    write: (chunk: Buffer, cb?: (err?: Error | null) => void) => boolean,
    frame: Buffer,
    mode: CutMode,
    cb: ((err?: Error | null) => void) | undefined,
    done: (c: Cut) => void,
  ): boolean {
    if (mode.at === 'mid-case') {
      const ok = write(frame, cb);
      setTimeout(() => {
        stream.end();
        done({ at: performance.now(), sent: frame.length, frameBytes: frame.length });
      }, mode.afterMs);
      return ok;
    }
    const header = frame.indexOf(0x0a) + 1;
    const sent = header + Math.floor((frame.length - header) / 2);
    // Closed once the part has reached the socket, so the agent reads exactly that much.
    return write(frame.subarray(0, sent), (err) => {
      stream.destroy();
      done({ at: performance.now(), sent, frameBytes: frame.length });
      cb?.(err);
    });
  }
}

function isCaseFrame(chunk: Buffer): boolean {
  return /^IPVSC \d+ case \d+\n/.test(chunk.subarray(0, 40).toString('latin1'));
}
