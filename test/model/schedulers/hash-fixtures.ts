// Hand-built ServiceState/DestState for the HASH schedulers' tests, and the few steps of
// ip_vs_ctl.c the tests need (add/edit/del a dest and call the scheduler's hook), so these tests
// do not depend on the model core's runModel.
import type { DestState, Packet, SchedContext, SchedulerModel, Semantics, ServiceState } from '../../../src/model/types.js';
import { standaloneContext } from '../../../src/model/context.js';

/** Dotted quad → host-order u32. */
export function ip(s: string): number {
  const p = s.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new Error(`bad address ${s}`);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

export function ipText(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** A dest "10.2.0.N:port" with weight w (last_weight = w, as on add), no thresholds, no conns. */
export function mkDest(addrPort: string, fields: Partial<DestState> = {}): DestState {
  const [addr, port] = addrPort.includes(':') ? addrPort.split(':') : [addrPort, '80'];
  const weight = fields.weight ?? 1;
  return {
    addr: addr!,
    addrNum: ip(addr!),
    port: Number(port),
    weight,
    lastWeight: weight,
    uThreshold: 0,
    lThreshold: 0,
    activeConns: 0,
    inactConns: 0,
    persistConns: 0,
    overload: false,
    available: true,
    ...fields,
  };
}

export function ctx(now = 0, semantics: Semantics = '6.1'): SchedContext {
  const c = standaloneContext(semantics);
  c.at(c.now.lo + now);
  return c;
}

/**
 * A service on 10.0.0.1:80 whose svc->destinations is `dests` in list order (index 0 = list
 * head's next = the newest), with the scheduler's init_service run.
 */
export function mkService(
  model: SchedulerModel,
  dests: DestState[],
  opts: { flags?: number; vip?: string; c?: SchedContext } = {},
): ServiceState {
  const vip = opts.vip ?? '10.0.0.1';
  const svc: ServiceState = {
    addrNum: ip(vip),
    addr: vip,
    port: 80,
    scheduler: model.name,
    flags: opts.flags ?? 0,
    persistent: 0,
    netmask: 0xffffffff,
    destinations: dests,
    schedData: undefined,
  };
  model.initService?.(svc, opts.c ?? ctx());
  return svc;
}

/** The packet of a new connection from client:sport to the service. */
export function pkt(client: string, sport = 40000, svc?: ServiceState): Packet {
  return { saddr: ip(client), sport, daddr: svc?.addrNum ?? ip('10.0.0.1'), dport: svc?.port ?? 80 };
}

/** ip_vs_add_dest → __ip_vs_update_dest(add): last_weight = weight, list_add_rcu (head), add_dest. */
export function addDest(model: SchedulerModel, svc: ServiceState, dest: DestState, c = ctx()): DestState {
  dest.lastWeight = dest.weight;
  dest.available = true;
  svc.destinations.unshift(dest);
  model.addDest?.(svc, dest, c);
  return dest;
}

/** ip_vs_edit_dest → __ip_vs_update_dest(edit): last_weight kept when the new weight is 0; upd_dest. */
export function editDest(model: SchedulerModel, svc: ServiceState, dest: DestState, weight: number, c = ctx()): void {
  if (weight !== 0) dest.lastWeight = weight;
  dest.weight = weight;
  model.updDest?.(svc, dest, c);
}

/** ip_vs_del_dest → __ip_vs_unlink_dest: clear AVAILABLE, list_del_rcu, del_dest. */
export function delDest(model: SchedulerModel, svc: ServiceState, dest: DestState, c = ctx()): void {
  const i = svc.destinations.indexOf(dest);
  if (i < 0) throw new Error(`${dest.addr}:${dest.port} is not in the service`);
  dest.available = false;
  svc.destinations.splice(i, 1);
  model.delDest?.(svc, dest, c);
}

/** The one dest a deterministic decision names, or fail. */
export function one(model: SchedulerModel, svc: ServiceState, p: Packet, c = ctx()): DestState | null {
  const d = model.schedule(svc, p, c);
  if (d.kind !== 'one') throw new Error(`${model.name}: expected a deterministic decision, got ${d.kind}`);
  return d.dest;
}

export function name(d: DestState | null | undefined): string | null {
  return d ? `${d.addr}:${d.port}` : null;
}
