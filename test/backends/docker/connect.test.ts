import { describe, expect, it } from 'vitest';
import { dockerOptions } from '../../../src/backends/docker/connect.js';
import { UsageError } from '../../../src/errors.js';

describe('dockerOptions (DOCKER_HOST-style addresses)', () => {
  it('takes a unix socket path', () => {
    expect(dockerOptions('unix:///tmp/x/docker.sock')).toEqual({ socketPath: '/tmp/x/docker.sock' });
  });
  it('takes tcp, plain on 2375 and TLS on 2376', () => {
    expect(dockerOptions('tcp://10.9.8.7:2375')).toMatchObject({ protocol: 'http', host: '10.9.8.7', port: '2375' });
    expect(dockerOptions('tcp://dockerhost:2376')).toMatchObject({ protocol: 'https', port: '2376' });
    expect(dockerOptions('dockerhost:2375')).toMatchObject({ protocol: 'http', host: 'dockerhost' });
  });
  it('takes ssh with a user', () => {
    expect(dockerOptions('ssh://ci@builder')).toMatchObject({ protocol: 'ssh', host: 'builder', username: 'ci' });
  });
  it('rejects what is not an address, saying what it expected', () => {
    for (const bad of ['unix://', 'ftp://x:1', 'tcp://']) {
      expect(() => dockerOptions(bad)).toThrow(UsageError);
      expect(() => dockerOptions(bad)).toThrow(/Expected a Docker address like unix:\/\/\/var\/run\/docker.sock/);
    }
  });
});
