// The set-up the Docker slow suites share: a private dockerd (test/backends/docker/dockerd.ts), a
// client for it, and the worker image imported into it.
import type Docker from 'dockerode';
import { connectDocker } from '../../../src/backends/docker/connect.js';
import { startPrivateDockerd, type PrivateDockerd } from './dockerd.js';
import { ensureImage } from '../../../src/backends/docker/image.js';

export interface DaemonWithImage {
  dockerd: PrivateDockerd;
  docker: Docker;
  image: string;
}

/** Starts the daemon and imports the image; a daemon whose import failed is stopped, not left running. */
export async function startDaemonWithImage(): Promise<DaemonWithImage> {
  const dockerd = await startPrivateDockerd();
  try {
    const docker = await connectDocker(dockerd.host);
    return { dockerd, docker, image: await ensureImage(docker) };
  } catch (err) {
    await dockerd.stop();
    throw err;
  }
}
