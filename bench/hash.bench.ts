// Speed of the HASH schedulers' models: the mh (Maglev, 4093 slots) table build and a whole
// 5-dest / 50-event case through each of dh, sh, mh, lblc, lblcr and twos, run directly on the
// scheduler models (no runModel). Run: npx tsx bench/hash.bench.ts
// Target: a 5-dest / 50-event case in <= 50 µs, mh table build included.
import { performance } from 'node:perf_hooks';
import { dh } from '../src/model/schedulers/dh.js';
import { lblc } from '../src/model/schedulers/lblc.js';
import { lblcr } from '../src/model/schedulers/lblcr.js';
import { mh } from '../src/model/schedulers/mh.js';
import { sh } from '../src/model/schedulers/sh.js';
import { twos } from '../src/model/schedulers/twos.js';
import type { DestState, SchedulerModel, ServiceState } from '../src/model/types.js';
import { standaloneContext, type StandaloneContext } from '../src/model/context.js';

function dest(addrNum: number, weight: number): DestState {
  const addr = [addrNum >>> 24, (addrNum >>> 16) & 255, (addrNum >>> 8) & 255, addrNum & 255].join('.');
  return { addr, addrNum, port: 80, weight, lastWeight: weight, uThreshold: 0, lThreshold: 0, activeConns: 0, inactConns: 0, persistConns: 0, overload: false, available: true };
}

/**
 * One case: service add, 5 dest adds, then 45 events: connects (schedule + count), and every
 * 15th event a weight edit (an mh rebuild). `base` varies the addresses so mh's memo misses.
 */
function runCase(model: SchedulerModel, base: number, c: StandaloneContext): void {
  const svc: ServiceState = { addrNum: 0x0a000001, addr: '10.0.0.1', port: 80, scheduler: model.name, flags: 0x08, persistent: 0, netmask: 0xffffffff, destinations: [], schedData: undefined };
  model.initService?.(svc, c);
  for (let i = 0; i < 5; i++) {
    const d = dest((0x0a020000 + base * 8 + i) >>> 0, 1 + (i % 3));
    svc.destinations.unshift(d);
    model.addDest?.(svc, d, c);
  }
  for (let e = 0; e < 45; e++) {
    if (e % 15 === 14) {
      const d = svc.destinations[e % 5]!;
      d.weight = d.lastWeight = 1 + ((d.weight + 1) % 4);
      model.updDest?.(svc, d, c);
      continue;
    }
    const dec = model.schedule(svc, { saddr: (0x0a010000 + e * 7) >>> 0, sport: 40000 + e, daddr: 0x0a000001, dport: 80 }, c);
    const d = dec.kind === 'one' ? dec.dest : dec.dests[0] ?? null;
    if (dec.kind === 'any') dec.commit?.(d);
    if (d) d.activeConns++;
    c.at(c.now.lo + 2);
  }
}

function bench(label: string, n: number, fn: (i: number) => void): void {
  for (let i = 0; i < Math.min(n, 200); i++) fn(i + 1_000_000); // warm up the JIT
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) fn(i);
  const cpu = process.cpuUsage(c0);
  const wall = ((performance.now() - t0) * 1000) / n;
  // CPU time is the steadier figure on a shared machine; wall time is what a run waits.
  console.log(`${label.padEnd(46)} ${wall.toFixed(1).padStart(8)} µs wall ${((cpu.user + cpu.system) / n).toFixed(1).padStart(8)} µs cpu`);
}

console.log(`node ${process.version}, per iteration:`);
for (const model of [dh, sh, mh, lblc, lblcr, twos]) {
  bench(`${model.name}: 5-dest/50-event case (cold)`, 2000, (i) => runCase(model, i, standaloneContext('6.12')));
}
bench('mh: 5-dest/50-event case (memoised tables)', 5000, (i) => runCase(mh, i % 4, standaloneContext('6.12')));
bench('mh: one cold 5-dest table build + 1 schedule', 2000, (i) => {
  const svc: ServiceState = { addrNum: 0x0a000001, addr: '10.0.0.1', port: 80, scheduler: 'mh', flags: 0, persistent: 0, netmask: 0xffffffff, destinations: [], schedData: undefined };
  for (let k = 0; k < 5; k++) svc.destinations.push(dest((0x0a020000 + i * 8 + k) >>> 0, 1 + k));
  mh.initService?.(svc, standaloneContext('6.12'));
  mh.schedule(svc, { saddr: 0x0a010001, sport: 1, daddr: 0x0a000001, dport: 80 }, standaloneContext('6.12'));
});
