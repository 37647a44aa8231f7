// The agent's sockets and the traffic it sends on an open connection (vm/agent/PROTOCOL.md):
// `fin`, `shut`, `send` and `rst` by connection name. The agent's state of a name (closed, which
// side shut) is its own: the IPVS entry under it may expire, or be taken over by a later connect
// from the same client address and port.
import type { OpError } from '../observation.js';
import { packet } from './conns.js';
import { opError } from './errno.js';
import { afOf, type AgentConn, ipvsSees, type ModelState } from './state.js';
import { CLIENT_DATA, CLIENT_FIN, Dir, RST_PACKETS, SERVER_DATA, SERVER_FIN } from './tcp.js';

/** The agent's connection of that name while its sockets are open, or undefined (nothing is sent). */
function open(st: ModelState, name: string): AgentConn | undefined {
  const ac = st.byName.get(name);
  return ac && !ac.closed ? ac : undefined;
}

/** The agent closes the connection's sockets (without another packet, when it gives up). */
function closeSockets(st: ModelState, ac: AgentConn): void {
  ac.closed = true;
  for (const [k, v] of st.sockets) if (v === ac) st.sockets.delete(k);
}

/**
 * One half of the traffic on an open connection: a FIN or a data segment from one side and the
 * other side's ACK. The first packet reaches its peer only through the IPVS entry: with the entry
 * expired (the director's own stack answers) or, coming from the client, its dest deleted
 * (ip_vs_in: NF_DROP with expire_nodest_conn 0), it is lost and the agent reports ETIMEDOUT.
 */
function half(st: ModelState, ac: AgentConn, packets: readonly number[]): OpError | undefined {
  const cp = ac.cp;
  const fromClient = packets[0]! < Dir.OUT;
  // No service of its family: IPVS sees nothing; the director's own TCP or the client resets the
  // other side's packet, which never arrives.
  if (!ipvsSees(st, afOf(cp.vaddr))) return lost(st, ac);
  if (cp.direct) return directHalf(st, ac, packets, fromClient);
  if (!cp.live || (fromClient && !cp.dest.available)) {
    closeSockets(st, ac);
    return opError('ETIMEDOUT');
  }
  packet(st, cp, packets[0]!);
  // The server's packet passed (ip_vs_out does not look at the dest), the client's ACK is dropped:
  // the agent finds it unacknowledged and closes both sockets before the server retransmits.
  if (!cp.dest.available) return lost(st, ac);
  packet(st, cp, packets[1]!);
  return undefined;
}

/** An ACK IPVS dropped: the agent gives the connection up (ETIMEDOUT). */
function lost(st: ModelState, ac: AgentConn): OpError {
  closeSockets(st, ac);
  return opError('ETIMEDOUT');
}

/**
 * half() for a DR or tunnel connection: the server's packets go straight to the client and never
 * meet IPVS, so they always arrive; only the client's reach the director. A client packet on an
 * expired entry or a deleted dest is lost as with masquerading; so is the client's ACK of a server
 * packet (ip_vs_in: NF_DROP before any state or timer change, or, with the entry expired, the
 * director's own TCP resets the client): the agent finds it unacknowledged and gives up.
 */
function directHalf(st: ModelState, ac: AgentConn, packets: readonly number[], fromClient: boolean): OpError | undefined {
  const cp = ac.cp;
  if (fromClient) {
    if (!cp.live || !cp.dest.available) return lost(st, ac);
    packet(st, cp, packets[0]!);
    return undefined;
  }
  // the client's ACK: no entry (the director's own TCP resets the client) or a deleted dest (dropped)
  if (!cp.live || !cp.dest.available) return lost(st, ac);
  packet(st, cp, packets[1]!);
  return undefined;
}

/** `fin`: whichever side has not sent its FIN does (the client first), then both sockets close. */
export function fin(st: ModelState, name: string): OpError | undefined {
  const ac = open(st, name);
  if (!ac) return undefined;
  let err = ac.cliShut ? undefined : half(st, ac, CLIENT_FIN);
  if (!err && !ac.srvShut) err = half(st, ac, SERVER_FIN);
  closeSockets(st, ac);
  return err;
}

/** `shut`: one side's FIN, ACKed at once; both sockets stay open. */
export function shut(st: ModelState, name: string, side: 'client' | 'server'): OpError | undefined {
  const ac = open(st, name);
  if (!ac || (side === 'client' ? ac.cliShut : ac.srvShut)) return undefined;
  const err = half(st, ac, side === 'client' ? CLIENT_FIN : SERVER_FIN);
  if (side === 'client') ac.cliShut = true;
  else ac.srvShut = true;
  return err;
}

/** `send`: a data segment from the client (from the server once the client has shut), and its ACK. */
export function send(st: ModelState, name: string): OpError | undefined {
  const ac = open(st, name);
  if (!ac || (ac.cliShut && ac.srvShut)) return undefined;
  return half(st, ac, ac.cliShut ? SERVER_DATA : CLIENT_DATA);
}

/**
 * `rst`: the client's RST. Nothing is sent once both sides have shut (the client socket is closed
 * already); a RST to an expired entry or a deleted dest is lost without an error.
 */
export function rst(st: ModelState, name: string): OpError | undefined {
  const ac = open(st, name);
  if (!ac) return undefined;
  closeSockets(st, ac);
  const cp = ac.cp;
  if ((ac.cliShut && ac.srvShut) || !cp.live || !cp.dest.available || !ipvsSees(st, afOf(cp.vaddr))) return undefined;
  for (let i = 0; i < RST_PACKETS.length; i++) packet(st, cp, RST_PACKETS[i]!);
  return undefined;
}
