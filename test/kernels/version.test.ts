import { describe, expect, it } from 'vitest';
import { parseDebianVersion, parseMakefileVersion, parseProcVersion, parseRelease, treeVersion } from '../../src/kernels/version.js';

const v = (x: { major: number; minor: number; patch: number } | undefined) => x && `${x.major}.${x.minor}.${x.patch}`;

describe('exact kernel versions, read where they are reliable', () => {
  it('Debian package versions', () => {
    expect(v(parseDebianVersion('6.1.192-3'))).toBe('6.1.192');
    expect(v(parseDebianVersion('6.12.113-1~deb12u1'))).toBe('6.12.113');
    expect(parseDebianVersion('6.1.192-3')!.from).toBe('Debian package version 6.1.192-3');
    expect(parseDebianVersion('latest')).toBeUndefined();
  });
  it("/proc/version: Debian's package version wins over the ABI release", () => {
    const p = parseProcVersion('Linux version 6.1.0-57-cloud-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-20)\n');
    expect(v(p)).toBe('6.1.192');
    expect(p!.from).toBe(`/proc/version's "Debian 6.1.192-3"`);
    expect(v(parseProcVersion('Linux version 6.15.2 (root@host) (gcc 14) #1 SMP'))).toBe('6.15.2');
    expect(parseProcVersion('Linux version 6.8.0-45-generic (buildd@lcy02) #45-Ubuntu SMP')).toBeUndefined();
  });
  it('releases: an ABI number after x.y.z hides the point release', () => {
    expect(v(parseRelease('6.12.107+deb12-amd64'))).toBe('6.12.107');
    expect(v(parseRelease('6.13.0-rc3'))).toBe('6.13.0');
    expect(v(parseRelease('6.12.117-ipvsc'))).toBe('6.12.117');
    for (const r of ['6.1.0-57-cloud-amd64', '6.8.0-45-generic', '5.14.0-427.el9.x86_64', 'weird']) expect(parseRelease(r)).toBeUndefined();
  });
  it("a tree's Makefile, checked against include/config/kernel.release", () => {
    const mk = 'VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 117\nEXTRAVERSION =\nNAME = Baby Opossum Posse\n';
    expect(v(parseMakefileVersion(mk))).toBe('6.12.117');
    expect(v(treeVersion('/t', mk, '6.12.117-ipvsc\n'))).toBe('6.12.117');
    expect(v(treeVersion('/t', mk, undefined))).toBe('6.12.117');
    expect(() => treeVersion('/t', mk, '6.12.115\n')).toThrow(/ambiguous: its Makefile says 6\.12\.117 but include\/config\/kernel\.release says "6\.12\.115".*--semantics/);
    expect(() => treeVersion('/t', mk, '6.12.1170')).toThrow(/ambiguous/);
    expect(() => treeVersion('/t', 'all:\n', undefined)).toThrow(/no VERSION\/PATCHLEVEL\/SUBLEVEL/);
  });
});
