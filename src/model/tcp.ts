// The TCP state machine of net/netfilter/ipvs/ip_vs_proto_tcp.c (tcp_states, not the secure_tcp
// "dos" table, which is off by default), and the default timeouts (tcp_timeouts).
export const S = {
  NONE: 0,
  ESTABLISHED: 1,
  SYN_SENT: 2,
  SYN_RECV: 3,
  FIN_WAIT: 4,
  TIME_WAIT: 5,
  CLOSE: 6,
  CLOSE_WAIT: 7,
  LAST_ACK: 8,
  LISTEN: 9,
  SYNACK: 10,
} as const;

export const TCP_STATE_NAMES = [
  'NONE', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'SYNACK',
];

/** tcp_state_active_table */
export const TCP_STATE_ACTIVE = [false, true, true, true, false, false, false, false, false, false, true];

/** tcp_timeouts, in ms (HZ-exact multiples). */
export const TCP_DEFAULT_TIMEOUTS_MS = [2e3, 900e3, 120e3, 60e3, 120e3, 120e3, 10e3, 60e3, 30e3, 120e3, 120e3];

/** udp_timeouts (ip_vs_proto_udp.c), in ms: [IP_VS_UDP_S_NORMAL, IP_VS_UDP_S_LAST]. */
export const UDP_DEFAULT_TIMEOUTS_MS = [300e3, 2e3];

/** Packet kinds by tcp_state_idx(): rst > syn > fin > ack. */
export const Flag = { SYN: 0, FIN: 1, ACK: 2, RST: 3 } as const;
export type Flag = (typeof Flag)[keyof typeof Flag];

/** tcp_state_off[]: TCP_DIR_INPUT 0, TCP_DIR_OUTPUT 4, TCP_DIR_INPUT_ONLY 8 (IP_VS_CONN_F_NOOUTPUT). */
export const Dir = { IN: 0, OUT: 4, INPUT_ONLY: 8 } as const;
export type Dir = (typeof Dir)[keyof typeof Dir];

// The kernel's state numbers; sNO (0) and sSA (10) are never a table cell here.
const [, sES, sSS, sSR, sFW, sTW, sCL, sCW, sLA, sLI] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const TABLE: number[][] = [
  //  sNO  sES  sSS  sSR  sFW  sTW  sCL  sCW  sLA  sLI  sSA      INPUT
  [sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR], // syn
  [sCL, sCW, sSS, sTW, sTW, sTW, sCL, sCW, sLA, sLI, sTW], // fin
  [sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES], // ack
  [sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sSR], // rst
  //                                                          OUTPUT
  [sSS, sES, sSS, sSR, sSS, sSS, sSS, sSS, sSS, sLI, sSR], // syn
  [sTW, sFW, sSS, sTW, sFW, sTW, sCL, sTW, sLA, sLI, sTW], // fin
  [sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sLA, sES, sES], // ack
  [sCL, sCL, sSS, sCL, sCL, sTW, sCL, sCL, sCL, sCL, sCL], // rst
  //                                                          INPUT-ONLY
  [sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR], // syn
  [sCL, sFW, sSS, sTW, sFW, sTW, sCL, sCW, sLA, sLI, sTW], // fin
  [sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES], // ack
  [sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sCL], // rst
];

/** tcp_state_table[state_off + state_idx].next_state[cp->state]; `row` is dir + flag. */
export function nextState(state: number, row: number): number {
  return TABLE[row]![state]!;
}

/**
 * The packets the agent's traffic puts on the wire (vm/agent/PROTOCOL.md), in order, each as
 * `dir + flag` (the row of the state table): a flat list so the hot path allocates nothing.
 * A DR or tunnel connection's OUT packets go straight to the client and never reach IPVS.
 */
export const CONNECT_PACKETS: readonly number[] = [
  Dir.IN + Flag.SYN, // client SYN
  Dir.OUT + Flag.SYN, // server SYN-ACK (syn wins over ack in tcp_state_idx)
  Dir.IN + Flag.ACK, // client ACK
];
/** One side's FIN and the other's ACK of it (`shut`, and each half of `fin`). */
export const CLIENT_FIN: readonly number[] = [Dir.IN + Flag.FIN, Dir.OUT + Flag.ACK];
export const SERVER_FIN: readonly number[] = [Dir.OUT + Flag.FIN, Dir.IN + Flag.ACK];
/** A data segment and its ACK (`send`): from the client, or from the server. */
export const CLIENT_DATA: readonly number[] = [Dir.IN + Flag.ACK, Dir.OUT + Flag.ACK];
export const SERVER_DATA: readonly number[] = [Dir.OUT + Flag.ACK, Dir.IN + Flag.ACK];
export const RST_PACKETS: readonly number[] = [Dir.IN + Flag.RST];
/** A SYN to a silent server: only the client's SYN crosses IPVS, and the client then goes quiet. */
export const SILENT_PACKETS: readonly number[] = [Dir.IN + Flag.SYN];

/**
 * LAST_ACK is never entered from traffic: in tcp_states[] (and tcp_states_dos[]) of
 * ip_vs_proto_tcp.c, sLA appears only in the sLA column, so only an entry already in LAST_ACK
 * stays there. A test checks this against the table above.
 */
export const UNREACHABLE_STATES: readonly number[] = [S.LAST_ACK];

/** The rows of the state table, for tests. */
export const STATE_TABLE: readonly (readonly number[])[] = TABLE;
