import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { kernelByName, pinnedKernels, semanticsForRunning } from '../../src/run/kernels.js';

describe('pinned kernels', () => {
  it('reads vm/kernels.yaml: names, default, and semantics from each package version', () => {
    const { default: d, kernels } = pinnedKernels();
    expect(d).toBe('6.1');
    expect(kernels.map((k) => [k.name, k.semantics])).toEqual([['6.1', '6.1'], ['6.12', '6.12']]);
    expect(kernels[0]!.why).toMatch(/^6\.1\.176 \(Debian package version 6\.1\.176-1\): before stable 6\.1\.183/);
    expect(() => kernelByName('5.10')).toThrow(UsageError);
    expect(() => kernelByName('5.10')).toThrow('Expected `--kernel` to be one of 6.1, 6.12 (vm/kernels.yaml), got `5.10`');
  });
});

describe('semanticsForRunning (a running kernel, by exact version)', () => {
  it('reads Debian /proc/version, else an unambiguous release', () => {
    expect(semanticsForRunning('6.1.0-57-cloud-amd64', 'Linux version 6.1.0-57-cloud-amd64 (x) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-20)').semantics).toBe('6.12');
    expect(semanticsForRunning('6.12.103').semantics).toBe('6.1');
    expect(semanticsForRunning('6.12.107+deb12-amd64').semantics).toBe('6.12');
  });
  it('a distribution ABI release without the point release is an error naming --semantics', () => {
    expect(() => semanticsForRunning('6.1.0-57-cloud-amd64')).toThrow(/ABI number.*was not read.*--semantics \(6\.1 or 6\.12\)/);
    expect(() => semanticsForRunning('6.8.0-45-generic', 'Linux version 6.8.0-45-generic (buildd@lcy02) #45-Ubuntu SMP')).toThrow(/names none either/);
  });
});
