/**
 * The one error registry. Every error the daemon reports has a stable code
 * `ORC_ERR_<AREA>_<PROBLEM>`, a message template and an HTTP status. Areas define their codes
 * in their own module (`daemon/errors/<area>.ts`) with {@link defineErrors}; `docs/errors.md`
 * is generated from the registry and a test fails when it is stale.
 *
 * @example
 * ```ts
 * export const LedgerErrors = defineErrors('LEDGER', {
 *   UNAVAILABLE: { status: 503, message: 'ledger unavailable: {reason}', doc: 'The ledger could not be written.' },
 * });
 * throw new OrchestratorError(LedgerErrors.UNAVAILABLE, { reason: 'connection refused' });
 * ```
 */

export interface ErrorSpec {
  /** HTTP status when this error answers a request. */
  readonly status: number;
  /** Message template; `{name}` is replaced from the error's params. */
  readonly message: string;
  /** One or two sentences for docs/errors.md: what it means and what to do. */
  readonly doc: string;
  /** Whether retrying the same operation later can succeed. @defaultValue false */
  readonly retryable?: boolean;
}

export interface ErrorCode extends ErrorSpec {
  readonly code: string;
  readonly area: string;
}

const REGISTRY = new Map<string, ErrorCode>();

/** Registers the codes of one area; returns them keyed by problem name. */
export function defineErrors<const T extends Record<string, ErrorSpec>>(
  area: string,
  specs: T,
): { readonly [K in keyof T]: ErrorCode } {
  const out: Record<string, ErrorCode> = {};
  for (const [problem, spec] of Object.entries(specs)) {
    const code = `ORC_ERR_${area}_${problem}`;
    if (REGISTRY.has(code)) throw new Error(`duplicate error code ${code}`);
    const entry = { ...spec, code, area };
    REGISTRY.set(code, entry);
    out[problem] = entry;
  }
  return out as { readonly [K in keyof T]: ErrorCode };
}

/** Every registered code (after the area modules have been imported). */
export function allErrorCodes(): ErrorCode[] {
  return [...REGISTRY.values()].sort((a, b) => a.code.localeCompare(b.code));
}

function render(template: string, params: Readonly<Record<string, unknown>>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}

/**
 * The daemon's error class. Control flow matches on `instanceof` and `code`, never on message
 * text. Params must not contain secrets: the message is logged and returned to clients.
 */
export class OrchestratorError extends Error {
  readonly code: string;
  readonly status: number;
  readonly retryable: boolean;
  readonly params: Readonly<Record<string, unknown>>;

  constructor(
    spec: ErrorCode,
    params: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(render(spec.message, params), options);
    this.name = 'OrchestratorError';
    this.code = spec.code;
    this.status = spec.status;
    this.retryable = spec.retryable ?? false;
    this.params = params;
  }

  /** The JSON body an HTTP error answer carries. */
  toJSON(): { error: { code: string; message: string; details?: Record<string, unknown> } } {
    const details = this.params.details;
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(details && typeof details === 'object' ? { details: details as Record<string, unknown> } : {}),
      },
    };
  }
}
