// The model's whole state: services with their destinations in kernel list order, the deleted-
// destination trash, connections and persistence templates with their timers, the TCP timeouts.
import type { DestRow, ServiceRow } from '../observation.js';
import type { FwdMethod } from '../scenario.js';
import type { KernelRules } from './semantics.js';
import { schedContext } from './context.js';
import type { Reached } from './reached.js';
import { trashExpire } from './trash.js';
import { type Clock, newTimer, type Timer } from './timers.js';
import type { DestState, SchedContext, SchedulerModel, Semantics, ServiceState } from './types.js';
import { TCP_DEFAULT_TIMEOUTS_MS, UDP_DEFAULT_TIMEOUTS_MS } from './tcp.js';

/** struct ip_vs_dest plus what the model needs to mirror the kernel's bookkeeping. */
export interface ModelDest extends DestState {
  /** "10.2.0.3:80" */
  key: string;
  /** dest->l_threshold_val (6.12 accounting). */
  lThresholdVal: number;
  /** dest->vaddr:vport, the service it was added to (ip_vs_trash_get_dest matches on it). */
  svcKey: string;
  /** What holds it (dest->refcnt - 1): connections, templates, lblc/lblcr entries. */
  refs: number;
  /** The forwarding method (dest->conn_flags & IP_VS_CONN_F_FWD_MASK), as the table names it. */
  fwd: FwdName;
  /** dest->idle_start: when the trash timer first found it free (0: not yet). */
  idleStart: number;
  /** The last row table.ts reported for it (reused while unchanged). */
  row?: DestRow;
}

/** ipvsadm's words for the forwarding methods (and the agent's table's). */
export type FwdName = 'Masq' | 'Route' | 'Tunnel';
export const FWD_NAME: Record<FwdMethod, FwdName> = { masq: 'Masq', route: 'Route', tunnel: 'Tunnel' };

/** struct ip_vs_service */
export interface ModelService extends ServiceState {
  /** The service key: "10.0.0.1:80", "udp/10.0.0.1:53", "fwm/5" (src/service-key.ts). */
  key: string;
  /** svc->protocol (a fwmark service has IPPROTO_TCP: ip_vs_genl_parse_service). */
  proto: 'tcp' | 'udp';
  /** svc->fwmark, 0 for an address service. */
  fwmark: number;
  /** svc->af: 4 or 6 (a fwmark service's too: fwm6/M is IPv6). */
  af: 4 | 6;
  /** ipInfo(addr).id, 0 for a fwmark service. */
  addrId: number;
  /** IP_VS_SVC_F_ONEPACKET */
  ops: boolean;
  destinations: ModelDest[];
  /** svc->scheduler, null for the scheduler "none". */
  sched: SchedulerModel | null;
  /** IP_VS_SVC_F_PERSISTENT */
  persistFlag: boolean;
  /** The last row table.ts reported, and the flags and netmask it was made from. */
  row?: ServiceRow;
  rowFlags?: number;
  rowNetmask?: number;
}

/** struct ip_vs_conn, normal connection or persistence template. */
export interface Conn {
  /** The scenario's name for it (`connect` conn), undefined for templates. */
  name: string | undefined;
  /** Its conn table place (normal connections): the target ("udp/10.0.5.7:53") and clientKey(). */
  svcKey: string;
  /** cp->protocol as /proc/net/ip_vs_conn names it: "TCP", "UDP", "IP" (fwmark templates). */
  proto: 'TCP' | 'UDP' | 'IP';
  key: number;
  template: boolean;
  caddr: number;
  cport: number;
  vaddr: number;
  vport: number;
  dest: ModelDest;
  /** dport as ip_vs_conn_new got it (the dest's port; 65535 once a template is invalidated). */
  dport: number;
  /** TCP state (IP_VS_TCP_S_*) or template state (0 NONE, 1 ASSURED). */
  state: number;
  /** IP_VS_CONN_F_INACTIVE */
  inactive: boolean;
  /** cp->timeout in jiffies. */
  timeout: number;
  timer: Timer;
  control: Conn | null;
  nControl: number;
  /** Templates: still hashed (not invalidated by ip_vs_check_template). */
  hashed: boolean;
  live: boolean;
  /**
   * Bound to a DR or tunnel destination (IP_VS_CONN_F_NOOUTPUT, from dest->conn_flags at bind):
   * the server replies straight to the client, so the director sees the client's packets only and
   * follows the INPUT-ONLY transitions. Kept when the dest's method is edited later.
   */
  direct: boolean;
}

/** The agent's connection of one name (`connect` conn) and what it did with its sockets. */
export interface AgentConn {
  /** The IPVS entry its packets went through. */
  cp: Conn;
  /** Its sockets are closed (fin, rst, given up, a silent server): later fin/rst/send/shut send nothing. */
  closed: boolean;
  /** That side sent its FIN (`shut`, or the first half of `fin`). */
  cliShut: boolean;
  srvShut: boolean;
}

export interface ModelState extends Clock {
  semantics: Semantics;
  rules: KernelRules;
  ctx: SchedContext;
  services: Map<string, ModelService>;
  /** ipvs->ftpsvc_counter and ipvs->nullsvc_counter: services on port 21, on port 0 (fwmark ones too). */
  svcPort21: number;
  svcPort0: number;
  /** ipvs->dest_trash: deleted dests, freed by its timer once nothing holds them (see trash.ts). */
  trash: ModelDest[];
  /** ipvs->dest_trash_timer */
  trashTimer: Timer;
  /** Every live connection and template. */
  conns: Set<Conn>;
  /** Normal connections by the connect's target ("udp/10.0.5.7:53"), then clientKey() (see connGet). */
  connTable: Map<string, Map<number, Conn>>;
  /** Hashed templates by `proto/snet>vaddr:vport` (templateKey). */
  templates: Map<string, Conn>;
  /** The agent's connections by the scenario's name. */
  byName: Map<string, AgentConn>;
  /** The agent's connections whose sockets are still connected, by `target|clientKey` (see connect). */
  sockets: Map<string, AgentConn>;
  /** The agent's open UDP client sockets by connection name (udp.ts): what `send` sends from. */
  udpSockets: Map<string, { key: number; target: string; caddr: number; cport: number }>;
  /** Every UDP connection name the case opened (closed ones too: their fin/rst/send send nothing). */
  udpNames: Set<string>;
  /** pd->timeout_table for TCP, jiffies by state. */
  tcpTimeouts: number[];
  /** pd->timeout_table for UDP, jiffies: [NORMAL, LAST]. */
  udpTimeouts: number[];
  /** The net.ipv4.vs sysctls a case set (sysctl.ts says which the model knows), by name. */
  sysctls: Map<string, number>;
  /** The lifecycle paths this case reached (reached.ts). */
  reached: Reached;
  /** First reason the model could not tell what the kernel does, from then on. */
  indeterminate?: string;
  /** Draws random-by-design outcomes from their law (ModelOptions.sample). */
  sample?: () => number;
}

const toJiffies = (ms: readonly number[], hz: number) => ms.map((x) => (x * hz) / 1000);

/**
 * A fresh state. `choose` picks among outcomes the kernel's clock leaves open (the search in
 * src/judge/follow.ts supplies it); `jiffies` is where the kernel's clock starts.
 */
export function newState(semantics: Semantics, rules: KernelRules, choose: Clock['choose'] = () => 0, jiffies = 0): ModelState {
  const st: ModelState = {
    semantics,
    rules,
    ctx: undefined as unknown as SchedContext,
    services: new Map(),
    svcPort21: 0,
    svcPort0: 0,
    trash: [],
    trashTimer: newTimer((c, _t, at) => trashExpire(c as ModelState, at), undefined, 'the dest trash timer'),
    conns: new Set(),
    connTable: new Map(),
    templates: new Map(),
    byName: new Map(),
    sockets: new Map(),
    udpSockets: new Map(),
    udpNames: new Set(),
    tcpTimeouts: toJiffies(TCP_DEFAULT_TIMEOUTS_MS, rules.hz),
    udpTimeouts: toJiffies(UDP_DEFAULT_TIMEOUTS_MS, rules.hz),
    sysctls: new Map(),
    reached: {},
    timers: new Set(),
    minBucket: Infinity,
    seq: 0,
    now: { lo: jiffies, hi: jiffies },
    eventHi: jiffies,
    running: undefined,
    choose,
  };
  st.ctx = schedContext(st);
  return st;
}

/** A client address and port as one exact number (48 bits). */
export const clientKey = (caddr: number, cport: number): number => caddr * 65536 + cport;

export function connGet(st: ModelState, svcKey: string, key: number): Conn | undefined {
  return st.connTable.get(svcKey)?.get(key);
}

export function connSet(st: ModelState, cp: Conn): void {
  let m = st.connTable.get(cp.svcKey);
  if (!m) st.connTable.set(cp.svcKey, (m = new Map()));
  m.set(cp.key, cp);
}

export function connDelete(st: ModelState, cp: Conn): void {
  const m = st.connTable.get(cp.svcKey);
  if (m && m.get(cp.key) === cp) m.delete(cp.key);
}
/** ip_vs_ct_in_get() matches protocol, client network, vaddr (a fwmark for fwmark templates), vport. */
export const templateKey = (proto: string, snet: number, vaddr: number, vport: number): string => `${proto}/${snet}>${vaddr}:${vport}`;

/**
 * IPVS sees packets of a family only while it has a service of that family: ip_vs_add_service()
 * registers its netfilter hooks with the first, __ip_vs_del_service() unregisters them with the
 * last. Entries stay (and expire) meanwhile, but no packet reaches them.
 */
export function ipvsSees(st: ModelState, af: 4 | 6): boolean {
  for (const svc of st.services.values()) if (svc.af === af) return true;
  return false;
}

/** A connection's or target's family, from its address id (IPv6 ids are beyond 32 bits). */
export const afOf = (addrId: number): 4 | 6 => (addrId >= 2 ** 32 ? 6 : 4);

/** Marks the model indeterminate from now on (the first reason is kept). */
export function giveUp(st: ModelState, reason: string): void {
  if (st.indeterminate === undefined) st.indeterminate = reason;
}
