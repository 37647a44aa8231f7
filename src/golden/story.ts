// The builder golden templates are written with, so each reads as the story it tells.
import type { DestFields, Event, Scenario, ServiceFields } from '../scenario.js';

export const SVC = '10.0.0.1:80';
export const SVC6 = '[2001:db8::1]:80';
export const rs = (n: number, port = 80): string => `10.2.0.${n}:${port}`;
export const rs6 = (n: number, port = 80): string => `[2001:db8:2::${n.toString(16)}]:${port}`;

/** A small builder so each template reads as the story it tells (af 6: the IPv6 address plan). */
export class Story {
  readonly events: Event[] = [];
  private conns = 0;
  private port = 40000;
  /** The service later events name (SVC or SVC6 unless `service` or `on` chose another). */
  private svc: string;

  constructor(
    scheduler: string,
    extra: Omit<ServiceFields, 'scheduler'> = {},
    private readonly af: 4 | 6 = 4,
    svc?: string,
  ) {
    this.svc = svc ?? (af === 6 ? SVC6 : SVC);
    this.events.push({ op: 'svc-add', svc: this.svc, scheduler, ...extra });
  }
  /** svc-edit of the current service with these fields (`ipvsadm -E` gives every field anew). */
  svcEdit(f: ServiceFields): this {
    this.events.push({ op: 'svc-edit', svc: this.svc, ...f });
    return this;
  }
  /** Adds another service (or the same again) and makes it the current one. */
  service(svc: string, scheduler: string, extra: Omit<ServiceFields, 'scheduler'> = {}): this {
    this.svc = svc;
    this.events.push({ op: 'svc-add', svc, scheduler, ...extra });
    return this;
  }
  /** Makes `svc` the service later events name. */
  on(svc: string): this {
    this.svc = svc;
    return this;
  }
  svcDel(): this {
    this.events.push({ op: 'svc-del', svc: this.svc });
    return this;
  }
  add(dest: string, f: Partial<DestFields> = {}): this {
    this.events.push({ op: 'dest-add', svc: this.svc, dest, weight: 1, upper: 0, lower: 0, ...f });
    return this;
  }
  edit(dest: string, f: Partial<DestFields> = {}): this {
    this.events.push({ op: 'dest-edit', svc: this.svc, dest, weight: 1, upper: 0, lower: 0, ...f });
    return this;
  }
  del(dest: string): this {
    this.events.push({ op: 'dest-del', svc: this.svc, dest });
    return this;
  }
  /** Opens n connections to the current service, client i from 10.1.<net>.<i> (IPv6: 2001:db8:1:<net>::<i>); returns their names. */
  connect(n: number, net = 0, host0 = 1): string[] {
    return this.connectTo(this.svc, n, net, host0);
  }
  /**
   * Opens n connections to a target (a fwmark target's address host runs on: `10.0.5.{h}` with
   * h = 1.. when the target has `{h}`), clients as connect's.
   */
  connectTo(target: string, n: number, net = 0, host0 = 1): string[] {
    const names: string[] = [];
    for (let i = 0; i < n; i++) {
      const conn = `c${++this.conns}`;
      const h = host0 + i;
      const v6 = net ? `2001:db8:1:${net.toString(16)}::${h.toString(16)}` : `2001:db8:1::${h.toString(16)}`;
      const svc = target.replace('{h}', String(i + 1));
      this.events.push({ op: 'connect', conn, svc, client: this.af === 6 ? v6 : `10.1.${net}.${h}`, cport: this.port++ });
      names.push(conn);
    }
    return names;
  }
  fin(...conns: string[]): this {
    for (const conn of conns) this.events.push({ op: 'fin', conn });
    return this;
  }
  rst(...conns: string[]): this {
    for (const conn of conns) this.events.push({ op: 'rst', conn });
    return this;
  }
  wait(ms: number): this {
    this.events.push({ op: 'wait', ms });
    return this;
  }
  send(...conns: string[]): this {
    for (const conn of conns) this.events.push({ op: 'send', conn });
    return this;
  }
  shut(side: 'client' | 'server', ...conns: string[]): this {
    for (const conn of conns) this.events.push({ op: 'shut', conn, side });
    return this;
  }
  timeouts(tcp: number, tcpfin: number, udp: number): this {
    this.events.push({ op: 'timeouts', tcp, tcpfin, udp });
    return this;
  }
  sysctl(name: string, value: number): this {
    this.events.push({ op: 'sysctl', name, value });
    return this;
  }
  /** Opens a connection from a given client address and port (port reuse). */
  connectFrom(client: string, cport: number): string {
    const conn = `c${++this.conns}`;
    this.events.push({ op: 'connect', conn, svc: this.svc, client, cport });
    return conn;
  }
  done(): Scenario {
    return { version: 1, events: this.events };
  }
}

