// KVM is used only if it really runs our guest: /dev/kvm existing is not enough (on the
// project's machines a 16-bit boot sector runs under KVM, but the Linux kernel hangs during
// early boot with `-cpu host`). So the probe boots the guest's own kernel under KVM with no root
// file system: a working KVM reaches "Kernel panic - not syncing: VFS" in well under a second and
// QEMU exits (panic=-1, -no-reboot). Anything else within the timeout means TCG. The verdict is
// kept in the cache per host kernel, QEMU binary and guest kernel, so the timeout is paid once.
// IPVS_CONFORM_ACCEL=kvm|tcg overrides the probe.
import { accessSync, constants, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { UsageError } from '../../errors.js';
import { cacheKey, hashFile } from './hash.js';
import { log, ms } from './log.js';
import { cacheDir } from '../../host/cache.js';
import type { Accel } from './qemu-args.js';

const decided = new Map<string, Promise<Accel>>();

export function chooseAccel(qemu: string, kernel: string, timeoutMs = 5000): Promise<Accel> {
  const forced = process.env.IPVS_CONFORM_ACCEL;
  if (forced) {
    if (forced !== 'kvm' && forced !== 'tcg')
      return Promise.reject(new UsageError('IPVS_CONFORM_BAD_ACCEL', `IPVS_CONFORM_ACCEL=${forced}: expected kvm or tcg`));
    return Promise.resolve(forced);
  }
  let d = decided.get(kernel);
  if (!d) {
    d = decide(qemu, kernel, timeoutMs);
    decided.set(kernel, d);
  }
  return d;
}

async function decide(qemu: string, kernel: string, timeoutMs: number): Promise<Accel> {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    log('KVM: /dev/kvm not usable, using TCG');
    return 'tcg';
  }
  const key = cacheKey({ host: os.release(), qemu, qemuMtime: String(statSync(qemu).mtimeMs), kernel: await hashFile(kernel) });
  const file = cacheDir('accel', `${key}.json`);
  try {
    const saved = JSON.parse(await fs.readFile(file, 'utf8')) as { accel: Accel };
    if (saved.accel === 'kvm' || saved.accel === 'tcg') return saved.accel;
  } catch {
    // not probed yet
  }
  const start = performance.now();
  const works = await probeKvm(qemu, kernel, timeoutMs);
  const accel: Accel = works ? 'kvm' : 'tcg';
  log(`KVM probe: ${works ? 'boots the kernel, using KVM' : 'does not boot the kernel, using TCG'} (${ms(performance.now() - start)})`);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, JSON.stringify({ accel, probedAt: new Date().toISOString() }) + '\n');
  return accel;
}

export async function probeKvm(qemu: string, kernel: string, timeoutMs: number): Promise<boolean> {
  const r = await execa(
    qemu,
    [
      '-nodefaults', '-no-user-config', '-no-reboot', '-display', 'none', '-monitor', 'none',
      '-accel', 'kvm', '-cpu', 'host', '-m', '128', '-nic', 'none',
      '-kernel', kernel,
      '-append', 'console=ttyS0 loglevel=1 panic=-1 root=/dev/nonexistent',
      '-serial', 'stdio',
    ],
    { reject: false, timeout: timeoutMs, killSignal: 'SIGKILL', stdin: 'ignore' },
  );
  return !r.timedOut && String(r.stdout).includes('Kernel panic');
}
