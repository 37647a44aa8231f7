// The guest's serial console: kept (for BootError and KernelFinding reports, and a log file) and
// scanned for the kernel's own words for trouble. A line that says the kernel oopsed, hit a BUG,
// warned or panicked is a kernel finding; a panic because PID 1 (the agent) died, or because the
// kernel found no init to run, is the harness's problem, not the kernel's.

/** Console words that mean the kernel under test is in trouble (kernel/panic.c, lib/bug.c, arch/x86/kernel/traps.c, dumpstack.c). */
export const FINDING_PATTERNS: readonly RegExp[] = [
  /\bOops\b/,
  /\bBUG:/,
  /\bWARNING:/,
  /Kernel panic/,
  /general protection fault/,
  /Call Trace/,
];

/** init (the agent) exited: kernel/exit.c panics with this; the guest is gone, the kernel is fine. */
const INIT_DIED = /Attempted to kill init/;

/**
 * The kernel could not start the guest's userspace (init/main.c kernel_init, do_mounts.c): a
 * broken image, not a finding about the kernel under test.
 */
const NO_USERSPACE = /Kernel panic - not syncing: (No working init|No init found|Requested init|VFS: Unable to mount root|Unable to mount root)/;

export interface ConsoleFinding {
  kind: 'kernel' | 'agent-died' | 'no-userspace';
  /** The first console line that matched. */
  line: string;
}

/** The first trouble a console text shows, or undefined. An agent death or a missing init outranks the panic it causes. */
export function scanConsole(text: string): ConsoleFinding | undefined {
  const lines = text.split('\n');
  const died = lines.find((l) => INIT_DIED.test(l));
  if (died) return { kind: 'agent-died', line: died.trim() };
  const noInit = lines.find((l) => NO_USERSPACE.test(l));
  if (noInit) return { kind: 'no-userspace', line: noInit.trim() };
  const hit = lines.find((l) => FINDING_PATTERNS.some((p) => p.test(l)));
  return hit ? { kind: 'kernel', line: hit.trim() } : undefined;
}

/** Keeps a console's text (the first and last parts when it grows past `limit`), with offsets to scan from. */
export class ConsoleLog {
  private head = '';
  private tail = '';
  private dropped = 0;
  /** Total characters seen, the offset a mark() refers to. */
  private total = 0;
  private readonly listeners: ((text: string) => void)[] = [];

  constructor(private readonly limit = 1 << 20) {}

  append(text: string): void {
    let chunk = text;
    this.total += chunk.length;
    if (this.head.length < this.limit / 2) {
      const room = this.limit / 2 - this.head.length;
      this.head += chunk.slice(0, room);
      chunk = chunk.slice(room);
    }
    this.tail += chunk;
    if (this.tail.length > this.limit / 2) {
      const cut = this.tail.length - this.limit / 2;
      this.dropped += cut;
      this.tail = this.tail.slice(cut);
    }
    for (const l of this.listeners) l(text);
  }

  onData(listener: (text: string) => void): void {
    this.listeners.push(listener);
  }

  /** An offset to scan from: the console's position now. */
  mark(): number {
    return this.total;
  }

  /** Text since an offset (as far as it is still kept). */
  since(offset: number): string {
    if (this.dropped === 0) return (this.head + this.tail).slice(offset);
    const tailStart = this.total - this.tail.length;
    return this.tail.slice(Math.max(0, offset - tailStart));
  }

  text(): string {
    return this.dropped > 0 ? `${this.head}\n[... ${this.dropped} characters of console output left out ...]\n${this.tail}` : this.head + this.tail;
  }
}
