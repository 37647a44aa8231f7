// Every difference between kernels that the model follows, in one place: the rule sets
// (KERNEL_RULES, named by `--semantics` and in case files) and, in VERSION_SEMANTICS, which exact
// kernel versions follow which rule set. A kernel's semantics is never a label: it is looked up
// here from its exact version (src/kernels/version.ts says where that is read).
//
// Read from the kernels' own sources: linux-source-6.1 6.1.176-1 and 6.1.192-3, linux-source-6.12
// 6.12.117-1~deb12u1, and their Debian changelogs (which name the upstream stable release that
// brought each change).
import { UsageError } from '../errors.js';
import { type KernelVersion, versionText } from '../kernels/version.js';
import type { Semantics } from './types.js';
import { ALL_SCHEDULERS, SCHEDULERS_6_1 } from '../registry.js';

export interface KernelRules {
  /** CONFIG_HZ of the Debian kernel (jiffy = 1000 / hz ms). */
  hz: number;
  /**
   * How dest counters and OVERLOAD work:
   * - 'inactconns' (6.1.176): dest->inactconns is a real counter; ip_vs_bind_dest() sets OVERLOAD
   *   after *every* bind, templates included, when `active + inact >= u_threshold`;
   *   ip_vs_unbind_dest() clears it after every unbind by l_threshold, or 3/4 of u_threshold, or
   *   unconditionally; __ip_vs_update_dest() clears it when the new u is 0 or larger than the old.
   * - 'totalconns' (6.12.104+, 6.1.187+): dest->totalconns counts normal connections;
   *   __ip_vs_dest_update_overload() sets/clears OVERLOAD when totalconns crosses u_threshold /
   *   l_threshold_val (`l ?: u - (u >> 2)`); templates never take part; an edit re-evaluates only
   *   when u or l changed.
   */
  accounting: 'inactconns' | 'totalconns';
  /** ip_vs_add_dest()/ip_vs_edit_dest(): `u_threshold > INT_MAX` gives EINVAL (absent in 6.1.176). */
  uThresholdIntMaxCheck: boolean;
  /** Scheduler modules the kernel has (twos is not built in Debian's 6.1; hprio is the project's module). */
  schedulers: readonly string[];
}


/** The rule sets. '6.1': the 6.1.176 rules; '6.12': the 6.12.104+ rules (also 6.1.183+). */
export const KERNEL_RULES: Readonly<Record<Semantics, KernelRules>> = {
  '6.1': { hz: 250, accounting: 'inactconns', uThresholdIntMaxCheck: false, schedulers: SCHEDULERS_6_1 },
  '6.12': { hz: 250, accounting: 'totalconns', uThresholdIntMaxCheck: true, schedulers: ALL_SCHEDULERS },
};

export const SEMANTICS = Object.keys(KERNEL_RULES) as readonly Semantics[];

/** What each rule set is, in words (help texts, errors, the `kernels` listing). */
export const RULES_ABOUT: Readonly<Record<Semantics, string>> = {
  '6.1': 'cost (active<<8)+inactive, OVERLOAD set on every bind (6.1.176 rules)',
  '6.12': 'cost (active<<8)+total, __ip_vs_dest_update_overload() (6.12.104+ and 6.1.183+ rules)',
};

/**
 * Which versions follow which rule set: per line, a stream (major.minor) and the first patch level
 * from which `semantics` holds, up to the next line of the same stream. `mainline` lines cover the
 * x.y.0 releases (and their -rc) of every stream from `stream` up to `until`.
 */
export interface VersionRule {
  stream: string;
  since: number;
  semantics: Semantics;
  why: string;
  mainlineUntil?: string;
}

export const VERSION_SEMANTICS: readonly VersionRule[] = [
  { stream: '6.1', since: 0, semantics: '6.1', why: 'before stable 6.1.183 (ip_vs_dest_conn_overhead() adds inactconns)' },
  {
    stream: '6.1',
    since: 183,
    semantics: '6.12',
    why: 'stable 6.1.183 backported "ipvs: add totalconns for dest" and "ipvs: properly update the overload flag on dest edit" (in Debian from 6.1.187-1)',
  },
  { stream: '6.12', since: 0, semantics: '6.1', why: 'before stable 6.12.104 (ip_vs_dest_conn_overhead() adds inactconns)' },
  { stream: '6.12', since: 104, semantics: '6.12', why: 'stable 6.12.104 brought "ipvs: add totalconns for dest" and "ipvs: properly update the overload flag on dest edit"' },
  {
    stream: '6.1',
    since: 0,
    semantics: '6.1',
    mainlineUntil: '6.12',
    why: 'a mainline release up to 6.12 predates the change (6.12 itself got it only in stable 6.12.104)',
  },
];

/** The rule set for an exact version, and why; an unknown version is a usage error naming --semantics. */
export function semanticsForVersion(v: KernelVersion): { semantics: Semantics; why: string } {
  const stream = `${v.major}.${v.minor}`;
  const lines = VERSION_SEMANTICS.filter((r) => r.mainlineUntil === undefined && r.stream === stream && v.patch >= r.since);
  const hit = lines.sort((a, b) => b.since - a.since)[0];
  if (hit) return { semantics: hit.semantics, why: `${versionText(v)} (${v.from}): ${hit.why}` };
  const mainline = v.patch === 0 ? VERSION_SEMANTICS.find((r) => r.mainlineUntil && inStreams(stream, r.stream, r.mainlineUntil)) : undefined;
  if (mainline) return { semantics: mainline.semantics, why: `${versionText(v)} (${v.from}): ${mainline.why}` };
  throw unknownSemantics(`kernel ${versionText(v)} (${v.from})`);
}

function inStreams(stream: string, from: string, until: string): boolean {
  const n = (s: string) => s.split('.').map(Number) as [number, number];
  const [a, b, c] = [n(stream), n(from), n(until)];
  const cmp = (x: [number, number], y: [number, number]) => x[0] - y[0] || x[1] - y[1];
  return cmp(a, b) >= 0 && cmp(a, c) <= 0;
}

/** The error for a kernel whose rules the table cannot tell: it names --semantics and the choices. */
export function unknownSemantics(what: string): UsageError {
  const known = [...new Set(VERSION_SEMANTICS.filter((r) => !r.mainlineUntil).map((r) => `${r.stream}.x`))].join(', ');
  return new UsageError(
    'IPVS_CONFORM_UNKNOWN_SEMANTICS',
    `cannot tell which model semantics ${what} follows: the version table (src/model/semantics.ts VERSION_SEMANTICS) knows ${known} and mainline releases up to 6.12. ` +
      `Fix: read the kernel's ip_vs_dest_conn_overhead() (include/net/ip_vs.h) and pass ${SEMANTICS.map((s) => `--semantics ${s} (${RULES_ABOUT[s]})`).join(' or ')}`,
  );
}

export function rulesFor(semantics: Semantics): KernelRules {
  const r = KERNEL_RULES[semantics];
  if (!r) throw new Error(`unknown model semantics ${JSON.stringify(semantics)}: expected one of ${Object.keys(KERNEL_RULES).join(', ')}`);
  return r;
}

/**
 * ip_vs_dest_conn_overhead() (include/net/ip_vs.h):
 * 6.1.176 `(activeconns << 8) + inactconns`; 6.12.107 `(activeconns << 8) + totalconns`
 * where totalconns = active + inactive. `<< 8` on a C int wraps like the kernel's.
 */
export function connOverhead(active: number, inact: number, accounting: KernelRules['accounting']): number {
  const hi = (active << 8) | 0;
  return accounting === 'inactconns' ? (hi + inact) | 0 : (hi + active + inact) | 0;
}
