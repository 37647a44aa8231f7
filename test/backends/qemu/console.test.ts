import { describe, expect, it } from 'vitest';
import { ConsoleLog, scanConsole } from '../../../src/backends/qemu/console.js';

const bootLog = `[    0.000000] Linux version 6.1.0-50-cloud-amd64
[    2.084561] Run /init as init process
[    2.566163] IPVS: ipvs loaded.
[    2.722378] IPVS: [hprio] scheduler registered.
`;

describe('scanConsole', () => {
  it('finds nothing in a clean boot', () => {
    expect(scanConsole(bootLog)).toBeUndefined();
  });

  it.each([
    ['[   12.1] BUG: kernel NULL pointer dereference, address: 0000000000000008'],
    ['[   12.1] Oops: 0000 [#1] PREEMPT SMP NOPTI'],
    ['[   12.1] WARNING: CPU: 0 PID: 71 at net/netfilter/ipvs/ip_vs_ctl.c:123 ip_vs_foo+0x1/0x2 [ip_vs]'],
    ['[   12.1] Kernel panic - not syncing: Fatal exception in interrupt'],
    ['[   12.1] general protection fault, probably for non-canonical address 0xdead: 0000 [#1]'],
    ['[   12.1] Call Trace:'],
  ])('reports kernel trouble: %s', (line) => {
    expect(scanConsole(bootLog + line + '\n')).toEqual({ kind: 'kernel', line: line.trim() });
  });

  it('reports the first trouble line', () => {
    const f = scanConsole(`${bootLog}[ 3.0] BUG: unable to handle page fault\n[ 3.1] Call Trace:\n`);
    expect(f?.line).toContain('BUG: unable to handle page fault');
  });

  it('tells a dead agent (init exited) from a kernel bug', () => {
    const text = `${bootLog}[ 5.0] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\n`;
    expect(scanConsole(text)?.kind).toBe('agent-died');
  });

  it.each([
    ['[ 2.0] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)'],
    ['[ 2.0] Kernel panic - not syncing: No working init found.  Try passing init= option to kernel.'],
  ])('tells a guest with no userspace to run from a kernel bug: %s', (line) => {
    expect(scanConsole(`${bootLog}${line}\n[ 2.1] Call Trace:\n`)).toEqual({ kind: 'no-userspace', line });
  });
});

describe('ConsoleLog', () => {
  it('keeps text and returns what came after a mark', () => {
    const c = new ConsoleLog();
    c.append('boot\n');
    const m = c.mark();
    c.append('case output\n');
    expect(c.since(m)).toBe('case output\n');
    expect(c.text()).toBe('boot\ncase output\n');
  });

  it('keeps the head and the tail when the console grows past its limit', () => {
    const c = new ConsoleLog(100);
    c.append('H'.repeat(50));
    for (let i = 0; i < 20; i++) c.append('x'.repeat(10));
    c.append('TAILEND');
    const text = c.text();
    expect(text.startsWith('H'.repeat(50))).toBe(true);
    expect(text.endsWith('TAILEND')).toBe(true);
    expect(text).toContain('characters of console output left out');
    const m = c.mark();
    c.append('BUG: after');
    expect(c.since(m)).toBe('BUG: after');
  });

  it('notifies listeners of new text', () => {
    const c = new ConsoleLog();
    const seen: string[] = [];
    c.onData((t) => seen.push(t));
    c.append('a');
    c.append('b');
    expect(seen.join('')).toBe('ab');
  });
});
