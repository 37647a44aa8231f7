// Firing the connection and template timers that fall before an observation, and telling when a
// timer may fire inside one (see time.ts for the windows).
import { type Event, eventText } from '../scenario.js';
import { expireConn } from './conns.js';
import { type Conn, giveUp, type ModelState } from './state.js';
import { setTimerWindow } from './time.js';

/** ip_vs_conn_expire() `expire_later`: a template that still controls connections waits 60 s more. */
const EXPIRE_LATER_MS = 60_000;

/**
 * Fires every timer certainly due before `obsLo` (earliest first), then checks whether any other
 * timer may fire within [obsLo, obsHi]: if so, the model cannot say what the kernel shows.
 */
export function advance(st: ModelState, obsLo: number, obsHi: number, ev: Event): void {
  if (obsHi < st.minTimerLo) return; // no timer can be due or near
  for (;;) {
    let next: Conn | undefined;
    for (const cp of st.conns) {
      if (cp.timer.hi < obsLo && (!next || cp.timer.nominal < next.timer.nominal)) next = cp;
    }
    if (!next) break;
    fire(st, next);
  }
  let minLo = Infinity;
  for (const cp of st.conns) if (cp.timer.lo < minLo) minLo = cp.timer.lo;
  st.minTimerLo = minLo;
  for (const cp of st.conns) {
    if (cp.timer.lo <= obsHi) {
      giveUp(
        st,
        `${eventText(ev)}: the ${cp.template ? 'persistence template' : 'connection'} ${describe(cp)} may expire between ` +
          `${fmt(cp.timer.lo)} and ${fmt(cp.timer.hi)} (guest ms), which overlaps the observation at ${fmt(obsLo)}..${fmt(obsHi)}`,
      );
      return;
    }
  }
}

function fire(st: ModelState, cp: Conn): void {
  if (cp.template) {
    // do I control anybody? (ip_vs_conn_expire) — the answer must not depend on timer order
    const raced = cp.nControl > 0 ? [...st.conns].some((c) => c.control === cp && c.timer.lo <= cp.timer.hi) : cp.lastControlHi >= cp.timer.lo;
    if (raced) giveUp(st, `the persistence template ${describe(cp)} and a connection it controls may expire in either order`);
    if (cp.nControl > 0) {
      cp.timeout = EXPIRE_LATER_MS;
      setTimerWindow(cp.timer, cp.timer.lo, cp.timer.hi, cp.timeout, st.rules.hz);
      return;
    }
  }
  expireConn(st, cp);
}

const fmt = (ms: number) => ms.toFixed(0);
const ip = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
function describe(cp: Conn): string {
  return `${cp.name ? `${cp.name} ` : ''}${ip(cp.caddr)}:${cp.cport} -> ${cp.dest.key}`;
}
