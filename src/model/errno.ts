// The kernel's error returns the model predicts, with glibc's strerror text (what the agent reports).
import type { OpError } from '../observation.js';

const TABLE = {
  ENOENT: [2, 'No such file or directory'],
  ESRCH: [3, 'No such process'],
  EEXIST: [17, 'File exists'],
  EINVAL: [22, 'Invalid argument'],
  ERANGE: [34, 'Numerical result out of range'],
  EADDRINUSE: [98, 'Address already in use'],
  EADDRNOTAVAIL: [99, 'Cannot assign requested address'],
  ETIMEDOUT: [110, 'Connection timed out'],
  ECONNREFUSED: [111, 'Connection refused'],
} as const;

export type ErrName = keyof typeof TABLE;

export function opError(name: ErrName): OpError {
  const [errno, message] = TABLE[name];
  return { errno, name, message };
}
