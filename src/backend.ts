// The contract every kernel backend (QEMU guest, Docker container) keeps. A backend runs
// Scenarios against a real kernel and reports what it saw; it never computes a verdict.
import type { KernelFinding } from './errors.js';
import type { Observation } from './observation.js';
import type { Semantics } from './model/types.js';
import type { KernelName, Scenario } from './scenario.js';

export interface BackendOptions {
  kernel: KernelName;
  /** Number of guests or containers run in parallel. */
  jobs: number;
  /** Patches (unified diffs) applied to the kernel's IPVS source before building its modules. */
  patches?: string[];
  /** An out-of-tree scheduler module directory built and loaded beside the stock ones. */
  moduleDirs?: string[];
  /** Where console logs of failed guests are kept. */
  logDir?: string;
  /** --semantics: the model's rule set, given by the user instead of read from the kernel's version. */
  semantics?: Semantics;
  /** Boot instrumented IPVS modules and hand each case's coverage here (src/coverage; QEMU only). */
  coverage?: CoverageSink;
}

/** Receives what the kernel's IPVS code ran, case by case (the agent's `cov` takes). */
export interface CoverageSink {
  /** The builds' notes directories (gcov notes and sources), once the image is built. */
  notes(dirs: string[]): void;
  /** The take that followed one scenario on its guest (text, vm/agent/PROTOCOL.md `cov`). */
  take(scenario: Scenario, text: string): void;
}

/** What the kernel offers, probed before any case runs. */
export interface Capabilities {
  /** `uname -r` of the kernel under test. */
  release: string;
  /** Scheduler names the kernel can load (hprio included where its module is present). */
  schedulers: string[];
  /**
   * Known schedulers this kernel lacks (a Docker host without that module): the run summary lists
   * them as unavailable, never as failures. Absent means none.
   */
  unavailable?: string[];
  /**
   * Pinned kernel name (vm/kernels.yaml) that reports and golden files use, when it differs from
   * BackendOptions.kernel: the Docker backend names the pinned kernel of its host's semantics.
   * Absent means BackendOptions.kernel.
   */
  kernel?: KernelName;
  /**
   * The model semantics for this kernel, chosen by the backend from its exact version (a Docker
   * host's /proc/version), with the reason in words. Absent: those of BackendOptions.kernel.
   */
  semantics?: Semantics;
  semanticsWhy?: string;
  /**
   * What this kernel's host cannot do, each with the reason and the fix in words: the generator
   * leaves it out and the run summary says so (a case that needs it is not run there, never a
   * pass). Absent means it can do everything the harness draws.
   */
  lacks?: Partial<Record<Feature, string>>;
}

/** Kinds of case a backend may be unable to run: fwmark traffic (tc clsact, flower, skbedit). */
export type Feature = 'fwmark';

export interface Backend {
  readonly name: string;
  /** Boots or connects the workers; resolves when every worker is ready. Throws InfraError/BootError. */
  start(): Promise<Capabilities>;
  /**
   * Runs one scenario in a fresh network namespace and returns what the kernel did.
   * Throws InfraError (timeout, hung guest: the worker is replaced), or KernelFinding (oops, BUG,
   * WARNING or panic on the console, with the console log). Never returns a partial Observation
   * as if it were complete.
   */
  run(scenario: Scenario): Promise<Observation>;
  /**
   * Called once every case has run, before close: kernel trouble a worker printed after its last
   * case had finished, each as a KernelFinding whose `after` is that case. Optional: a backend
   * without it reports trouble only while a case runs.
   */
  drain?(): Promise<KernelFinding[]>;
  /**
   * With BackendOptions.coverage, once no case will run any more: unload the IPVS modules in every
   * worker (their exit code runs) and hand the last takes to the sink. Optional.
   */
  finishCoverage?(): Promise<void>;
  /** Stops every worker; idempotent; after it no QEMU process or container of this backend is left. */
  close(): Promise<void>;
}
