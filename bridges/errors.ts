/**
 * The one error envelope every bridge and connector reports: `{connector, code, retryable,
 * status, message}`. Control flow matches on the classes (`instanceof`), never on message text.
 *
 * The invariant `err.retryable === err instanceof RetryableConnectorError` always holds, so
 * callers can use whichever reads better. Messages are built by the bridges themselves from
 * fixed wording plus non-secret facts (status codes, remote error codes): they are safe to log,
 * to store in the ledger and to return to clients.
 */

/** Stable codes of the envelope. The daemon maps them onto its own `ORC_ERR_*` registry. */
export const CONNECTOR_ERROR_CODES = [
  /** The HTTP exchange (request, redirects, body) did not finish within the timeout. */
  'TIMEOUT',
  /** The connection failed (refused, reset, DNS). */
  'NETWORK',
  /** The peer answered 5xx. */
  'HTTP_5XX',
  /** The peer answered 429 (or 408): slow down and try again later. */
  'RATE_LIMITED',
  /** The peer answered another 4xx (wrong URL, deployment not public, …). */
  'HTTP_4XX',
  /** The peer answered something that is not the protocol (HTML page, bad JSON, wrong shape). */
  'BAD_RESPONSE',
  /** The peer understood the request and refused or failed it (`ok:false`); see `remoteCode`. */
  'REMOTE_ERROR',
  /** The circuit breaker is open: the call was not attempted. */
  'CIRCUIT_OPEN',
  /** No connector (or service) is configured for what was asked. */
  'NOT_CONFIGURED',
  /** The caller aborted (shutdown, its own deadline). */
  'CANCELLED',
  /** The request itself cannot be sent (params that are not JSON, missing fields). */
  'INVALID_REQUEST',
  /** An amount or currency the caller stated differs from what the target computed. */
  'TOTAL_MISMATCH',
  /**
   * The request contradicts state recorded earlier (same draft paid with another reference, …),
   * or a concurrent update changed the state first (compare-and-set lost).
   */
  'CONFLICT',
  /** A checkout leg failed after payment: the leg is failed and a refund was requested. */
  'CHECKOUT_FAILED',
  /** A fan-out connector asked several peers (discovery partners) and every one failed. */
  'PARTNERS_UNAVAILABLE',
  /** Too many calls of this connector are running and waiting in this replica: not attempted. */
  'BULKHEAD_FULL',
  /** What the command names (a session, a leg) does not exist or is not the caller's. */
  'NOT_FOUND',
  /** The state machine does not allow the asked move (e.g. a leg from committed to ready). */
  'INVALID_TRANSITION',
] as const;
export type ConnectorErrorCode = (typeof CONNECTOR_ERROR_CODES)[number];

/** The serialisable envelope (`JSON.stringify(err)` gives exactly this). */
export interface ConnectorErrorEnvelope {
  readonly connector: string;
  readonly code: ConnectorErrorCode;
  readonly retryable: boolean;
  /** HTTP status of the final response, or null when there was none. */
  readonly status: number | null;
  readonly message: string;
  /** The code the remote end reported with `ok:false` (e.g. `BAD_SIGNATURE`), when there was one. */
  readonly remoteCode?: string;
}

/** What a bridge knows when it raises an error; `retryable` follows from the class. */
export interface ConnectorErrorInit {
  readonly connector: string;
  readonly code: ConnectorErrorCode;
  readonly message: string;
  readonly status?: number | null;
  readonly remoteCode?: string;
  /**
   * Non-secret facts the daemon records as the FAILED action's `result` (e.g. which checkout
   * leg failed and whether a refund was requested), for whoever picks the failure up.
   */
  readonly details?: Readonly<Record<string, unknown>>;
  /** Asks the daemon to raise an alert about this failure (connectors cannot reach alerts). */
  readonly alert?: ConnectorAlertRequest;
}

/** An alert a connector asks the daemon to raise; the daemon adds agent and action ids. */
export interface ConnectorAlertRequest {
  /** Stable kind, e.g. `checkout_failed`. */
  readonly kind: string;
  readonly severity: 'critical' | 'high' | 'warning' | 'info';
  /** One line for a person; no secrets. */
  readonly summary: string;
  /** @defaultValue ['operations'] */
  readonly teams?: readonly string[];
}

/**
 * Base class: a connector call failed and retrying the same call will not help.
 *
 * @example
 * ```ts
 * try {
 *   await bridge.call({ action_id, command_type, params });
 * } catch (err) {
 *   if (err instanceof RetryableConnectorError) return keepQueued(err.toJSON());
 *   if (err instanceof ConnectorError) return markFailed(err.code, err.message);
 *   throw err;
 * }
 * ```
 */
export class ConnectorError extends Error {
  readonly connector: string;
  readonly code: ConnectorErrorCode;
  readonly retryable: boolean = false;
  readonly status: number | null;
  readonly remoteCode: string | undefined;
  /** See {@link ConnectorErrorInit.details}; not part of the envelope. */
  readonly details: Readonly<Record<string, unknown>> | undefined;
  /** See {@link ConnectorErrorInit.alert}; not part of the envelope. */
  readonly alert: ConnectorAlertRequest | undefined;

  constructor(init: ConnectorErrorInit, options?: { cause?: unknown }) {
    super(init.message, options);
    this.name = 'ConnectorError';
    this.connector = init.connector;
    this.code = init.code;
    this.status = init.status ?? null;
    this.remoteCode = init.remoteCode;
    this.details = init.details;
    this.alert = init.alert;
  }

  /** The envelope; `cause` and stack stay out so nothing unexpected reaches logs or clients. */
  toJSON(): ConnectorErrorEnvelope {
    const out: ConnectorErrorEnvelope = {
      connector: this.connector,
      code: this.code,
      retryable: this.retryable,
      status: this.status,
      message: this.message,
    };
    return this.remoteCode === undefined ? out : { ...out, remoteCode: this.remoteCode };
  }
}

/**
 * A transient failure: the same call may succeed later. Bridges retry these themselves (with
 * backoff) before giving up; what escapes means "keep the command and try again later".
 *
 * @example
 * ```ts
 * throw new RetryableConnectorError({ connector: 'apps-script', code: 'HTTP_5XX', status: 503, message: 'Apps Script answered 503' });
 * ```
 */
export class RetryableConnectorError extends ConnectorError {
  override readonly retryable: boolean = true;

  constructor(init: ConnectorErrorInit, options?: { cause?: unknown }) {
    super(init, options);
    this.name = 'RetryableConnectorError';
  }
}

/**
 * Nothing is configured to run this command type (or this service): the command ends FAILED
 * with code `NOT_CONFIGURED` instead of being retried forever.
 *
 * @example
 * ```ts
 * throw new ConnectorNotConfiguredError({ connector: 'registry', commandType: 'REFRESH_TOKEN', message: 'no connector is configured for command type "REFRESH_TOKEN"' });
 * ```
 */
export class ConnectorNotConfiguredError extends ConnectorError {
  /** The command type that has no connector, when that is what is missing. */
  readonly commandType: string | undefined;

  constructor(init: Omit<ConnectorErrorInit, 'code'> & { readonly commandType?: string }) {
    super({ ...init, code: 'NOT_CONFIGURED' });
    this.name = 'ConnectorNotConfiguredError';
    this.commandType = init.commandType;
  }
}

/**
 * The circuit breaker is open, so the call failed fast without reaching the peer. Retryable:
 * the breaker half-opens after its delay and a later attempt may go through.
 *
 * @example
 * ```ts
 * if (err instanceof CircuitOpenError) log.warn({ connector: err.connector }, 'breaker open');
 * ```
 */
export class CircuitOpenError extends RetryableConnectorError {
  constructor(init: Omit<ConnectorErrorInit, 'code'>, options?: { cause?: unknown }) {
    super({ ...init, code: 'CIRCUIT_OPEN' }, options);
    this.name = 'CircuitOpenError';
  }
}

/**
 * This replica refused to send the call: the connector's shared rate limit has no slot within
 * the allowed wait (or could not be checked). Retryable; nothing reached the peer, so it never
 * counts against the peer's circuit breaker. A peer's own 429 is a plain
 * `RetryableConnectorError` with code `RATE_LIMITED`.
 *
 * @example
 * ```ts
 * throw new RateLimitedError({ connector: 'shopify-admin', message: 'next slot in 3000 ms' });
 * ```
 */
export class RateLimitedError extends RetryableConnectorError {
  constructor(init: Omit<ConnectorErrorInit, 'code'>, options?: { cause?: unknown }) {
    super({ ...init, code: 'RATE_LIMITED' }, options);
    this.name = 'RateLimitedError';
  }
}
