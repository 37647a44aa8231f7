// What the Docker host's kernel offers, found before any case runs: its release, whether IPVS is
// there at all, which schedulers it can run, and which pinned kernel's semantics the model follows.
import { InfraError } from '../../errors.js';
import type { Scenario } from '../../scenario.js';
import type { StepResult } from '../../observation.js';
import { semanticsForRelease } from '../../run/kernels.js';
import type { KernelTable } from '../../vm/kernels.js';

export interface HostProbe {
  release: string;
  /** First line of /proc/net/ip_vs ("IP Virtual Server version 1.2.1 (size=4096)"), or null: no IPVS. */
  ipvs: string | null;
  /** ip_vs* modules loaded on the host (empty where IPVS is built in). */
  modules: string[];
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
  return { release, ipvs: ipvs === 'none' ? null : ipvs, modules: (fields.get('modules') ?? '').split(/\s+/).filter(Boolean) };
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
  /** Pinned kernel name (vm/kernels.yaml) whose `semantics` the model follows. */
  name: string;
  semantics: string;
  /** The rule applied, in words, for the run summary. */
  rule: string;
}

type Version = [number, number, number];

export function parseVersion(s: string): Version | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(s);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

function cmp(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * Maps a host's `uname -r` to a pinned kernel whose `semantics` the model follows. The rule is the
 * project's one (src/run/kernels.ts semanticsForRelease): upstream 6.12.104 changed the cost to
 * (activeconns << 8) + totalconns and the overload flag to __ip_vs_dest_update_overload(), so a
 * release at or after it follows "6.12", one before it "6.1". Of the pinned kernels with that
 * semantics, the newest (by its Debian `version`) names it.
 */
export function mapRelease(release: string, table: KernelTable): KernelMapping {
  const semantics = semanticsForRelease(release);
  const pick = Object.values(table.kernels)
    .filter((k) => k.semantics === semantics)
    .sort((a, b) => cmp(parseVersion(b.version) ?? [0, 0, 0], parseVersion(a.version) ?? [0, 0, 0]))[0];
  if (!pick) {
    const d = table.kernels[table.default]!;
    return { name: d.name, semantics: d.semantics, rule: `no pinned kernel has ${semantics} semantics: the default, ${d.name}` };
  }
  const v = parseVersion(release);
  const where = !v
    ? `release ${JSON.stringify(release)} has no version number, taken as before 6.12.104`
    : semantics === '6.12'
      ? `${v.join('.')} is at or after upstream 6.12.104 (cost (active<<8)+total, __ip_vs_dest_update_overload)`
      : `${v.join('.')} is before upstream 6.12.104 (cost (active<<8)+inactive)`;
  return { name: pick.name, semantics: pick.semantics, rule: `${where}: semantics of pinned kernel ${pick.name}` };
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

/** No scheduler at all: nothing could run. */
export function noSchedulersError(probe: HostProbe): InfraError {
  return new InfraError(
    'IPVS_CONFORM_NO_SCHEDULERS',
    `the Docker host's kernel (${probe.release}) has IPVS but no scheduler module loaded (ip_vs_rr, ip_vs_wlc, ...), and ` +
      'the harness does not make the host load modules. Fix: on the Docker host run ' +
      '`for s in rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos; do modprobe ip_vs_$s; done`',
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
