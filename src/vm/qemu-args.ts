// QEMU's command line for one guest, as a pure function of its configuration (unit tested
// without QEMU). Everything the guest gets is named here: no network, one virtio-serial port for
// the agent, the serial console on stdout, and a kernel command line that powers the guest off
// on a panic instead of rebooting it.
import { UsageError } from '../errors.js';

export type Accel = 'kvm' | 'tcg';

export interface QemuConfig {
  kernel: string;
  initrd: string;
  /** Unix socket the host listens on; QEMU connects to it as the agent's channel. */
  agentSocket: string;
  accel: Accel;
  /** Guest memory in MiB. */
  memMiB?: number;
  cpus?: number;
  /** QEMU writes its pid here (for the sweep of guests a killed harness left behind). */
  pidFile?: string;
  /** Extra kernel command-line words, appended after the defaults. */
  cmdline?: string[];
}

export const QEMU_LIMITS = { memMiB: [128, 4096], cpus: [1, 8] } as const;
export const QEMU_DEFAULTS = { memMiB: 256, cpus: 1 } as const;

/** The virtio-serial port name the agent looks for (vm/agent/PROTOCOL.md). */
export const AGENT_PORT = 'org.ipvsconform.agent';

/**
 * The kernel command line, one word per entry. loglevel=5 keeps the serial console (slow under
 * TCG) short but still prints warnings: `quiet` would hide WARNING (pr_warn, kernel/panic.c
 * __warn), the Oops header and Call Trace (KERN_DEFAULT, arch/x86/kernel/dumpstack.c) from the
 * console watcher. panic=-1 reboots at once on a panic and -no-reboot turns that into QEMU
 * exiting; oops=panic makes an oops end the guest too (the console keeps the report).
 */
export const KERNEL_CMDLINE: readonly string[] = [
  'console=ttyS0',
  'loglevel=5',
  'panic=-1',
  'oops=panic',
  'rdinit=/init',
  // Skip work the guest does not need at boot (measured in bench/vm.bench.ts).
  'mitigations=off',
  'i8042.noaux',
  'i8042.nokbd',
  'i8042.nopnp',
  '8250.nr_uarts=1',
  'tsc=reliable',
  'no_timer_check',
];

function checkRange(what: string, value: number, [lo, hi]: readonly [number, number]): void {
  if (!Number.isInteger(value) || value < lo || value > hi)
    throw new UsageError('IPVS_CONFORM_BAD_QEMU_CONFIG', `bad qemu ${what}: ${value}, want [${lo}-${hi}]`);
}

export function buildQemuArgs(config: QemuConfig): string[] {
  const mem = config.memMiB ?? QEMU_DEFAULTS.memMiB;
  const cpus = config.cpus ?? QEMU_DEFAULTS.cpus;
  checkRange('mem', mem, QEMU_LIMITS.memMiB);
  checkRange('cpus', cpus, QEMU_LIMITS.cpus);
  for (const [what, v] of [
    ['kernel', config.kernel],
    ['initrd', config.initrd],
    ['agentSocket', config.agentSocket],
  ] as const) {
    if (typeof v !== 'string' || v === '')
      throw new UsageError('IPVS_CONFORM_BAD_QEMU_CONFIG', `bad qemu ${what}: ${JSON.stringify(v)}, want a file path`);
    if (v.includes(','))
      throw new UsageError('IPVS_CONFORM_BAD_QEMU_CONFIG', `bad qemu ${what}: ${v}, want a path without "," (QEMU option syntax)`);
  }
  if (config.accel !== 'kvm' && config.accel !== 'tcg')
    throw new UsageError('IPVS_CONFORM_BAD_QEMU_CONFIG', `bad qemu accel: ${String(config.accel)}, want kvm or tcg`);
  const cmdline = [...KERNEL_CMDLINE, ...(config.cmdline ?? [])];
  for (const word of cmdline)
    if (word === '' || /\s/.test(word))
      throw new UsageError('IPVS_CONFORM_BAD_QEMU_CONFIG', `bad kernel command-line word: ${JSON.stringify(word)}, want one word without spaces`);

  const args = [
    '-nodefaults',
    '-no-user-config',
    '-no-reboot',
    '-display', 'none',
    '-monitor', 'none',
    '-accel', config.accel,
    ...(config.accel === 'kvm' ? ['-cpu', 'host'] : []),
    '-m', String(mem),
    '-smp', String(cpus),
    '-kernel', config.kernel,
    '-initrd', config.initrd,
    '-append', cmdline.join(' '),
    '-serial', 'stdio',
    '-nic', 'none',
    '-device', 'virtio-serial-pci,id=vser0',
    '-chardev', `socket,id=agent,path=${config.agentSocket}`,
    '-device', `virtserialport,bus=vser0.0,chardev=agent,name=${AGENT_PORT}`,
  ];
  if (config.pidFile) args.push('-pidfile', config.pidFile);
  return args;
}
