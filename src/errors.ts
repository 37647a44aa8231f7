// Every error the harness raises, each with a stable code, an exit code and a message that says
// what was expected, what arrived and the fix. The CLI maps them to exit codes in one place.
import type { Scenario } from './scenario.js';

export const EXIT = {
  ok: 0,
  divergence: 1,
  usage: 2,
  infra: 3,
  kernel: 4,
  /** More cases than --max-unknown the model could not decide (unknown) or did not repeat (flaky). */
  unknown: 5,
  /** A guest whose kernel did not come up (BootError, with its console log). */
  boot: 6,
  /** A bug of the harness itself: the model crashed, or an error that is none of ours. */
  harness: 7,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * Which code a run exits with when it met several outcomes: the first of these that applies.
 * Findings come first (they are what a run is for), then what keeps a run from judging every case:
 * a bug of ours, bad input, a guest that did not boot, other infrastructure, cases the model could
 * not decide (more than --max-unknown). The README's list of
 * exit codes is in this order (test/errors.test.ts compares them).
 */
export const EXIT_PRECEDENCE: readonly ExitCode[] = [EXIT.kernel, EXIT.divergence, EXIT.harness, EXIT.usage, EXIT.boot, EXIT.infra, EXIT.unknown, EXIT.ok];

/** The code that wins among several (EXIT_PRECEDENCE); codes outside it (130 interrupted) rank last. */
export function worstExit(...codes: number[]): number {
  const rank = (c: number) => {
    const i = EXIT_PRECEDENCE.indexOf(c as ExitCode);
    return i < 0 ? EXIT_PRECEDENCE.length : i;
  };
  return codes.reduce((a, b) => (rank(b) < rank(a) ? b : a), EXIT.ok);
}

export abstract class ConformError extends Error {
  abstract readonly code: string;
  abstract readonly exitCode: ExitCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad command line, bad case file, bad scenario field: the user's input, exit 2. */
export class UsageError extends ConformError {
  readonly code: string;
  readonly exitCode = EXIT.usage;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A field of a file or scenario that is not what was expected. */
export class InputError extends UsageError {
  constructor(
    readonly file: string | undefined,
    readonly field: string,
    readonly expected: string,
    readonly got: unknown,
    /** How to put it right, when the reader can be told more than "give what was expected". */
    readonly fix?: string,
  ) {
    super(
      'IPVS_CONFORM_BAD_INPUT',
      `${file ? `${file}: ` : ''}${field}: expected ${expected}, got ${got === undefined ? 'nothing (the field is missing)' : JSON.stringify(got)}${fix ? `. Fix: ${fix}` : ''}`,
    );
  }
}

/** The harness's own machinery failed (build, QEMU, channel, timeout): never a pass, never a kernel bug. */
export class InfraError extends ConformError {
  readonly code: string;
  readonly exitCode: ExitCode = EXIT.infra;
  /** Retrying cannot help (a host without IPVS, say): the fix is the user's, so it is not retried. */
  readonly permanent: boolean;
  constructor(code: string, message: string, options?: { cause?: unknown; log?: string; permanent?: boolean }) {
    super(message, options);
    this.code = code;
    this.log = options?.log;
    this.permanent = options?.permanent ?? false;
  }
  readonly log: string | undefined;
}

/**
 * A case this backend does not run (a Docker host has no virtual time, and the case waits longer
 * than it may wait for real): reported as not run, never as a pass or a failure.
 */
export class NotRunError extends InfraError {
  constructor(message: string) {
    super('IPVS_CONFORM_NOT_RUN', message, { permanent: true });
  }
}

/** The guest kernel did not come up; the console log says why. Its own exit code (6): not a timeout. */
export class BootError extends InfraError {
  override readonly exitCode: ExitCode = EXIT.boot;
  constructor(message: string, log: string, options?: { cause?: unknown }) {
    super('IPVS_CONFORM_BOOT', message, { ...options, log });
  }
}

/**
 * The model threw on a scenario: a bug in the harness (exit 7), never a kernel finding and never
 * infrastructure. Not retried: it would fail the same way again.
 */
export class ModelError extends ConformError {
  readonly code = 'IPVS_CONFORM_MODEL';
  readonly exitCode = EXIT.harness;
}

/** A missing host package or tool, with the command that installs it. */
export class MissingToolError extends InfraError {
  constructor(tool: string, pkg: string) {
    super(
      'IPVS_CONFORM_MISSING_TOOL',
      `${tool} not found: it comes with the Debian package ${pkg}. Fix: sudo apt-get install -y ${pkg}`,
    );
  }
}

/** The kernel under test printed an oops, BUG, WARNING or panic: a kernel finding, exit 4. */
export class KernelFinding extends ConformError {
  readonly code = 'IPVS_CONFORM_KERNEL_FINDING';
  readonly exitCode = EXIT.kernel;
  constructor(
    message: string,
    readonly consoleLog: string,
    /**
     * Set when the trouble was printed after a case had finished (asynchronous kernel work, such
     * as the clean-up of its network namespace): that case, the likeliest cause. Absent means the
     * case running at the time.
     */
    readonly after?: Scenario,
  ) {
    super(message);
  }
}
