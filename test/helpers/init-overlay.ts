// A guest with a different /init, for tests that need the real kernel to do something on cue
// (crash, print a WARNING): a one-file cpio archive to append to the image's initramfs
// (appendInitramfs below; later files win).
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { packInitramfs } from '../../src/backends/qemu/initramfs.js';

/**
 * Writes `initrd` with `overlay` (another cpio archive) appended to `out`: the kernel unpacks
 * concatenated archives in order and later files win, so the overlay replaces or adds files
 * (a different /init, extra binaries) without rebuilding the image.
 */
export async function appendInitramfs(initrd: string, overlay: string, out: string): Promise<void> {
  await fs.copyFile(initrd, out);
  await pipeline(createReadStream(overlay), createWriteStream(out, { flags: 'a' }));
}

/** Writes `script` as /init into a cpio archive in `dir` (its own subfolder named `name`) and returns the archive's path. */
export async function initOverlay(dir: string, name: string, script: string): Promise<string> {
  const root = path.join(dir, name);
  await fs.mkdir(root, { recursive: true });
  await fs.writeFile(path.join(root, 'init'), script, { mode: 0o755 });
  const cpio = path.join(dir, `${name}.cpio`);
  await packInitramfs(root, cpio);
  return cpio;
}

/** The image's initramfs with `overlay` appended, written next to the overlay. */
export async function withOverlay(initrd: string, overlay: string): Promise<string> {
  const out = overlay.replace(/\.cpio$/, '') + '-initrd.img';
  await appendInitramfs(initrd, overlay, out);
  return out;
}

/** The first lines of an /init that starts the agent as a child, with what it needs mounted. */
export const AGENT_INIT = `#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
/sbin/ipvsc-agent &
`;
