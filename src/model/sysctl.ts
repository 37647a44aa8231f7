// The net.ipv4.vs sysctls a case may set (`sysctl` events), as the kernel's proc handlers take
// them (ip_vs_ctl.c vs_vars, ip_vs_lblc.c / ip_vs_lblcr.c vs_vars_table). Only the ones the model
// follows are accepted: any other is an input the model cannot judge.
import { InputError } from '../errors.js';
import type { OpError } from '../observation.js';
import { opError } from './errno.js';
import { reach } from './reached.js';
import type { ModelState } from './state.js';

const INT_MAX = 0x7fffffff;

/** How each known sysctl parses its value: proc_dointvec_jiffies (seconds) or proc_dointvec. */
const KNOWN: Record<string, 'jiffies' | 'int'> = {
  lblc_expiration: 'jiffies',
  lblcr_expiration: 'jiffies',
  expire_quiescent_template: 'int',
};

export const MODEL_SYSCTLS: readonly string[] = Object.keys(KNOWN);

/** Writes the sysctl; its value is kept as given (seconds for the jiffies ones). */
export function setSysctl(st: ModelState, name: string, value: number): OpError | undefined {
  const kind = KNOWN[name];
  if (!kind) throw new InputError(undefined, 'sysctl name', `one the model follows (${MODEL_SYSCTLS.join(', ')})`, name);
  // do_proc_dointvec_jiffies_conv(): |value| > INT_MAX / HZ is EINVAL
  if (kind === 'jiffies' && Math.abs(value) > Math.floor(INT_MAX / st.rules.hz)) return opError('EINVAL');
  st.sysctls.set(name, value);
  reach(st.reached, 'sysctl:set');
  return undefined;
}

export function sysctl(st: ModelState, name: string, otherwise: number): number {
  return st.sysctls.get(name) ?? otherwise;
}
