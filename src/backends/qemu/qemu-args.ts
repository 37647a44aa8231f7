// QEMU's command line for one guest, as a pure function of its configuration (unit tested
// without QEMU). Everything the guest gets is named here: no network, one virtio-serial port for
// the agent, the serial console on stdout, and a kernel command line that powers the guest off
// on a panic instead of rebooting it.
import { UsageError } from '../../errors.js';

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
  /** Firmware QEMU runs before the kernel: a file name in QEMU's data directory, or a path. */
  bios?: string;
  /**
   * Virtual time (TCG only): the guest clock counts executed instructions, 2^shift ns each
   * ('auto': QEMU keeps it near real time), and with `sleep: false` it jumps to the next timer
   * whenever the guest idles, so a guest `sleep 600` costs far less than 600 s.
   */
  icount?: Icount;
}

export interface Icount {
  shift: number | 'auto';
  sleep: boolean;
}

/** `-icount` shift range QEMU accepts (icount_configure: 0..10). */
export const ICOUNT_SHIFT_MAX = 10;

export const QEMU_LIMITS = { memMiB: [128, 4096], cpus: [1, 8] } as const;
/**
 * qboot (QEMU's minimal firmware, /usr/share/qemu/qboot.rom from qemu-system-data, the package
 * that also ships SeaBIOS) hands over to the PVH kernel after ~0.1 s of QEMU CPU instead of
 * SeaBIOS's ~0.35 s under TCG (bench/vm.bench.ts); it still passes QEMU's ACPI tables on, which
 * both kernels need (6.1 has no MP-table support: without ACPI its MSI-X setup WARNs).
 */
export const QEMU_DEFAULTS = { memMiB: 256, cpus: 1, bios: 'qboot.rom' } as const;

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
  // Crypto self-tests run at boot and at each module load (crypto/testmgr.c alg_test): ~0.45 s
  // of TCG CPU on 6.12. The guest tests IPVS, which uses no crypto.
  'cryptomgr.notests',
  // Initcalls the guest does not need, ~0.35 s on 6.12 (initcall_debug): the KDF self-test
  // (crypto_kdf108_init, crypto/kdf_sp800108.c, its only work), the jitter RNG health test
  // (jent_mod_init: nothing here asks for jitterentropy_rng; DRBG goes on without it), the
  // encrypted-keys key type (init_encrypted), rewriting enum names in built-in trace event
  // formats (trace_eval_init, kernel/trace/trace.c: only tracefs output; the guest does not
  // trace), and parsing Debian's signing certificates
  // (load_system_certificate_list): without them a module's signature cannot be checked, so the
  // kernel loads it tainted "E" (as it already does hprio and patched modules) and says so at
  // KERN_NOTICE, below loglevel=5. Names the kernel does not have are ignored.
  'initcall_blacklist=crypto_kdf108_init,jent_mod_init,init_encrypted,trace_eval_init,load_system_certificate_list',
  // Pressure stall accounting averages every 2 s: on virtual time each periodic wake-up of an
  // idle guest costs host CPU during a case's waits (the agent quiets others at start, main.c).
  'psi=0',
];

function checkRange(what: string, value: number, [lo, hi]: readonly [number, number]): void {
  if (!Number.isInteger(value) || value < lo || value > hi)
    throw new UsageError('IPVS_CONFORM_BAD_QEMU_CONFIG', `bad qemu ${what}: ${value}, want [${lo}-${hi}]`);
}

export function buildQemuArgs(config: QemuConfig): string[] {
  const mem = config.memMiB ?? QEMU_DEFAULTS.memMiB;
  const cpus = config.cpus ?? QEMU_DEFAULTS.cpus;
  const bios = config.bios ?? QEMU_DEFAULTS.bios;
  checkRange('mem', mem, QEMU_LIMITS.memMiB);
  checkRange('cpus', cpus, QEMU_LIMITS.cpus);
  for (const [what, v] of [
    ['kernel', config.kernel],
    ['initrd', config.initrd],
    ['agentSocket', config.agentSocket],
    ['bios', bios],
  ] as const) {
    if (typeof v !== 'string' || v === '')
      throw new UsageError('IPVS_CONFORM_BAD_QEMU_CONFIG', `bad qemu ${what}: ${JSON.stringify(v)}, want a file path`);
    if (v.includes(','))
      throw new UsageError('IPVS_CONFORM_BAD_QEMU_CONFIG', `bad qemu ${what}: ${v}, want a path without "," (QEMU option syntax)`);
  }
  if (config.accel !== 'kvm' && config.accel !== 'tcg')
    throw new UsageError('IPVS_CONFORM_BAD_QEMU_CONFIG', `bad qemu accel: ${String(config.accel)}, want kvm or tcg`);
  const icount = config.icount ? icountArgs(config.icount, config.accel) : [];
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
    ...icount,
    '-bios', bios,
    ...(config.accel === 'kvm' ? ['-cpu', 'host'] : []),
    '-m', String(mem),
    '-smp', String(cpus),
    '-kernel', config.kernel,
    '-initrd', config.initrd,
    '-append', cmdline.join(' '),
    '-serial', 'stdio',
    '-nic', 'none',
    // Two ports (0 is reserved for a console, the agent's gets 1) instead of 31: the guest's
    // virtio_console sets up 2 queues per port at probe, ~0.1 s fewer under TCG.
    '-device', 'virtio-serial-pci,id=vser0,max_ports=2',
    '-chardev', `socket,id=agent,path=${config.agentSocket}`,
    '-device', `virtserialport,bus=vser0.0,chardev=agent,name=${AGENT_PORT}`,
  ];
  if (config.pidFile) args.push('-pidfile', config.pidFile);
  return args;
}

function icountArgs(ic: Icount, accel: Accel): string[] {
  if (accel !== 'tcg')
    throw new UsageError('IPVS_CONFORM_BAD_QEMU_CONFIG', `bad qemu icount: virtual time needs TCG, got accel ${accel}`);
  if (ic.shift !== 'auto' && !(Number.isInteger(ic.shift) && ic.shift >= 0 && ic.shift <= ICOUNT_SHIFT_MAX))
    throw new UsageError('IPVS_CONFORM_BAD_QEMU_CONFIG', `bad qemu icount shift: ${String(ic.shift)}, want auto or [0-${ICOUNT_SHIFT_MAX}]`);
  return ['-icount', `shift=${ic.shift},sleep=${ic.sleep ? 'on' : 'off'}`];
}
