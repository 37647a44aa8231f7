// The verdict on one case: the first difference between what the kernel did and what the model
// says it should do. Three-valued, as in Jepsen: agree, diverge, or unknown when the model itself
// cannot say (a timer fell inside the uncertainty of the guest's clock).

/** What differed: an event's error, a connection's destination, the table, or a final listing. */
/** `law`: a random-by-design scheduler's picks (twos) do not follow the distribution it implies. */
export type DiffKind = 'error' | 'dest' | 'table' | 'list' | 'thresholds' | 'persistent' | 'conns' | 'law';

export interface Divergence {
  kind: 'diverge';
  /** Index of the event after which the difference showed; events.length for the final listings. */
  stepIndex: number;
  /** The event's short text (eventText), or "listings" for the final listings. */
  event: string;
  what: DiffKind;
  /** What the model expected, as text. */
  expected: string;
  /** What the kernel did, as text. */
  got: string;
  /** A readable side-by-side diff (model | kernel) with the event that caused it. */
  diff: string;
}

export type Verdict =
  | { kind: 'agree' }
  | Divergence
  | { kind: 'unknown'; stepIndex: number; reason: string; difference: Divergence };
