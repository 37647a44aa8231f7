import { describe, expect, it } from 'vitest';
import { formatRows, offerRow } from '../../src/cli/kernels-command.js';
import type { DebianOffer } from '../../src/kernels/debian.js';

const offer = (version: string, extra: Partial<DebianOffer> = {}): DebianOffer => ({
  stream: '6.1',
  version,
  image: 'linux-image-6.1.0-57-cloud-amd64-unsigned',
  release: '6.1.0-57-cloud-amd64',
  headers: [],
  kbuildVersion: version,
  headersComplete: true,
  source: true,
  ...extra,
});

describe('ipvs-conform kernels rows', () => {
  it('gives each offer the semantics of its exact version, and says what is special about it', () => {
    expect(offerRow(offer('6.1.192-3'), true)).toMatchObject({ kernel: 'debian:6.1.192-3', semantics: '6.12', source: true, note: '= debian:latest-6.1' });
    expect(offerRow(offer('6.1.176-1'), false)).toMatchObject({ semantics: '6.1' });
    expect(offerRow(offer('6.1.187-1', { kbuildVersion: '6.1.192-3', source: false }), false)).toMatchObject({ semantics: '6.12', source: false, note: 'kbuild tools from 6.1.192-3' });
    expect(offerRow(offer('6.1.190-1', { headersComplete: false }), false).note).toBe('headers gone: no hprio, no --patch/--module');
    expect(offerRow(offer('6.1.174-1', { image: 'linux-image-6.1.0-49-cloud-amd64', headersComplete: false }), false).note).toBe('signed image only; headers gone: no hprio, no --patch/--module');
  });
  it('prints aligned columns', () => {
    const text = formatRows([offerRow(offer('6.1.192-3'), true), offerRow(offer('6.1.176-1', { source: false }), false)]);
    expect(text.split('\n')).toEqual([
      '  KERNEL            RELEASE               SEMANTICS  SOURCE  NOTE',
      '  debian:6.1.192-3  6.1.0-57-cloud-amd64  6.12       yes     = debian:latest-6.1',
      '  debian:6.1.176-1  6.1.0-57-cloud-amd64  6.1        gone',
    ]);
  });
});
