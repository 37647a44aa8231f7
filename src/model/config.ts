// Configuration events as the kernel applies them: ip_vs_genl_set_cmd() and ip_vs_add_service /
// ip_vs_edit_service / ip_vs_del_service / ip_vs_add_dest / ip_vs_edit_dest / ip_vs_del_dest /
// ip_vs_set_timeout (ip_vs_ctl.c), each returning the kernel's error or undefined.
import type { OpError } from '../observation.js';
import type { DestFields, ServiceFields } from '../scenario.js';
import { updateThresholds } from './accounting.js';
import { idAddrPort, ipInfo, type IpInfo, ipToNum, parseAnyAddrPort } from './addr.js';
import { parseServiceKey } from '../service-key.js';
import { opError } from './errno.js';
import { SCHEDULERS } from './schedulers/index.js';
import { FWD_NAME, type FwdName, type ModelDest, type ModelService, type ModelState } from './state.js';
import { reach } from './reached.js';
import { putInTrash, takeFromTrash } from './trash.js';
import { S } from './tcp.js';
import { SCHED_FLAG, type SchedulerModel } from './types.js';
import { FLAG_NUMBER } from '../registry.js';

const INT_MAX = 0x7fffffff;
/** IP_VS_SCHEDNAME_MAXLEN - 1: the netlink policy (NLA_NUL_STRING) rejects longer names with EINVAL. */
const SCHED_NAME_MAX = 15;

const FLAG_BITS: Record<string, number> = Object.fromEntries(Object.entries(FLAG_NUMBER).map(([name, n]) => [name, SCHED_FLAG[`SCHED${n}`]]));

export function flagBits(flags: string[] | undefined): number {
  let bits = 0;
  for (const f of flags ?? []) {
    const b = FLAG_BITS[f];
    if (b === undefined) throw new Error(`unknown scheduler flag ${JSON.stringify(f)}: expected one of ${Object.keys(FLAG_BITS).join(', ')}`);
    bits |= b;
  }
  return bits;
}

/** ip_vs_scheduler_get(): the scheduler, null for "none", undefined when no module has it. */
function lookupScheduler(st: ModelState, name: string): SchedulerModel | null | undefined {
  if (name === 'none') return null;
  if (!st.rules.schedulers.includes(name)) return undefined;
  return SCHEDULERS.get(name);
}

/** The netmask as the kernel gets it: IPv4 a mask (host order), IPv6 a prefix length; ipvsadm's defaults. */
function netmaskOf(af: 4 | 6, f: ServiceFields): number {
  if (af === 6) return f.netmask !== undefined ? Number(f.netmask) >>> 0 : 128;
  return f.netmask !== undefined ? ipToNum(f.netmask) : 0xffffffff;
}

/** ip_vs_add_service() / ip_vs_edit_service(): an IPv6 service's prefix length is 1..128, persistent or not. */
const badPrefix = (af: 4 | 6, netmask: number): boolean => af === 6 && (netmask < 1 || netmask > 128);

function applyServiceFields(svc: ModelService, f: ServiceFields): void {
  svc.flags = flagBits(f.flags);
  svc.persistFlag = f.persistent !== undefined;
  svc.persistent = f.persistent ?? 0;
  svc.netmask = netmaskOf(svc.af, f);
  svc.ops = f.ops === true;
}

/** ipvs->ftpsvc_counter / nullsvc_counter, updated on add (+1) and delete (-1). */
function countPorts(st: ModelState, svc: ModelService, d: 1 | -1): void {
  if (svc.port === 21) st.svcPort21 += d;
  else if (svc.port === 0) st.svcPort0 += d;
}

export function svcAdd(st: ModelState, key: string, f: ServiceFields): OpError | undefined {
  if (f.scheduler.length > SCHED_NAME_MAX) return opError('EINVAL');
  const k = parseServiceKey(key);
  if (st.services.has(key)) return opError('EEXIST');
  const sched = lookupScheduler(st, f.scheduler);
  if (sched === undefined) return opError('ENOENT');
  if (badPrefix(k.af, netmaskOf(k.af, f))) return opError('EINVAL');
  const ip = k.kind === 'addr' ? ipInfo(k.addr) : undefined;
  const svc: ModelService = {
    key,
    af: k.af,
    addr: ip ? ip.text : k.af === 6 ? '::' : '0.0.0.0',
    addrNum: ip ? ip.fold : 0,
    addrId: ip ? ip.id : 0,
    port: k.kind === 'addr' ? k.port : 0,
    proto: k.kind === 'addr' ? k.proto : 'tcp',
    fwmark: k.kind === 'fwm' ? k.mark : 0,
    ops: false,
    scheduler: f.scheduler,
    flags: 0,
    persistent: 0,
    netmask: 0xffffffff,
    destinations: [],
    schedData: undefined,
    sched,
    persistFlag: false,
  };
  applyServiceFields(svc, f);
  sched?.initService?.(svc, st.ctx);
  st.services.set(key, svc);
  countPorts(st, svc, 1);
  return undefined;
}

export function svcEdit(st: ModelState, key: string, f: ServiceFields): OpError | undefined {
  if (f.scheduler.length > SCHED_NAME_MAX) return opError('EINVAL');
  const svc = st.services.get(key);
  if (!svc) return opError('ESRCH');
  const sched = lookupScheduler(st, f.scheduler);
  if (sched === undefined) return opError('ENOENT');
  if (badPrefix(svc.af, netmaskOf(svc.af, f))) return opError('EINVAL');
  if (sched !== svc.sched) {
    // ip_vs_unbind_scheduler() then ip_vs_bind_scheduler(): fresh sched_data
    svc.sched?.doneService?.(svc, st.ctx);
    svc.schedData = undefined;
    svc.sched = sched;
    svc.scheduler = f.scheduler;
    sched?.initService?.(svc, st.ctx);
  }
  applyServiceFields(svc, f);
  return undefined;
}

export function svcDel(st: ModelState, key: string): OpError | undefined {
  const svc = st.services.get(key);
  if (!svc) return opError('ESRCH');
  svc.sched?.doneService?.(svc, st.ctx);
  // __ip_vs_del_service(): every dest unlinked without the del_dest hook, then to the trash
  for (const d of svc.destinations) putInTrash(st, d);
  svc.destinations = [];
  st.services.delete(key);
  countPorts(st, svc, -1);
  return undefined;
}

interface Udest {
  weight: number;
  upper: number;
  lower: number;
  fwd: FwdName;
}

/** The checks ip_vs_add_dest() and ip_vs_edit_dest() share, on the values as the kernel types them. */
function checkDest(st: ModelState, f: DestFields): OpError | Udest {
  const weight = f.weight | 0; // netlink u32 into an int
  const upper = f.upper >>> 0;
  const lower = f.lower >>> 0;
  if (weight < 0) return opError('ERANGE'); // server weight less than zero
  if (lower > upper) return opError('ERANGE'); // lower threshold is higher than upper threshold
  if (st.rules.uThresholdIntMaxCheck && upper > INT_MAX) return opError('EINVAL');
  return { weight, upper, lower, fwd: FWD_NAME[f.fwd ?? 'masq'] };
}

/** __ip_vs_update_dest() */
function updateDest(st: ModelState, svc: ModelService, d: ModelDest, u: Udest, add: boolean): void {
  // keep the last_weight with latest non-0 weight
  if (add || u.weight !== 0) d.lastWeight = u.weight;
  d.weight = u.weight;
  // dest->conn_flags: new connections take the method; existing ones keep the one they were bound with
  d.fwd = u.fwd;
  d.available = true;
  updateThresholds(d, u.upper, u.lower, st.rules);
  if (add) {
    svc.destinations.unshift(d); // list_add_rcu: the newest dest is first
    svc.sched?.addDest?.(svc, d, st.ctx);
  } else {
    svc.sched?.updDest?.(svc, d, st.ctx);
  }
}

/**
 * ip_vs_genl_set_cmd(): a destination of the other family than its service is refused unless it
 * is a tunnel (the only method that can carry one family in the other).
 */
function mixedFamily(svc: ModelService, info: IpInfo, f: DestFields): OpError | undefined {
  return info.af !== svc.af && f.fwd !== 'tunnel' ? opError('EINVAL') : undefined;
}

export function destAdd(st: ModelState, svcKey: string, destKey: string, f: DestFields): OpError | undefined {
  const svc = st.services.get(svcKey);
  if (!svc) return opError('ESRCH');
  const { info, port } = parseAnyAddrPort(destKey);
  const mixed = mixedFamily(svc, info, f);
  if (mixed) return mixed;
  const u = checkDest(st, f);
  if ('errno' in u) return u;
  const key = idAddrPort(info.id, port);
  if (svc.destinations.some((d) => d.key === key)) return opError('EEXIST');
  const d = takeFromTrash(st, svcKey, key) ?? freshDest(key, info, port, svcKey);
  updateDest(st, svc, d, u, true);
  return undefined;
}

function freshDest(key: string, info: IpInfo, port: number, svcKey: string): ModelDest {
  // ip_vs_new_dest(): kzalloc, so thresholds start at 0
  return {
    key,
    addr: info.text,
    addrNum: info.fold,
    addrId: info.id,
    port,
    weight: 0,
    lastWeight: 0,
    uThreshold: 0,
    lThreshold: 0,
    lThresholdVal: 0,
    activeConns: 0,
    inactConns: 0,
    persistConns: 0,
    overload: false,
    available: false,
    svcKey,
    refs: 0,
    fwd: 'Masq',
    idleStart: 0,
  };
}

export function destEdit(st: ModelState, svcKey: string, destKey: string, f: DestFields): OpError | undefined {
  const svc = st.services.get(svcKey);
  if (!svc) return opError('ESRCH');
  const mixed = mixedFamily(svc, parseAnyAddrPort(destKey).info, f);
  if (mixed) return mixed;
  const u = checkDest(st, f);
  if ('errno' in u) return u;
  const key = canonical(destKey);
  const d = svc.destinations.find((x) => x.key === key);
  if (!d) return opError('ENOENT');
  updateDest(st, svc, d, u, false);
  return undefined;
}

export function destDel(st: ModelState, svcKey: string, destKey: string): OpError | undefined {
  const svc = st.services.get(svcKey);
  if (!svc) return opError('ESRCH');
  const key = canonical(destKey);
  const i = svc.destinations.findIndex((x) => x.key === key);
  if (i < 0) return opError('ENOENT');
  const d = svc.destinations[i]!;
  // __ip_vs_unlink_dest(svc, dest, 1): clear AVAILABLE, list_del_rcu, then sched->del_dest
  d.available = false;
  svc.destinations.splice(i, 1);
  svc.unlinkedPrev = i > 0 ? svc.destinations[i - 1]! : null;
  svc.sched?.delDest?.(svc, d, st.ctx);
  svc.unlinkedPrev = undefined;
  putInTrash(st, d);
  return undefined;
}

function canonical(ap: string): string {
  const { info, port } = parseAnyAddrPort(ap);
  return idAddrPort(info.id, port);
}

/** ip_vs_set_timeout(): 0 leaves a value unchanged; TCP sets ESTABLISHED, TCPFIN sets FIN_WAIT. */
export function setTimeouts(st: ModelState, tcp: number, tcpfin: number, udp: number): OpError | undefined {
  const max = Math.floor(INT_MAX / st.rules.hz);
  const asInt = (v: number) => v | 0; // netlink u32 into the int fields of ip_vs_timeout_user
  const [t, f, u] = [asInt(tcp), asInt(tcpfin), asInt(udp)];
  if (t < 0 || t > max || f < 0 || f > max) return opError('EINVAL');
  if (u < 0 || u > max) return opError('EINVAL');
  if (t || f || u) reach(st.reached, 'timeouts:set');
  if (t) st.tcpTimeouts[S.ESTABLISHED] = t * st.rules.hz;
  if (f) st.tcpTimeouts[S.FIN_WAIT] = f * st.rules.hz;
  if (u) st.udpTimeouts[0] = u * st.rules.hz;
  return undefined;
}
