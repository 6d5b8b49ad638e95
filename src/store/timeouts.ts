/**
 * How long a node waits for PostgreSQL. Every call is bounded, so a silent network (a
 * firewall dropping packets, a cut cable) turns into a prompt failure instead of a wait on
 * the kernel's retransmissions, which grow with the length of the cut. The defaults follow
 * from the node's liveness settings: a heartbeat gets no more than its interval, and no
 * other call more than half the node timeout (plus a second for the answer to travel).
 */
export interface DatabaseTimeouts {
  /** The server cancels a statement that runs longer (statement_timeout). */
  readonly statementMs: number;
  /**
   * A call (a statement, or a transaction with all its statements) gets its answer within
   * this, counted from the moment it asks for a connection; past it the connection is dropped.
   */
  readonly queryMs: number;
  /** Getting a connection: a free one from the pool, or a new one (TCP, TLS, authentication). */
  readonly connectMs: number;
  /** The whole of a heartbeat, clock reading or readiness ping, on the control connection. */
  readonly controlMs: number;
}

/** The settings the bounds follow from; null or absent means "derive it". */
export interface TimeoutSettings {
  readonly heartbeatIntervalMs: number;
  readonly nodeTimeoutMs: number;
  readonly dbStatementTimeoutMs?: number | null;
  readonly dbQueryTimeoutMs?: number | null;
  readonly dbConnectTimeoutMs?: number | null;
}

/** A statement's answer may take this long to travel once the server has cancelled it. */
const ANSWER_MARGIN_MS = 1000;
/** Below this, opening a connection over TLS to a distant server fails for no fault of the network. */
const MIN_CONNECT_MS = 1000;

export function databaseTimeouts(settings: TimeoutSettings): DatabaseTimeouts {
  const statementMs = settings.dbStatementTimeoutMs ?? Math.max(1000, Math.round(settings.nodeTimeoutMs / 2));
  return {
    statementMs,
    queryMs: settings.dbQueryTimeoutMs ?? statementMs + ANSWER_MARGIN_MS,
    connectMs: settings.dbConnectTimeoutMs ?? Math.max(MIN_CONNECT_MS, settings.heartbeatIntervalMs),
    controlMs: settings.heartbeatIntervalMs,
  };
}
