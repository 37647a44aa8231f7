import { describe, expect, it } from 'vitest';
import { InputError, UsageError } from '../../../src/errors.js';
import { kernelSpec, loadKernels, parseKernels } from '../../../src/backends/qemu/kernels.js';

describe('vm/kernels.yaml', () => {
  it('pins 6.1 (default) and 6.12 with image, headers and version', () => {
    const t = loadKernels();
    expect(t.default).toBe('6.1');
    expect(Object.keys(t.kernels).sort()).toEqual(['6.1', '6.12']);
    const k = kernelSpec();
    expect(k.name).toBe('6.1');
    expect(k.image).toBe('linux-image-6.1.0-50-cloud-amd64-unsigned');
    expect(k.version).toBe('6.1.176-1');
    expect(k.release).toBe('6.1.0-50-cloud-amd64');
    expect(k.headers).toContain('linux-kbuild-6.1');
    expect(kernelSpec('6.12').image).toBe('linux-image-6.12.117+deb12-amd64-unsigned');
  });

  it('rejects an unknown kernel name with the known ones', () => {
    expect(() => kernelSpec('5.10')).toThrow(UsageError);
    expect(() => kernelSpec('5.10')).toThrow('expected one of 6.1, 6.12');
  });

  const good = `default: a
kernels:
  a: { release: 6.1.0-1-amd64, version: 6.1.1-1, image: linux-image-6.1.0-1-amd64, headers: [linux-headers-6.1.0-1-amd64], source: linux-source-6.1=6.1.1-1 }
`;

  it('parses a minimal table', () => {
    expect(parseKernels(good).kernels.a).toEqual({
      name: 'a',
      release: '6.1.0-1-amd64',
      version: '6.1.1-1',
      image: 'linux-image-6.1.0-1-amd64',
      headers: ['linux-headers-6.1.0-1-amd64'],
      source: 'linux-source-6.1=6.1.1-1',
    });
  });

  // Every other edit, with the error each gets: kernels-edited.test.ts.
  it('says which field is wrong and what was expected', () => {
    expect(() => parseKernels(good.replace('version: 6.1.1-1, ', ''), 'k.yaml')).toThrow('k.yaml: kernels.a.version: expected a Debian package version like "6.1.176-1", got nothing (the field is missing)');
    expect(() => parseKernels(good.replace('default: a', 'default: b'))).toThrow('default: expected one of the kernels\' names as a quoted string: "a", got "b"');
    expect(() => parseKernels('- 1\n')).toThrow(InputError);
  });
});
