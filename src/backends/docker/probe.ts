// What the Docker host's kernel offers, found before any case runs: its release, whether IPVS is
// there at all, which schedulers it can run, and which pinned kernel's semantics the model follows.
import { InfraError } from '../../errors.js';
import { KERNEL_OWN_SCHEDULERS } from '../../registry.js';
import type { Scenario } from '../../scenario.js';
import type { StepResult } from '../../observation.js';
import { compareVersions, parseDebianVersion } from '../../kernels/version.js';
import type { Semantics } from '../../model/types.js';
import { semanticsForRunning, specSemantics } from '../../run/kernels.js';
import type { KernelTable } from '../qemu/kernels.js';

export interface HostProbe {
  release: string;
  /** First line of /proc/net/ip_vs ("IP Virtual Server version 1.2.1 (size=4096)"), or null: no IPVS. */
  ipvs: string | null;
  /** ip_vs* modules loaded on the host (empty where IPVS is built in). */
  modules: string[];
  /** /proc/version (Debian's names the exact package version), when the probe printed it. */
  procVersion?: string;
  /** The tc modules fwmark cases need that are loaded, or 'builtin' (no module support); absent: not probed. */
  tc?: string[] | 'builtin';
}

/** Reads the `key value` lines of vm/docker/probe.sh. */
export function parseProbe(text: string): HostProbe {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(\w+) ?(.*)$/.exec(line.trim());
    if (m) fields.set(m[1]!, m[2]!.trim());
  }
  const release = fields.get('release');
  const ipvs = fields.get('ipvs');
  if (!release || ipvs === undefined)
    throw new InfraError('IPVS_CONFORM_DOCKER_PROBE', `the probe container printed no "release" and "ipvs" lines; it printed: ${JSON.stringify(text.slice(0, 500))}`);
  const procVersion = fields.get('version');
  const tc = fields.get('tc');
  return {
    release,
    ipvs: ipvs === 'none' ? null : ipvs,
    modules: (fields.get('modules') ?? '').split(/\s+/).filter(Boolean),
    ...(procVersion ? { procVersion } : {}),
    ...(tc !== undefined ? { tc: tc === 'builtin' ? 'builtin' : tc.split(/\s+/).filter(Boolean) } : {}),
  };
}

/** The clear error for a Docker host whose kernel has no IPVS. */
export function noIpvsError(probe: HostProbe, where: string): InfraError {
  return new InfraError(
    'IPVS_CONFORM_NO_IPVS',
    `the Docker host's kernel (${probe.release}, daemon at ${where}) has no IPVS: /proc/net/ip_vs is missing ` +
      `in a container, so ip_vs is neither built in nor loaded. Fix: run \`modprobe ip_vs\` on the Docker host ` +
      `(on Docker Desktop: \`docker run --rm --privileged --pid=host alpine nsenter -t 1 -m -- modprobe ip_vs\`), ` +
      'use a Docker host whose kernel has ip_vs, or use the QEMU backend (--backend qemu), which boots a pinned kernel with IPVS.',
    { permanent: true },
  );
}

export interface KernelMapping {
  /** Pinned kernel name (vm/kernels.yaml) of the same semantics: the name reports and golden files use. */
  name: string;
  /** What the model follows, by the host kernel's exact version. */
  semantics: Semantics;
  /** The rule applied, in words, for the run summary. */
  rule: string;
}

/**
 * The host kernel's model semantics, by its exact version (src/model/semantics.ts): /proc/version's
 * "Debian 6.1.x-y" where it has one, else an unambiguous release; an unknown or ambiguous version
 * is a usage error naming --semantics. `override` (--semantics) skips the lookup. Reports and the
 * golden corpus name the pinned kernel of the same semantics (the newest by Debian version), or the
 * default when none has them.
 */
export function mapRelease(probe: Pick<HostProbe, 'release' | 'procVersion'>, table: KernelTable, override?: Semantics): KernelMapping {
  const read = override ? { semantics: override, why: `--semantics ${override}` } : semanticsForRunning(probe.release, probe.procVersion);
  const pinned = Object.values(table.kernels)
    .map((k) => ({ k, s: specSemantics(k).semantics, v: parseDebianVersion(k.version) }))
    .filter((x) => x.s === read.semantics)
    .sort((a, b) => (b.v && a.v ? compareVersions(b.v, a.v) : 0))[0];
  const name = pinned?.k.name ?? table.default;
  return { name, semantics: read.semantics, rule: `semantics ${read.semantics}: ${read.why}; reported as pinned kernel ${name}` };
}

/**
 * Which schedulers to try, without making the host's kernel load anything. Where ip_vs itself is a
 * loaded module (/proc/modules lists it), every scheduler is a module too (Kconfig: a scheduler
 * cannot be built in when IP_VS is a module), so the schedulers are exactly the loaded
 * ip_vs_<name> modules; the others are unavailable and never asked for, because asking makes the
 * kernel request_module() them from the host's /lib/modules. Where IPVS is built in, /proc/modules
 * cannot tell a built-in scheduler from a missing one, so every known one is tried; then a missing
 * scheduler that the host has as a module may be loaded by the host's kernel, as any `ipvsadm -A`
 * in any container would (README: load them beforehand).
 */
export function schedulersToTry(probe: HostProbe, known: readonly string[]): { tryThese: string[]; notLoaded: string[] } {
  if (!probe.modules.includes('ip_vs')) return { tryThese: [...known], notLoaded: [] };
  const loaded = (n: string) => probe.modules.includes(`ip_vs_${n}`);
  return { tryThese: known.filter(loaded), notLoaded: known.filter((n) => !loaded(n)) };
}

/** What fwmark cases mark their traffic with: `tc ... clsact`, `flower`, `action skbedit`. */
export const TC_MODULES = ['sch_ingress', 'cls_flower', 'act_skbedit'] as const;

/**
 * Why this host cannot run fwmark cases, or undefined when it can. Like the schedulers, the tc
 * modules must be loaded beforehand: asking for clsact would make the host's kernel load modules.
 */
export function fwmarkLack(probe: HostProbe): string | undefined {
  if (probe.tc === 'builtin') return undefined;
  const missing = TC_MODULES.filter((m) => !(probe.tc ?? []).includes(m));
  if (!missing.length) return undefined;
  return `the Docker host has not loaded ${missing.join(', ')} (tc clsact, flower and skbedit mark the traffic), and the harness does not make the host load modules. Fix: on the Docker host run \`modprobe -a ${TC_MODULES.join(' ')}\``;
}

/** No scheduler at all: nothing could run. */
export function noSchedulersError(probe: HostProbe): InfraError {
  return new InfraError(
    'IPVS_CONFORM_NO_SCHEDULERS',
    `the Docker host's kernel (${probe.release}) has IPVS but no scheduler module loaded (ip_vs_rr, ip_vs_wlc, ...), and ` +
      'the harness does not make the host load modules. Fix: on the Docker host run ' +
      `\`for s in ${KERNEL_OWN_SCHEDULERS.join(' ')}; do modprobe ip_vs_$s; done\``,
    { permanent: true },
  );
}

/** Probe ports: one throwaway service per scheduler, 10.0.0.1:(PROBE_PORT + i). */
const PROBE_PORT = 10000;

/**
 * A case that adds one service per scheduler in the agent's fresh, throwaway network namespace. The
 * kernel answers ENOENT for a scheduler it does not have (ip_vs_add_service: "Scheduler module
 * ip_vs_%s not found").
 */
export function schedulerProbeScenario(names: readonly string[]): Scenario {
  return {
    version: 1,
    events: names.map((scheduler, i) => ({ op: 'svc-add' as const, svc: `10.0.0.1:${PROBE_PORT + i}`, scheduler })),
  };
}

export function readSchedulerProbe(names: readonly string[], steps: StepResult[]): { schedulers: string[]; unavailable: string[] } {
  const schedulers: string[] = [];
  const unavailable: string[] = [];
  names.forEach((name, i) => {
    const step = steps.find((s) => s.index === i);
    if (!step) throw new InfraError('IPVS_CONFORM_DOCKER_PROBE', `the scheduler probe returned no result for ${name}`);
    if (!step.error) schedulers.push(name);
    else if (step.error.name === 'ENOENT') unavailable.push(name);
    else
      throw new InfraError(
        'IPVS_CONFORM_DOCKER_PROBE',
        `adding a throwaway ${name} service failed with ${step.error.name} (${step.error.message}); expected success or ENOENT (no such scheduler)`,
      );
  });
  return { schedulers, unavailable };
}
