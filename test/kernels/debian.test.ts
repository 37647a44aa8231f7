// Resolving debian:VERSION and debian:latest-STREAM through a package index. The index here is a
// fixed copy of what bookworm's offered on 2026-11-30 (apt-cache madison), so the test is exact;
// the real index is read by the slow tests and `ipvs-conform kernels`.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { assertSourceInIndex, DEBIAN_STREAMS, debianOffers, resolveDebian, type PackageIndex } from '../../src/kernels/debian.js';
import { compareDebVersions } from '../../src/kernels/debversion.js';

const ABI61: Record<string, string> = { '47': '6.1.170-3', '50': '6.1.176-1', '53': '6.1.187-1', '55': '6.1.192-1', '57': '6.1.192-3' };
const V612 = ['107', '113', '117'];
const pkgs = new Map<string, string[]>();
const add = (p: string, v: string) => pkgs.set(p, [...(pkgs.get(p) ?? []), v]);
for (const [abi, v] of Object.entries(ABI61)) {
  for (const p of [`linux-image-6.1.0-${abi}-cloud-amd64-unsigned`, `linux-headers-6.1.0-${abi}-cloud-amd64`, `linux-headers-6.1.0-${abi}-common`]) add(p, v);
}
add('linux-kbuild-6.1', '6.1.192-3');
add('linux-kbuild-6.1', '6.1.176-1');
for (const v of ['6.1.176-1', '6.1.192-3']) add('linux-source-6.1', v);
for (const n of V612) {
  const v = `6.12.${n}-1~deb12u1`;
  for (const p of [`linux-image-6.12.${n}+deb12-amd64-unsigned`, `linux-headers-6.12.${n}+deb12-amd64`, `linux-headers-6.12.${n}+deb12-common`, `linux-kbuild-6.12.${n}+deb12`]) add(p, v);
  if (n !== '107') add('linux-source-6.12', v);
}
// 6.12.113's headers are gone from this index: its image alone is not enough to build hprio.
pkgs.set('linux-headers-6.12.113+deb12-common', []);
// Every image has its signed twin; 6.12.101 and 6.1.0-49 are left only as that (no headers either).
for (const p of [...pkgs.keys()].filter((n) => n.startsWith('linux-image-'))) pkgs.set(p.replace(/-unsigned$/, ''), pkgs.get(p)!);
add('linux-image-6.12.101+deb12-amd64', '6.12.101-1~deb12u1');
add('linux-image-6.1.0-49-cloud-amd64', '6.1.174-1');

const index: PackageIndex = {
  searchNames: async (pattern) => [...pkgs.keys()].filter((p) => new RegExp(pattern).test(p)).sort(),
  versionsOf: async (names) => new Map(names.map((n) => [n, [...(pkgs.get(n) ?? [])].sort((a, b) => compareDebVersions(b, a))])),
};

describe('Debian kernels from the package index', () => {
  it('lists every offer of a stream, newest first, with a stand-in kbuild where the exact one is gone', async () => {
    const offers = await debianOffers(DEBIAN_STREAMS[0]!, index);
    expect(offers.map((o) => o.version)).toEqual(['6.1.192-3', '6.1.192-1', '6.1.187-1', '6.1.176-1', '6.1.174-1', '6.1.170-3']);
    expect(offers[2]).toMatchObject({
      release: '6.1.0-53-cloud-amd64',
      headers: ['linux-headers-6.1.0-53-cloud-amd64', 'linux-headers-6.1.0-53-common', 'linux-kbuild-6.1=6.1.192-3'],
      kbuildVersion: '6.1.192-3',
      headersComplete: true,
      source: false,
    });
    expect(offers[3]!.headers[2]).toBe('linux-kbuild-6.1');
    // The unsigned image where the index has it, else the signed one.
    expect(offers.map((o) => o.image.endsWith('-unsigned'))).toEqual([true, true, true, true, false, true]);
  });

  it('debian:latest-6.1 is the newest complete 6.1, named by its exact version', async () => {
    const r = await resolveDebian('debian:latest-6.1', index);
    expect(r.latest).toBe(true);
    expect(r.spec).toEqual({
      name: 'debian:6.1.192-3',
      release: '6.1.0-57-cloud-amd64',
      version: '6.1.192-3',
      image: 'linux-image-6.1.0-57-cloud-amd64-unsigned',
      headers: ['linux-headers-6.1.0-57-cloud-amd64', 'linux-headers-6.1.0-57-common', 'linux-kbuild-6.1'],
      source: 'linux-source-6.1=6.1.192-3',
    });
  });

  it('debian:latest-6.12 skips a version whose headers are gone; debian:VERSION takes that exact one', async () => {
    expect((await resolveDebian('debian:latest-6.12', index)).spec.name).toBe('debian:6.12.117-1~deb12u1');
    expect((await resolveDebian('debian:6.12.107-1~deb12u1', index)).spec.release).toBe('6.12.107+deb12-amd64');
    expect((await resolveDebian('debian:6.12.113-1~deb12u1', index)).spec.headers).toEqual([]);
  });

  it('a kernel left only as a signed image without headers resolves: its image, no headers (no hprio, no --patch)', async () => {
    const r = await resolveDebian('debian:6.12.101-1~deb12u1', index);
    expect(r.spec).toEqual({
      name: 'debian:6.12.101-1~deb12u1',
      release: '6.12.101+deb12-amd64',
      version: '6.12.101-1~deb12u1',
      image: 'linux-image-6.12.101+deb12-amd64',
      headers: [],
      source: 'linux-source-6.12=6.12.101-1~deb12u1',
    });
    expect((await resolveDebian('debian:6.1.174-1', index)).spec).toMatchObject({ image: 'linux-image-6.1.0-49-cloud-amd64', headers: [] });
  });

  it('a version or stream the index does not have is a usage error listing what it has', async () => {
    await expect(resolveDebian('debian:6.1.191-1', index)).rejects.toThrow(UsageError);
    await expect(resolveDebian('debian:6.1.191-1', index)).rejects.toThrow(/no 6\.1 kernel at version 6\.1\.191-1.*it offers 6\.1\.192-3, 6\.1\.192-1, 6\.1\.187-1, 6\.1\.176-1, 6\.1\.174-1, 6\.1\.170-3/);
    await expect(resolveDebian('debian:5.10.200-1', index)).rejects.toThrow(/known stream \(6\.1, 6\.12\).*ipvs-conform kernels/);
    await expect(resolveDebian('debian:latest-6.6', index)).rejects.toThrow(/known stream/);
  });

  it('--patch on a kernel whose source Debian no longer serves: a clear error naming what it has', async () => {
    await expect(assertSourceInIndex('linux-source-6.12=6.12.107-1~deb12u1', '6.12', index)).rejects.toThrow(
      "--patch needs kernel 6.12's exact source, linux-source-6.12=6.12.107-1~deb12u1, and Debian's package index no longer has it (it has 6.12.117-1~deb12u1, 6.12.113-1~deb12u1). Fix: patch a kernel whose source Debian still serves, e.g. --kernel debian:6.12.117-1~deb12u1",
    );
    await expect(assertSourceInIndex('linux-source-6.1=6.1.176-1', '6.1', index)).resolves.toBeUndefined();
  });
});
