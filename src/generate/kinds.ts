// The kinds of event and configuration a scenario exercises, for the run summary's "drawn" table:
// how often the mix reached each (service kinds, svc-edit of each field, deletes and re-adds,
// UDP and fwmark traffic, twos's law cases ...). Read from the scenario alone.
import type { Event, Scenario, ServiceFields } from '../scenario.js';
import { markOf, parseServiceKey, parseTarget } from '../service-key.js';

/** Enough twos picks in one service for the statistical check of its law (compare/law.ts). */
export const LAW_MIN_DRAWS = 30;

function editKinds(prev: ServiceFields, e: ServiceFields): string[] {
  const out: string[] = [];
  if (prev.scheduler !== e.scheduler) out.push('svc-edit:sched', `switch-to:${e.scheduler}`);
  if ((prev.flags ?? []).join() !== (e.flags ?? []).join()) out.push('svc-edit:flags');
  if (prev.persistent === undefined && e.persistent !== undefined) out.push('svc-edit:persist-on');
  else if (prev.persistent !== undefined && e.persistent === undefined) out.push('svc-edit:persist-off');
  else if (prev.persistent !== e.persistent || prev.netmask !== e.netmask) out.push('svc-edit:persist-change');
  if (!!prev.ops !== !!e.ops) out.push('svc-edit:ops');
  return out.length ? out : ['svc-edit:same'];
}

function serviceKinds(e: Extract<Event, { op: 'svc-add' }>): string[] {
  const k = parseServiceKey(e.svc);
  const kind = k.kind === 'fwm' ? 'fwm' : k.proto;
  const out = [`svc:${kind}`, `sched:${e.scheduler}`];
  if (k.af === 6) out.push('svc:ipv6');
  if (e.persistent !== undefined) out.push('persistent', `persistent:${kind}`);
  if (e.netmask !== undefined && e.netmask !== '255.255.255.255') out.push('netmask');
  if (e.ops) out.push(`ops:${kind}`);
  if (e.flags?.length) out.push('flags');
  return out;
}

function connectKind(target: string): string {
  const t = parseTarget(target);
  return markOf(t) ? `connect:fwm-${t.proto}` : `connect:${t.proto}`;
}

/** Sorted, each kind once. */
export function scenarioKinds(s: Scenario): string[] {
  const kinds = new Set<string>();
  const fields = new Map<string, ServiceFields>();
  const deleted = new Set<string>();
  const deletedDests = new Set<string>();
  const connUdp = new Map<string, boolean>();
  const picks = new Map<string, number>();
  const fwd = new Map<string, string>();
  for (const e of s.events) {
    switch (e.op) {
      case 'svc-add':
        if (deleted.has(e.svc)) kinds.add('svc-readd');
        for (const k of serviceKinds(e)) kinds.add(k);
        fields.set(e.svc, e);
        break;
      case 'svc-edit':
        for (const k of editKinds(fields.get(e.svc) ?? e, e)) kinds.add(k);
        fields.set(e.svc, e);
        break;
      case 'svc-del':
        kinds.add('svc-del');
        deleted.add(e.svc);
        for (const d of deletedDests) if (d.startsWith(`${e.svc} `)) deletedDests.delete(d);
        break;
      case 'dest-add':
        kinds.add(deleted.has(e.svc) || deletedDests.has(`${e.svc} ${e.dest}`) ? 'dest-add:restore' : 'dest-add');
        if (e.fwd && e.fwd !== 'masq') kinds.add(`fwd:${e.fwd}`);
        fwd.set(`${e.svc} ${e.dest}`, e.fwd ?? 'masq');
        break;
      case 'dest-edit':
        kinds.add(e.weight === 0 ? 'dest-edit:quiesce' : 'dest-edit');
        if ((e.fwd ?? 'masq') !== (fwd.get(`${e.svc} ${e.dest}`) ?? 'masq')) kinds.add('dest-edit:fwd');
        fwd.set(`${e.svc} ${e.dest}`, e.fwd ?? 'masq');
        break;
      case 'dest-del':
        kinds.add('dest-del');
        deletedDests.add(`${e.svc} ${e.dest}`);
        break;
      case 'connect': {
        kinds.add(connectKind(e.svc));
        connUdp.set(e.conn, e.svc.startsWith('udp/'));
        const sched = fields.get(e.svc)?.scheduler;
        if (sched === 'twos') picks.set(e.svc, (picks.get(e.svc) ?? 0) + 1);
        break;
      }
      case 'send':
        kinds.add(connUdp.get(e.conn) ? 'send:udp' : 'send:tcp');
        break;
      default:
        kinds.add(e.op);
    }
  }
  if (fields.size > 0) kinds.add(`services:${fields.size}`);
  if ([...picks.values()].some((n) => n >= LAW_MIN_DRAWS)) kinds.add('twos-law');
  return [...kinds].sort();
}

/** Cases that drew each kind. */
export function countKinds(all: readonly (readonly string[] | undefined)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kinds of all) for (const k of kinds ?? []) out[k] = (out[k] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}
