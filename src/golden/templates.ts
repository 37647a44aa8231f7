// The fixed scenarios of the golden corpus: for every scheduler a kernel has, a handful of small
// cases aimed at the places schedulers differ (ties, weight 0, overload set and cleared by
// thresholds, deleted and re-added destinations, persistence, sh/mh flags), plus the seed's hprio
// setup; the connection lifecycle (lifecycle.ts), whose waits the model follows on the
// kernel's own jiffies, stored with the case; and the surface beyond one TCP service (surface.ts).
import type { LifecyclePath } from '../model/reached.js';
import type { Semantics } from '../model/types.js';
import type { Scenario } from '../scenario.js';

export interface GoldenTemplate {
  name: string;
  /** One line saying what the case pins down. */
  about: string;
  /** Schedulers this template applies to; absent means every scheduler. */
  only?: string[];
  /** Lifecycle paths the model must reach on it (tests check that the case still exercises them). */
  reaches?: LifecyclePath[] | ((scheduler: string, semantics: Semantics) => LifecyclePath[]);
  build(scheduler: string): Scenario;
}

import { LIFECYCLE_TEMPLATES } from './lifecycle.js';
import { SURFACE_TEMPLATES } from './surface.js';
import { rs, rs6, Story } from './story.js';

const BASIC: GoldenTemplate[] = [
  {
    name: 'ties',
    about: 'three destinations of equal weight: who wins ties, and in which order',
    build: (s) => {
      const st = new Story(s).add(rs(1)).add(rs(2)).add(rs(3));
      st.connect(7);
      return st.done();
    },
  },
  {
    name: 'weights',
    about: 'weights 3, 2, 1 and 0: proportions, and never the weight-0 destination on a fresh schedule',
    build: (s) => {
      const st = new Story(s).add(rs(1), { weight: 3 }).add(rs(2), { weight: 2 }).add(rs(3), { weight: 1 }).add(rs(4), { weight: 0 });
      st.connect(12);
      return st.done();
    },
  },
  {
    name: 'quiesce',
    about: 'a destination quiesced to weight 0 and brought back',
    build: (s) => {
      const st = new Story(s).add(rs(1), { weight: 2 }).add(rs(2), { weight: 2 }).add(rs(3), { weight: 2 });
      st.connect(4);
      st.edit(rs(2), { weight: 0 });
      st.connect(4, 1);
      st.edit(rs(2), { weight: 2 });
      st.connect(4, 2);
      return st.done();
    },
  },
  {
    name: 'overload',
    about: 'upper threshold sets OVERLOAD, closing connections below the lower threshold clears it',
    build: (s) => {
      const st = new Story(s).add(rs(1), { upper: 2, lower: 1 }).add(rs(2), { upper: 2, lower: 1 }).add(rs(3), { weight: 1 });
      const first = st.connect(6);
      st.rst(...first.slice(0, 3));
      st.connect(4, 1);
      st.fin(...first.slice(3));
      st.connect(3, 2);
      return st.done();
    },
  },
  {
    name: 'threshold-edit',
    about: 'thresholds edited under load, and a lower threshold above the upper one (rejected)',
    build: (s) => {
      const st = new Story(s).add(rs(1), { weight: 2 }).add(rs(2), { weight: 1 });
      st.connect(4);
      st.edit(rs(1), { weight: 2, upper: 1, lower: 0 });
      st.connect(3, 1);
      st.edit(rs(1), { weight: 2, upper: 1, lower: 5 });
      st.edit(rs(1), { weight: 2, upper: 8, lower: 0 });
      st.connect(3, 2);
      return st.done();
    },
  },
  {
    name: 'trash',
    about: 'a destination deleted with live connections and re-added: counters come back from the trash',
    build: (s) => {
      const st = new Story(s).add(rs(1)).add(rs(2)).add(rs(3));
      st.connect(6);
      st.del(rs(2));
      st.connect(3, 1);
      st.add(rs(2));
      st.connect(4, 2);
      st.del(rs(9));
      return st.done();
    },
  },
  {
    name: 'persistence',
    about: 'persistence with a /24 mask: a client network sticks to its destination, even quiesced',
    build: (s) => {
      const st = new Story(s, { persistent: 300, netmask: '255.255.255.0' }).add(rs(1)).add(rs(2)).add(rs(3));
      const a = st.connect(2, 0);
      st.connect(2, 1);
      st.connect(2, 2);
      st.fin(...a);
      st.edit(rs(1), { weight: 0 });
      st.connect(2, 0, 10);
      st.connect(2, 3);
      return st.done();
    },
  },
  {
    name: 'flags-port',
    about: 'sh-port / mh-port: the client port joins the hash',
    only: ['sh', 'mh'],
    build: (s) => {
      const st = new Story(s, { flags: [`${s}-port`] }).add(rs(1)).add(rs(2)).add(rs(3), { weight: 2 });
      st.connect(4, 0, 1);
      st.connect(4, 0, 1);
      return st.done();
    },
  },
  {
    name: 'flags-fallback',
    about: 'sh-fallback / mh-fallback: a quiesced or overloaded destination falls back to the next',
    only: ['sh', 'mh'],
    build: (s) => {
      const st = new Story(s, { flags: [`${s}-fallback`] }).add(rs(1), { upper: 1 }).add(rs(2)).add(rs(3));
      st.connect(6);
      st.edit(rs(2), { weight: 0 });
      st.connect(6, 1);
      return st.done();
    },
  },
  {
    name: 'forwarding',
    about: 'DR and tunnel beside masquerading, and their methods edited under open connections: INPUT-ONLY states, counters, the trash',
    build: (s) => {
      const st = new Story(s).add(rs(1), { fwd: 'route' }).add(rs(2, 8080), { fwd: 'tunnel' }).add(rs(3));
      const a = st.connect(3);
      st.fin(a[0]!, a[1]!);
      const b = st.connect(3, 1);
      st.edit(rs(1)).edit(rs(3), { fwd: 'tunnel' });
      st.fin(...b);
      const c = st.connect(3, 2);
      st.rst(c[0]!);
      st.del(rs(2, 8080));
      st.fin(a[2]!, ...c.slice(1));
      st.add(rs(2, 8080), { fwd: 'route', weight: 2 });
      st.connect(4, 3);
      return st.done();
    },
  },
  {
    name: 'ipv6',
    about: 'an IPv6 service: masquerading, DR and tunnel destinations, clients across /64s (the hashing schedulers fold IPv6 addresses), a destination of the other family refused',
    build: (s) => {
      const st = new Story(s, {}, 6).add(rs6(1)).add(rs6(2, 8080), { fwd: 'route' }).add(rs6(3), { fwd: 'tunnel', weight: 2 });
      const a = st.connect(4);
      st.connect(3, 1);
      st.connect(3, 0x1234, 0x100);
      st.fin(a[0]!, a[1]!, a[2]!);
      st.add(rs(9)); // IPv4 masquerading in an IPv6 service: EINVAL
      st.edit(rs6(1), { weight: 0 });
      st.connect(4, 2);
      return st.done();
    },
  },
  {
    name: 'ipv6-persistence',
    about: 'IPv6 persistence by prefix length (/64, then /48), templates per client network, and a prefix outside 1..128 refused',
    build: (s) => {
      const st = new Story(s, { persistent: 300, netmask: '64' }, 6).add(rs6(1)).add(rs6(2)).add(rs6(3));
      st.connect(2, 0);
      st.connect(2, 1);
      st.connect(2, 2);
      st.svcEdit({ scheduler: s, persistent: 300, netmask: '129' }); // EINVAL, nothing changes
      st.svcEdit({ scheduler: s, persistent: 300, netmask: '48' });
      st.edit(rs6(2), { weight: 0 });
      st.connect(2, 3);
      st.connect(2, 0, 10);
      return st.done();
    },
  },
  {
    name: 'seed-spillover',
    about: "the 2005 patch's setup: three servers of weight 5 with thresholds 50/20, a spillover of weight 1, persistent 150",
    only: ['hprio'],
    build: (s) => {
      const st = new Story(s, { persistent: 150 })
        .add('10.2.0.13:80', { weight: 1 })
        .add('10.2.0.23:80', { weight: 5, upper: 50, lower: 20 })
        .add('10.2.0.22:80', { weight: 5, upper: 50, lower: 20 })
        .add('10.2.0.21:80', { weight: 5, upper: 50, lower: 20 });
      // 160 clients from distinct addresses: the main pool (3 × 50) overloads, then the spillover takes over.
      for (let net = 0; net < 4; net++) st.connect(40, net);
      return st.done();
    },
  },
];

export const TEMPLATES: GoldenTemplate[] = [...BASIC, ...LIFECYCLE_TEMPLATES, ...SURFACE_TEMPLATES];

/** The lifecycle paths a template's case must reach with this scheduler. */
export function reachesOf(t: GoldenTemplate, scheduler: string, semantics: Semantics): LifecyclePath[] {
  return typeof t.reaches === 'function' ? t.reaches(scheduler, semantics) : (t.reaches ?? []);
}

/**
 * Schedulers whose picks are random (ip_vs_twos.c draws with get_random_u32): a recorded pick
 * would not replay, so they are left out of the corpus and checked by membership in the model's
 * allowed set in the differential run instead.
 */
export const RANDOM_SCHEDULERS: readonly string[] = ['twos'];

/** The (template, scheduler) pairs of the corpus for a kernel that has these schedulers. */
export function goldenCases(schedulers: readonly string[]): { template: GoldenTemplate; scheduler: string }[] {
  const out: { template: GoldenTemplate; scheduler: string }[] = [];
  for (const scheduler of [...schedulers].sort()) {
    if (RANDOM_SCHEDULERS.includes(scheduler)) continue;
    for (const template of TEMPLATES) {
      if (!template.only || template.only.includes(scheduler)) out.push({ template, scheduler });
    }
  }
  return out;
}
