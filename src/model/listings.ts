// The final listings as the model predicts them. The agent runs the four ipvsadm listings at once
// within one window of jiffies, so each reads the kernel at its own moment: where a timer falls
// due inside the window, each listing may show the state before or after it.
import type { Listings } from '../observation.js';
import { renderConns, renderListings, renderServices } from '../listings/render.js';
import type { JWindow } from './clock.js';
import type { ModelState } from './state.js';
import { connRows, snapshot } from './table.js';
import { fireUntil } from './timers.js';

export interface ModelListings {
  listings: Listings;
  connExpire: [number, number][];
}

/** The expire column's possible seconds, in the order of the `-c` listing's rows. */
function expireRanges(conns: ReturnType<typeof connRows>): [number, number][] {
  const out: [number, number][] = new Array(conns.length);
  for (let i = 0; i < conns.length; i++) out[i] = [conns[i]!.expires, conns[i]!.expMax];
  return out;
}

/** The states a read within w may see: before each timer due inside it (its first jiffy's too), and after the last. */
function readings(st: ModelState, w: JWindow): { table: ReturnType<typeof snapshot>; conns: ReturnType<typeof connRows> }[] {
  st.now.lo = Math.max(st.now.lo, w[0]);
  const w0 = st.now.lo;
  const hi = Math.max(st.now.lo, w[1]);
  fireUntil(st, st.now.lo - 1);
  const due: number[] = [];
  if (hi >= st.minBucket) for (const t of st.timers) if (t.bucket >= st.now.lo && t.bucket <= hi && !due.includes(t.bucket)) due.push(t.bucket);
  due.sort((a, b) => a - b);
  const out = [];
  let lo = st.now.lo;
  for (let k = 0; k <= due.length; k++) {
    if (k > 0) {
      fireUntil(st, due[k - 1]!);
      lo = due[k - 1]!;
    }
    const until = k < due.length ? due[k]! : hi;
    out.push({ table: snapshot(st), conns: connRows(st, lo, until) });
  }
  // the usual first: timers of the read's first jiffy have fired (their softirq may be pending)
  if (due[0] === w0) out.push(out.shift()!);
  return out;
}

export function readListings(st: ModelState, w: JWindow): ModelListings {
  const seen = readings(st, w);
  if (seen.length === 1) {
    // no timer falls due inside the window: one state for all four
    const { table, conns } = seen[0]!;
    return { listings: renderListings(table, conns), connExpire: expireRanges(conns) };
  }
  const pick = (what: string) => seen[seen.length > 1 ? st.choose(seen.length, `the ${what} listing read while timers fall due`) : 0]!;
  const conns = pick('-c').conns;
  const connExpire = expireRanges(conns);
  return {
    listings: {
      list: renderServices(pick('-L -n').table, 'list'),
      thresholds: renderServices(pick('--thresholds').table, 'thresholds'),
      persistent: renderServices(pick('--persistent-conn').table, 'persistent'),
      // -c rows come in the kernel's hash order, which the model does not know: any order will do.
      conns: renderConns(conns),
    },
    connExpire,
  };
}
