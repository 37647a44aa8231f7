// Whether a process exists. Signal 0 probes without signalling; EPERM means the process exists
// but belongs to someone else (a lock holder of another user), which still counts as alive.
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
