// The harness must bite in the IPv6 path of a hashing scheduler: a one-line bug planted in
// ip_vs_sh.c (vm/examples/patches/sh-ipv6-fold.patch: the IPv6 address folded from three of its
// four words, so the hosts of one /64 hash alike) is caught by a short sh run on the real 6.1
// kernel and shrunk to a small IPv6 case, while the same run on the unpatched kernel passes.
// Boots real guests (QEMU, TCG where KVM fails).
import { describe, expect, it } from 'vitest';
import { parseServiceKey } from '../../src/service-key.js';
import { cli, examplePatch, savedCases, useReports } from '../helpers/mutant-run.js';

const PATCH = examplePatch('sh-ipv6-fold.patch');
// Seed 1 with sh only: a model with the mutant's fold differs in cases 4, 5 and 6 of 8 (the
// engine with that model as its kernel saves case 4 as four events: an IPv6 sh service, two
// destinations of weight 1, one connection).
const RUN = ['run', '--kernel', '6.1', '--scheduler', 'sh', '--cases', '8', '--seed', '1', '--jobs', '2'];

const reports = useReports('patch-ipv6-mutant-');

describe('the IPv6 sh fold mutant on kernel 6.1', () => {
  it(
    'is caught: exit 1, a small IPv6 case whose connection goes elsewhere',
    async () => {
      const dir = reports.dir('mutant');
      const r = await cli(...RUN, '--patch', PATCH, '--report', dir);
      expect(r.exitCode, r.all).toBe(1);
      const cases = (await savedCases(dir)).map((x) => x.c);
      // a connection sent elsewhere: other saved cases may differ in an error instead (a UDP
      // datagram sent to another port's server is refused)
      const elsewhere = cases.filter((c) => c.verdict?.what === 'dest');
      const smallest = elsewhere.sort((a, b) => a.scenario.events.length - b.scenario.events.length)[0];
      expect(smallest, r.all).toBeDefined();
      expect(smallest!.scenario.events.length).toBeLessThanOrEqual(6);
      // every service and target IPv6 (udp/[...] and fwm6/N are too)
      const keys = smallest!.scenario.events.flatMap((e) => ('svc' in e ? [e.svc] : []));
      expect(keys.every((k) => parseServiceKey(k).af === 6), keys.join(' ')).toBe(true);
    },
    900_000,
  );

  it(
    'and the same run on the unpatched kernel passes (exit 0)',
    async () => {
      const r = await cli(...RUN, '--report', reports.dir('stock'));
      expect(r.exitCode, r.all).toBe(0);
    },
    600_000,
  );
});
