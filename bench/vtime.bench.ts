// Virtual time (QEMU -icount) against none: what it costs a guest (npx tsx bench/vtime.bench.ts).
// For each setting: boot (wall, QEMU CPU), an ordinary case (5 dests, 30 connection events, host
// round trip), how much guest time one such case spans, QEMU CPU while the guest waits idle for
// the host, and a 300 s guest wait.
// Usage: npx tsx bench/vtime.bench.ts [--kernel K] [--cases N] [--settings "none auto 0 2 4"]
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { AgentSession } from '../src/agent/session.js';
import type { Event, Scenario } from '../src/scenario.js';
import { Guest } from '../src/backends/qemu/guest.js';
import { buildImage } from '../src/backends/qemu/image.js';
import type { Icount } from '../src/backends/qemu/qemu-args.js';

const { values: v } = parseArgs({
  options: {
    kernel: { type: 'string', default: '6.1' },
    cases: { type: 'string', default: '15' },
    settings: { type: 'string', default: 'none auto 0 2 4' },
  },
});
process.env.IPVS_CONFORM_QUIET ??= '1';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const cpuMs = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
};
const load = () => os.loadavg()[0]!.toFixed(1);

function benchCase(): Scenario {
  const svc = '10.0.0.1:80';
  const events: Event[] = [{ op: 'svc-add', svc, scheduler: 'wrr' }];
  for (let d = 1; d <= 5; d++) events.push({ op: 'dest-add', svc, dest: `10.2.0.${d}:80`, weight: d, upper: d <= 2 ? 3 : 0, lower: 0 });
  for (let c = 1; c <= 20; c++) {
    events.push({ op: 'connect', conn: `c${c}`, svc, client: `10.1.0.${c}`, cport: 30000 + c });
    if (c % 3 === 0) events.push({ op: c % 2 ? 'rst' : 'fin', conn: `c${c - 1}` });
  }
  return { version: 1, events };
}

const image = await buildImage({ kernel: v.kernel! });
console.log(`kernel ${image.kernel} (${image.release}), tcg, host load ${load()}`);
for (const s of v.settings!.split(' ')) {
  const icount: Icount | undefined = s === 'none' ? undefined : { shift: s === 'auto' ? 'auto' : Number(s), sleep: false };
  const g = await Guest.boot({ image, accel: 'tcg', connect: (x) => new AgentSession(x), bootTimeoutMs: 180_000, ...(icount ? { icount } : {}) });
  try {
    const bootCpu = cpuMs(g.pid!);
    const sc = benchCase();
    const wall: number[] = [];
    const span: number[] = [];
    const c0 = cpuMs(g.pid!);
    for (let i = 0; i < Number(v.cases); i++) {
      const t = performance.now();
      const r = await g.session.runCase(sc, { timeoutMs: 120_000 });
      wall.push(performance.now() - t);
      span.push(r.steps.at(-1)!.t! - r.steps[0]!.t!);
    }
    const caseCpu = (cpuMs(g.pid!) - c0) / Number(v.cases);
    const i0 = cpuMs(g.pid!);
    await sleep(3000);
    const idle = (cpuMs(g.pid!) - i0) / 3;
    const w0 = performance.now();
    const wr = await g.session.runCase({ version: 1, events: [{ op: 'wait', ms: 300_000 }] }, { timeoutMs: 400_000 });
    const waitWall = performance.now() - w0;
    console.log(
      `${s.padEnd(5)} boot ${(g.bootMs / 1000).toFixed(2)} s wall, ${(bootCpu / 1000).toFixed(2)} s CPU | case ${median(wall).toFixed(0)} ms wall, ${caseCpu.toFixed(0)} ms CPU, ` +
        `spans ${median(span).toFixed(1)} guest ms | idle ${(idle / 10).toFixed(0)}% CPU | wait 300 s: ${(waitWall / 1000).toFixed(2)} s wall (guest t ${wr.steps[0]!.t!.toFixed(0)}) | load ${load()}`,
    );
  } finally {
    await g.close();
  }
}
