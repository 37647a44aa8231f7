// Bench of the VM layer (npm run bench:vm). Prints:
// 1. cold boot to a ready agent (QEMU spawn → the agent's `ready` frame), target ≤ 3 s under TCG;
// 2. one case of 5 destinations and 30 connection events with its listings, target ≤ 150 ms in
//    one guest, split into the channel round trip (ping), namespace setup (an empty case),
//    traffic and listings (the agent's own `stats` of the case).
// Usage: npx tsx bench/vm.bench.ts [--kernel K] [--boots N] [--cases N] [--cmdline "w1 w2"] [--mem MiB]
import { parseArgs } from 'node:util';
import { AgentSession } from '../src/agent/session.js';
import type { Event, Scenario } from '../src/scenario.js';
import { Guest } from '../src/backends/qemu/guest.js';
import { buildImage } from '../src/backends/qemu/image.js';
import { chooseAccel } from '../src/backends/qemu/kvm.js';
import { which } from '../src/backends/qemu/tools.js';
import { readFileSync, statSync } from 'node:fs';

const { values: v } = parseArgs({
  options: {
    kernel: { type: 'string', default: '6.1' },
    boots: { type: 'string', default: '5' },
    cases: { type: 'string', default: '20' },
    cmdline: { type: 'string' },
    mem: { type: 'string' },
  },
});
process.env.IPVS_CONFORM_QUIET ??= '1';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const f = (n: number) => `${n.toFixed(n < 10 ? 2 : 0)} ms`;
const stat = (xs: number[]) => `median ${f(median(xs))}, min ${f(Math.min(...xs))}, max ${f(Math.max(...xs))} (n=${xs.length})`;

/** 5 destinations, 30 connection events: 20 connects, 6 FINs, 4 RSTs (wrr, thresholds on two). */
function benchCase(): Scenario {
  const svc = '10.0.0.1:80';
  const events: Event[] = [{ op: 'svc-add', svc, scheduler: 'wrr' }];
  for (let d = 1; d <= 5; d++) events.push({ op: 'dest-add', svc, dest: `10.2.0.${d}:80`, weight: d, upper: d <= 2 ? 3 : 0, lower: 0 });
  for (let c = 1; c <= 20; c++) {
    events.push({ op: 'connect', conn: `c${c}`, svc, client: `10.1.0.${c}`, cport: 30000 + c });
    if (c % 3 === 0) events.push({ op: c % 2 ? 'rst' : 'fin', conn: `c${c - 1}` });
  }
  for (let c = 7; c <= 15 && events.filter((e) => e.op === 'fin' || e.op === 'rst').length < 10; c += 2)
    events.push({ op: 'fin', conn: `c${c}` });
  return { version: 1, events };
}

const image = await buildImage({ kernel: v.kernel! });
const accel = await chooseAccel(which('qemu-system-x86_64')!, image.bzImagePath);
const boot = () =>
  Guest.boot({
    image,
    accel,
    connect: (s) => new AgentSession(s),
    bootTimeoutMs: 120_000,
    cmdline: v.cmdline?.split(' ').filter(Boolean),
    memMiB: v.mem ? Number(v.mem) : undefined,
  });

console.log(`kernel ${image.kernel} (${image.release}), ${accel}, initramfs ${(statSync(image.initrdPath).size / 1e6).toFixed(2)} MB (uncompressed), vmlinux ${(statSync(image.kernelPath).size / 1e6).toFixed(1)} MB (PVH boot)`);
console.log(`host load average at start: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);

/** CPU time QEMU has used (user + system), in ms: unlike wall time, it does not grow with the host's load. */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in USER_HZ (100)
}

// 1. Cold boots, one at a time.
const boots: number[] = [];
const cpus: number[] = [];
for (let i = 0; i < Number(v.boots); i++) {
  const g = await boot();
  boots.push(g.bootMs);
  cpus.push(cpuMs(g.pid!));
  await g.close();
}
console.log(`cold boot to ready agent: wall ${stat(boots)}   [target ≤ 3000 ms under TCG]`);
console.log(`                          QEMU CPU ${stat(cpus)}   (load-independent cost: QEMU's CPU time, all its threads)`);
console.log(`host load average after the boots: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);

// 2. Cases inside one guest.
const g = await boot();
try {
  const pings: number[] = [];
  for (let i = 0; i < 50; i++) pings.push(await g.session.ping());
  const empty: number[] = [];
  const emptyStats = [];
  for (let i = 0; i < Number(v.cases); i++) {
    const t = performance.now();
    await g.session.runCase({ version: 1, events: [] }, { timeoutMs: 30_000 });
    empty.push(performance.now() - t);
    emptyStats.push(await g.session.stats());
  }
  const sc = benchCase();
  const conns = sc.events.filter((e) => e.op === 'connect' || e.op === 'fin' || e.op === 'rst').length;
  const total: number[] = [];
  const stats = [];
  for (let i = 0; i < Number(v.cases); i++) {
    const t = performance.now();
    await g.session.runCase(sc, { timeoutMs: 30_000 });
    total.push(performance.now() - t);
    stats.push(await g.session.stats());
  }
  const m = (xs: number[]) => f(median(xs));
  console.log(`case: 5 destinations, ${conns} connection events, ${sc.events.length} events, a table after each, listings at the end`);
  console.log(`  total (host, request → reply):   ${stat(total)}   [target ≤ 150 ms]`);
  console.log(`  channel round trip (ping):       ${stat(pings)}`);
  console.log(`  empty case (host):               ${stat(empty)}`);
  console.log(`    of which namespace setup ${m(emptyStats.map((s) => s.setupMs))}, teardown ${m(emptyStats.map((s) => s.teardownMs))}, listings ${m(emptyStats.map((s) => s.listingsMs))}`);
  console.log(`  inside the agent, this case:     setup ${m(stats.map((s) => s.setupMs))}, events+tables ${m(stats.map((s) => s.scriptMs - s.listingsMs))}, listings ${m(stats.map((s) => s.listingsMs))}, teardown ${m(stats.map((s) => s.teardownMs))}`);
} finally {
  await g.close();
}
