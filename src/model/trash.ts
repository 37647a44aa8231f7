// The deleted-destination trash (ip_vs_ctl.c: __ip_vs_del_dest, ip_vs_trash_get_dest,
// ip_vs_dest_trash_expire). Every deleted dest goes there with its counters; re-adding the same
// address:port to a service of the same VIP:port restores it, counters and OVERLOAD included. The
// trash timer (every IP_VS_DEST_TRASH_PERIOD / 2 = 60 s while the trash is not empty) frees a dest
// nothing holds (connections, templates, lblc/lblcr entries) once it has found it free for
// IP_VS_DEST_TRASH_PERIOD (120 s).
//
// Freeing is not visible in what is compared: a dest nothing holds has every counter at zero and
// OVERLOAD clear (each unbind down to zero crosses every clearing rule), so restoring it or making
// it afresh shows the same. The model follows the timer anyway, and counts what it frees.
import { reach } from './reached.js';
import type { ModelDest, ModelState } from './state.js';
import { modTimer } from './timers.js';

/** IP_VS_DEST_TRASH_PERIOD, seconds */
const TRASH_PERIOD_S = 120;

export function putInTrash(st: ModelState, d: ModelDest, cleanup = false): void {
  d.available = false;
  // if (list_empty(&ipvs->dest_trash) && !cleanup) mod_timer(..., jiffies + (PERIOD >> 1))
  if (!st.trash.length && !cleanup) modTimer(st, st.trashTimer, (TRASH_PERIOD_S * st.rules.hz) / 2);
  st.trash.unshift(d); // list_add
  d.idleStart = 0;
}

/** ip_vs_trash_get_dest(): the trashed dest for this service and address:port, taken out. */
export function takeFromTrash(st: ModelState, svcKey: string, key: string): ModelDest | undefined {
  const i = st.trash.findIndex((d) => d.key === key && d.svcKey === svcKey);
  if (i < 0) return undefined;
  const [d] = st.trash.splice(i, 1);
  return d;
}

/** ip_vs_dest_trash_expire(), the trash timer's callback at jiffy `now`. */
export function trashExpire(st: ModelState, now: number): void {
  const period = TRASH_PERIOD_S * st.rules.hz;
  st.trash = st.trash.filter((d) => {
    if (d.refs > 0) return true;
    if (!d.idleStart) {
      d.idleStart = Math.max(1, now);
      return true;
    }
    if (now < d.idleStart + period) return true;
    reach(st.reached, 'trash:free');
    return false;
  });
  if (st.trash.length) modTimer(st, st.trashTimer, period / 2);
}
