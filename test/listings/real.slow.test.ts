// The model's listings and tables against a live kernel (the default pinned one, booted under
// TCG where KVM does not work: never skipped), on cases that touch every listing feature the
// model renders: persistence with a mask, thresholds, OVERLOAD, trash, closing states, errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQemuBackend, type QemuBackend } from '../../src/backends/qemu/index.js';
import { parseConns } from '../../src/listings/parse.js';
import { judgeFollowing } from '../../src/judge/follow.js';
import type { Semantics } from '../../src/model/types.js';
import type { Event, Scenario } from '../../src/scenario.js';
import { loadKernels } from '../../src/backends/qemu/kernels.js';
import { kernelByName } from '../../src/run/kernels.js';

const SVC = '10.0.0.1:80';
const add = (n: number, weight = 1, upper = 0, lower = 0): Event => ({ op: 'dest-add', svc: SVC, dest: `10.2.0.${n}:80`, weight, upper, lower });
const conn = (name: string, net: number, host: number): Event => ({ op: 'connect', conn: name, svc: SVC, client: `10.1.${net}.${host}`, cport: 40000 + net * 256 + host });

const CASES: Record<string, Event[]> = {
  persistence: [
    { op: 'svc-add', svc: SVC, scheduler: 'wlc', persistent: 300, netmask: '255.255.255.0' },
    add(1), add(2, 3, 4, 2), add(3, 0),
    conn('a', 0, 1), conn('b', 0, 2), conn('c', 1, 1), conn('d', 2, 1), conn('e', 3, 1),
    { op: 'fin', conn: 'a' }, { op: 'rst', conn: 'c' },
    { op: 'dest-edit', svc: SVC, dest: '10.2.0.1:80', weight: 0, upper: 0, lower: 0 },
    conn('f', 0, 3),
  ],
  overload: [
    { op: 'svc-add', svc: SVC, scheduler: 'rr' },
    add(1, 1, 2, 1), add(2, 1, 2, 1), add(3),
    conn('a', 0, 1), conn('b', 0, 2), conn('c', 0, 3), conn('d', 0, 4), conn('e', 0, 5), conn('f', 0, 6),
    { op: 'rst', conn: 'a' }, { op: 'dest-del', svc: SVC, dest: '10.2.0.2:80' }, add(2, 1, 2, 1),
    { op: 'dest-add', svc: SVC, dest: '10.2.0.4:80', weight: 1, upper: 1, lower: 2 },
    conn('g', 1, 1),
  ],
};

let backend: QemuBackend;
let semantics: Semantics;

beforeAll(async () => {
  const kernels = loadKernels();
  semantics = kernelByName(kernels.default).semantics;
  backend = createQemuBackend({ kernel: kernels.default, jobs: 1 });
  await backend.start();
}, 600_000);

afterAll(async () => {
  await backend?.close();
});

describe('listings against a live kernel', () => {
  for (const [name, events] of Object.entries(CASES)) {
    it(name, async () => {
      const sc: Scenario = { version: 1, events };
      const kernel = await backend.run(sc);
      const { model } = judgeFollowing(sc, kernel, semantics);
      expect(model.steps.every((s) => s.indeterminate === undefined)).toBe(true);
      const sorted = (t: typeof kernel.steps[number]['table']) =>
        (t ?? []).map((s) => ({ ...s, dests: [...s.dests].sort((a, b) => a.dest.localeCompare(b.dest)) })).sort((a, b) => a.svc.localeCompare(b.svc));
      kernel.steps.forEach((k, i) => {
        const m = model.steps[i]!;
        expect({ i, error: m.error?.name, dest: m.dest, table: sorted(m.table) }).toEqual({ i, error: k.error?.name, dest: k.dest, table: sorted(k.table) });
      });
      expect(model.listings!.list).toBe(kernel.listings!.list);
      expect(model.listings!.thresholds).toBe(kernel.listings!.thresholds);
      expect(model.listings!.persistent).toBe(kernel.listings!.persistent);
      const rows = (text: string) => parseConns(text).map((r) => `${r.state} ${r.source} ${r.virtual} ${r.dest}`).sort();
      expect(rows(model.listings!.conns)).toEqual(rows(kernel.listings!.conns));
    }, 300_000);
  }
});
