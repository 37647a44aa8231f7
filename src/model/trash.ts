// The deleted-destination trash (ip_vs_ctl.c: __ip_vs_del_dest, ip_vs_trash_get_dest,
// ip_vs_dest_trash_expire). A deleted dest keeps its counters while connections or templates hold
// it; re-adding the same address:port to a service of the same VIP:port restores it, counters and
// OVERLOAD included.
//
// Time is left out on purpose: the trash timer frees a dest only once nothing holds it (refcnt 1)
// and ~120 s have passed, and such a dest has all counters at zero and OVERLOAD clear (every unbind
// down to zero crossed l_threshold_val), so restoring it or creating it afresh shows the same. The
// model frees it as soon as nothing holds it.
import type { ModelDest, ModelState } from './state.js';

export function putInTrash(st: ModelState, d: ModelDest): void {
  d.available = false;
  if (d.refs > 0) st.trash.push(d);
}

/** ip_vs_trash_get_dest(): the trashed dest for this service and address:port, taken out. */
export function takeFromTrash(st: ModelState, svcKey: string, key: string): ModelDest | undefined {
  const i = st.trash.findIndex((d) => d.key === key && d.svcKey === svcKey);
  if (i < 0) return undefined;
  const [d] = st.trash.splice(i, 1);
  return d;
}

/** Called when a connection lets go of a dest. */
export function releaseFromTrash(st: ModelState, d: ModelDest): void {
  if (d.available || d.refs > 0) return;
  const i = st.trash.indexOf(d);
  if (i >= 0) st.trash.splice(i, 1);
}
