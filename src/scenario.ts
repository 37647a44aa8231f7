// A Scenario is what a generator decides to do: plain, YAML-serialisable data. Backends (the
// real kernel, the model) turn it into an Observation; the comparison judges two Observations.
// Nothing here runs anything.

/** Kernel names as pinned in vm/kernels.yaml ("6.1", "6.12"). */
export type KernelName = string;

/** An address and port, "10.2.0.3:80" or "[2001:db8:2::3]:80". */
export type AddrPort = string;

/** A service key (src/service-key.ts): "10.0.0.1:80", "udp/10.0.0.1:53", "fwm/5", "[2001:db8::1]:80", "fwm6/5". */
export type SvcKey = string;

/** Where a client's packets go (src/service-key.ts): "10.0.0.1:80", "udp/10.0.5.7:53", "[2001:db8::1]:80". */
export type TargetKey = string;

/**
 * The fixed guest topology every backend provides (see vm/agent/PROTOCOL.md):
 * - virtual services and fwmark targets live on 10.0.0.0/16, local to the director; packets to
 *   10.0.M.x (M = 1..255) carry firewall mark M (fwm/M services), 10.0.0.x none;
 * - clients are any address in 10.1.0.0/16 (AnyIP in the client namespace);
 * - real servers are any address in 10.2.0.0/16 (AnyIP in the server namespace), any port;
 *   silent servers 10.5.0.0/16, where a SYN or datagram is lost and nothing answers.
 * IPv6 mirrors it (NET6): VIPs and fwmark targets 2001:db8::/48 (2001:db8:0:M::/64 carries mark
 * M), clients 2001:db8:1::/48, real servers 2001:db8:2::/48, silent servers 2001:db8:5::/48.
 * Destinations forward by masquerading, DR (route) or ipip tunnel: the servers also accept the
 * VIPs, and their replies from a VIP go straight to the clients (the director sees one direction).
 */
export const NET = {
  vipPrefix: '10.0.0.',
  clientPrefix: '10.1.',
  serverPrefix: '10.2.',
  /** Silent servers: a SYN or datagram sent there is lost, nothing answers. */
  silentPrefix: '10.5.',
} as const;

/** The IPv6 address plan: the third group of 2001:db8:X::/48 for each role. */
export const NET6 = { vip: 0, client: 1, server: 2, silent: 5 } as const;

/** Service fields sent on add and edit, as `ipvsadm -A/-E -t VIP:PORT -s S [-b F] [-p T [-M M]]`. */
export interface ServiceFields {
  /** Scheduler name as given to `-s`; any string (an unknown one is an input the kernel rejects). */
  scheduler: string;
  /** Scheduler flags for `-b`: sh-fallback, sh-port, mh-fallback, mh-port (flag-1..3 accepted too). */
  flags?: string[];
  /** Persistence timeout in seconds (`-p`); absent means not persistent. */
  persistent?: number;
  /** Persistence netmask (`-M`): a dotted quad, or for an IPv6 service a prefix length ("64"). */
  netmask?: string;
  /** One-packet scheduling (`-o`): every UDP datagram is scheduled on its own. */
  ops?: true;
}

/** Forwarding methods, as ipvsadm's -m (masquerading), -g (gatewaying: DR) and -i (ipip tunnel). */
export const FWD_METHODS = ['masq', 'route', 'tunnel'] as const;
export type FwdMethod = (typeof FWD_METHODS)[number];

/** Destination fields sent on add and edit, as `ipvsadm -a/-e -t VIP -r RS -m|-g|-i -w W -x U -y L`. */
export interface DestFields {
  /** Forwarding method; absent means masquerading. */
  fwd?: FwdMethod;
  weight: number;
  /** Upper connection threshold (`-x`), 0 = none. */
  upper: number;
  /** Lower connection threshold (`-y`), 0 = none. */
  lower: number;
}

export type Event =
  | ({ op: 'svc-add'; svc: SvcKey } & ServiceFields)
  | ({ op: 'svc-edit'; svc: SvcKey } & ServiceFields)
  | { op: 'svc-del'; svc: SvcKey }
  | ({ op: 'dest-add'; svc: SvcKey; dest: AddrPort } & DestFields)
  | ({ op: 'dest-edit'; svc: SvcKey; dest: AddrPort } & DestFields)
  | { op: 'dest-del'; svc: SvcKey; dest: AddrPort }
  /**
   * From client:cport to the target (`svc`): TCP, a handshake to ESTABLISHED; UDP, one datagram
   * and the server's reply. `conn` names it.
   */
  | { op: 'connect'; conn: string; svc: TargetKey; client: string; cport: number }
  /**
   * One more packet on an open connection: TCP a data segment the server reads (and ACKs), UDP a
   * datagram and its reply. Re-arms the connection's timers.
   */
  | { op: 'send'; conn: string }
  /** Close a connection opened by `connect` with FIN from both ends (client first). */
  | { op: 'fin'; conn: string }
  /** Abort a connection with RST from the client. */
  | { op: 'rst'; conn: string }
  /**
   * One more data segment on an open connection, read and ACKed at once by the other end: from the
   * client, or from the server once the client has shut its side. Re-arms the entry's timer.
   */
  | { op: 'send'; conn: string }
  /** TCP half-close: that side sends FIN and the other ACKs it; both keep their sockets open. */
  | { op: 'shut'; conn: string; side: 'client' | 'server' }
  /** A net.ipv4.vs.NAME sysctl of the director's namespace (lblc_expiration: seconds). */
  | { op: 'sysctl'; name: string; value: number }
  /** `ipvsadm --set TCP TCPFIN UDP` in seconds (0 leaves a value unchanged). */
  | { op: 'timeouts'; tcp: number; tcpfin: number; udp: number }
  /** Let time pass in the guest: 0..MAX_WAIT_MS (virtual time makes hours cheap under QEMU). */
  | { op: 'wait'; ms: number };

/** The longest `wait`: 24 h of guest time. */
export const MAX_WAIT_MS = 86_400_000;

export type EventOp = Event['op'];

export interface Scenario {
  /** Format version of this structure, bumped on incompatible change. */
  version: 1;
  events: Event[];
}

/** Short, stable text form of an event, for logs, diffs and shrunk counterexamples. */
export function eventText(e: Event): string {
  switch (e.op) {
    case 'svc-add':
    case 'svc-edit': {
      const parts = [e.scheduler];
      if (e.flags?.length) parts.push(`b=${e.flags.join(',')}`);
      if (e.persistent !== undefined) parts.push(`p=${e.persistent}`);
      if (e.netmask !== undefined) parts.push(`M=${e.netmask}`);
      if (e.ops) parts.push('ops');
      return `${e.op}[${e.svc} ${parts.join(' ')}]`;
    }
    case 'svc-del':
      return `svc-del[${e.svc}]`;
    case 'dest-add':
    case 'dest-edit':
      return `${e.op}[${e.dest} w=${e.weight} x=${e.upper} y=${e.lower}${e.fwd && e.fwd !== 'masq' ? ` ${e.fwd}` : ''}]`;
    case 'dest-del':
      return `dest-del[${e.dest}]`;
    case 'connect':
      return `conn[${e.conn} ${e.client.includes(':') ? `[${e.client}]` : e.client}:${e.cport}]`;
    case 'send':
      return `send[${e.conn}]`;
    case 'fin':
      return `fin[${e.conn}]`;
    case 'rst':
      return `rst[${e.conn}]`;
    case 'send':
      return `send[${e.conn}]`;
    case 'shut':
      return `shut[${e.conn} ${e.side}]`;
    case 'sysctl':
      return `sysctl[${e.name}=${e.value}]`;
    case 'timeouts':
      return `timeouts[${e.tcp} ${e.tcpfin} ${e.udp}]`;
    case 'wait':
      return `wait[${e.ms}ms]`;
  }
}
