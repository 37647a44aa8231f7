// Connecting to the Docker daemon. Without `dockerHost`, dockerode reads DOCKER_HOST (and
// DOCKER_TLS_VERIFY, DOCKER_CERT_PATH) itself, as the docker CLI does; with it, the address is
// parsed here the same way. An unreachable daemon is an InfraError that names the address.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { InfraError, UsageError } from '../../errors.js';

/** dockerode options for a DOCKER_HOST-style address: unix://PATH, npipe://PATH, tcp://HOST:PORT, ssh://USER@HOST. */
export function dockerOptions(host: string): Docker.DockerOptions {
  if (host.startsWith('unix://') || host.startsWith('npipe://')) {
    const socketPath = host.slice(host.indexOf('://') + 3);
    if (socketPath === '') throw badHost(host);
    return { socketPath };
  }
  let url: URL;
  try {
    url = new URL(host.includes('://') ? host : `tcp://${host}`);
  } catch {
    throw badHost(host);
  }
  if (url.hostname === '') throw badHost(host);
  if (url.protocol === 'ssh:') return { protocol: 'ssh', host: url.hostname, port: url.port || 22, username: url.username || undefined };
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:') throw badHost(host);
  const port = url.port || (url.protocol === 'https:' ? '2376' : '2375');
  const tls = url.protocol === 'https:' || process.env.DOCKER_TLS_VERIFY === '1' || port === '2376';
  return { protocol: tls ? 'https' : 'http', host: url.hostname, port, ...(tls ? tlsFiles() : {}) };
}

/** DOCKER_CERT_PATH's ca.pem, cert.pem and key.pem, as the docker CLI reads them. */
function tlsFiles(): Pick<Docker.DockerOptions, 'ca' | 'cert' | 'key'> {
  const dir = process.env.DOCKER_CERT_PATH;
  if (!dir) return {};
  const read = (f: string) => {
    try {
      return readFileSync(path.join(dir, f));
    } catch (cause) {
      throw new UsageError('IPVS_CONFORM_BAD_DOCKER_HOST', `DOCKER_CERT_PATH=${dir}: cannot read ${f}: ${(cause as Error).message}`, { cause });
    }
  };
  return { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
}

function badHost(host: string): UsageError {
  return new UsageError(
    'IPVS_CONFORM_BAD_DOCKER_HOST',
    `Expected a Docker address like unix:///var/run/docker.sock, tcp://HOST:2375 or ssh://USER@HOST, got ${JSON.stringify(host)}`,
  );
}

/** Where the daemon is, in words, for error messages. */
export function describeHost(dockerHost?: string): string {
  const h = dockerHost ?? process.env.DOCKER_HOST;
  return h ? h : 'the default socket (/var/run/docker.sock; DOCKER_HOST is unset)';
}

/** A client for the daemon, checked with a ping so a wrong address fails here with a clear message. */
export async function connectDocker(dockerHost?: string): Promise<Docker> {
  const docker = dockerHost ? new Docker(dockerOptions(dockerHost)) : new Docker();
  try {
    await docker.ping();
  } catch (cause) {
    throw new InfraError(
      'IPVS_CONFORM_DOCKER_UNREACHABLE',
      `cannot reach the Docker daemon at ${describeHost(dockerHost)}: ${(cause as Error).message}. ` +
        'Fix: start dockerd, or point DOCKER_HOST (or --docker-host) at a running daemon',
      { cause },
    );
  }
  return docker;
}
