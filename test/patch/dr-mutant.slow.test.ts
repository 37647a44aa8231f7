// The harness must bite in the path of DR and tunnel forwarding: a one-word bug planted in
// ip_vs_proto_tcp.c (vm/examples/patches/dr-input-only-table.patch: the INPUT rows instead of
// INPUT-ONLY for connections whose replies bypass the director) is caught by a short run of the
// standard mix on the real 6.1 kernel and shrunk to a small case with a DR or tunnel destination,
// while the same run on the unpatched kernel passes. Boots real guests (QEMU, TCG where KVM fails).
import { describe, expect, it } from 'vitest';
import { cli, examplePatch, savedCases, useReports } from '../helpers/mutant-run.js';

const PATCH = examplePatch('dr-input-only-table.patch');
// The standard mix (every scheduler), seed 24: cases 1 and 4 have a DR or tunnel destination
// whose connection the client closes (a model with the mutant's table differs there, and the
// engine with that model as its kernel saves both as four events: a service, one DR or tunnel
// destination, a connection and its FIN).
const RUN = ['run', '--kernel', '6.1', '--cases', '5', '--seed', '24', '--jobs', '2'];

const reports = useReports('patch-dr-mutant-');

describe('the INPUT-ONLY mutant on kernel 6.1', () => {
  it(
    'is caught: exit 1, a small saved case with a DR or tunnel destination, the -c listing differs',
    async () => {
      const dir = reports.dir('mutant');
      const r = await cli(...RUN, '--patch', PATCH, '--report', dir);
      expect(r.exitCode, r.all).toBe(1);
      const cases = (await savedCases(dir)).map((x) => x.c);
      const smallest = cases.sort((a, b) => a.scenario.events.length - b.scenario.events.length)[0]!;
      expect(smallest.scenario.events.length).toBeLessThanOrEqual(6);
      expect(smallest.scenario.events.some((e) => e.op === 'dest-add' && (e.fwd === 'route' || e.fwd === 'tunnel'))).toBe(true);
      expect(smallest.verdict?.what).toBe('conns');
      expect(smallest.verdict?.got).toMatch(/CLOSE_WAIT/);
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
