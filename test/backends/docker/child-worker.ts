// Helper process for docker.slow.test.ts (not a test itself): starts one worker container of run
// RUN_ID on DOCKER_HOST, prints its id, waits for the agent's hello and then for its end. The test
// kills it (SIGKILL: a crashed run) or interrupts it (SIGINT: Ctrl-C) and checks what is left.
import { AgentSession } from '../../../src/agent/session.js';
import { connectDocker } from '../../../src/backends/docker/connect.js';
import { startWorker } from '../../../src/backends/docker/containers.js';
import { track } from '../../../src/backends/docker/signals.js';

const [image, runId] = process.argv.slice(2) as [string, string];
const docker = await connectDocker(process.env.DOCKER_HOST);
const worker = await startWorker(docker, { image, runId, security: ['no-new-privileges:true'] });
// What the backend does from start() on: Ctrl-C removes its containers.
track({ close: () => worker.remove() });
const session = new AgentSession(worker.channel);
await session.ready(30_000);
process.stdout.write(`ready ${worker.id}\n`);
setInterval(() => undefined, 1000); // stay up until killed
