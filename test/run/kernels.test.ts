import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { kernelByName, pinnedKernels, semanticsForRelease } from '../../src/run/kernels.js';

describe('pinned kernels', () => {
  it('reads vm/kernels.yaml: names, default and semantics', () => {
    const { default: d, kernels } = pinnedKernels();
    expect(d).toBe('6.1');
    expect(kernels.map((k) => [k.name, k.semantics])).toEqual([['6.1', '6.1'], ['6.12', '6.12']]);
    expect(() => kernelByName('5.10')).toThrow(UsageError);
    expect(() => kernelByName('5.10')).toThrow('Expected `--kernel` to be one of 6.1, 6.12 (vm/kernels.yaml), got `5.10`');
  });

  it('maps a release to semantics (6.12.104 changed the rules)', () => {
    expect(semanticsForRelease('6.1.0-50-cloud-amd64')).toBe('6.1');
    expect(semanticsForRelease('6.12.103')).toBe('6.1');
    expect(semanticsForRelease('6.12.107+deb12-amd64')).toBe('6.12');
    expect(semanticsForRelease('6.15.2')).toBe('6.12');
  });
});
