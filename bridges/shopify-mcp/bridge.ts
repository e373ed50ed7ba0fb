/**
 * The Shopify Storefront MCP bridge: `tools/call search_shop_catalog` on one shop's MCP endpoint
 * (`https://{shop}.myshopify.com/api/mcp`, JSON-RPC over MCP's streamable HTTP transport), with
 * the official SDK's `Client`.
 *
 * One call is one short MCP session: initialize, `tools/call`, close. Storefront MCP needs no
 * credentials, so there is nothing to keep between calls, and a fresh session per call means a
 * partner that restarted or dropped our session id costs nothing.
 *
 * One deadline covers the whole exchange (initialize included): it aborts the HTTP requests
 * themselves (through the transport's `fetch`), not only our wait for them, so a hanging partner
 * holds no socket once its time is up. The caller's signal (shutdown) aborts the same way.
 *
 * Resilience is per partner: every partner has its own `ConnectorResilience` (connector name
 * `shopify-mcp:<partner slug>`), so its own circuit breaker, shared rate-limit bucket and
 * bulkhead. One partner down opens only its own breaker; the others keep answering. The map of
 * partners is bounded (`maxPartners`, least recently used first out), so a stream of unknown
 * endpoints cannot grow it without end; an evicted partner starts again with a closed breaker.
 *
 * One attempt per search by default: a search is idempotent, but discovery's budget per partner
 * (3 s by default) leaves no room for a second attempt; a partner that fails is reported as
 * failed and the others' results are returned. `retry.attempts` may raise it.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { ConnectorError, type ConnectorErrorInit, RetryableConnectorError } from '../errors.ts';
import { classifyStatus, networkCode } from '../http.ts';
import { type ConnectorHealth, ConnectorResilience, type ResilienceOptions } from '../resilience/index.ts';

/** The Storefront MCP tool this bridge calls. */
export const SEARCH_TOOL = 'search_shop_catalog';

export interface ShopifyMcpBridgeOptions {
  /** The whole exchange with one partner: initialize, call, answer. @defaultValue 3_000 */
  readonly timeoutMs?: number;
  /**
   * `context` argument of `search_shop_catalog` (Shopify documents it as required: what the
   * search is for, to tailor results). @defaultValue SHOPIFY_MCP_DEFAULTS.context
   */
  readonly context?: string;
  /** Largest tool result text accepted, in characters. @defaultValue 2_000_000 */
  readonly maxResultChars?: number;
  /**
   * Prefix of each partner's connector name (`<name>:<partner>`) in error envelopes, health and
   * metrics. @defaultValue 'shopify-mcp'
   */
  readonly name?: string;
  /**
   * Resilience options of one partner, by its connector name (`shopify-mcp:<slug>`): retry,
   * breaker, rate limit, bulkhead, event listener, and a `timeoutMs` that replaces `timeoutMs`
   * above for that partner. @defaultValue one attempt, the layer's other defaults
   */
  readonly resilience?: (connector: string) => ResilienceOptions;
  /** Partners whose breakers are kept (least recently used evicted). @defaultValue 256 */
  readonly maxPartners?: number;
  /** The fetch to use. @defaultValue globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** Defaults of {@link ShopifyMcpBridgeOptions}. */
export const SHOPIFY_MCP_DEFAULTS = {
  timeoutMs: 3_000, // per partner, initialize + tools/call + answer
  context: 'Product discovery for a curated marketplace of partner shops.',
  maxResultChars: 2_000_000, // characters of the tool's text result
  name: 'shopify-mcp',
  attempts: 1, // per search; the partner deadline leaves no room for a second
  maxPartners: 256, // partner breakers kept, least recently used evicted
} as const;

export interface CatalogSearch {
  /** The partner's MCP endpoint. */
  readonly endpoint: string;
  /**
   * The partner's slug: its breaker, rate limit and metrics are `shopify-mcp:<partner>`.
   * @defaultValue the endpoint's host
   */
  readonly partner?: string;
  readonly query: string;
  /** Passed on as `limit`; partners may return fewer (or, if they ignore it, more). */
  readonly limit?: number;
}

/** What `search_shop_catalog` answered: its products, unmapped and untrusted. */
export interface CatalogSearchResult {
  readonly products: readonly Record<string, unknown>[];
}

/**
 * Searches partners' catalogs through their Storefront MCP endpoints.
 *
 * @example
 * ```ts
 * const bridge = new ShopifyMcpBridge({ timeoutMs: 3_000 });
 * const { products } = await bridge.searchCatalog(
 *   { endpoint: 'https://alpine-outfitters.myshopify.com/api/mcp', query: 'rain jacket', limit: 10 },
 *   AbortSignal.timeout(60_000),
 * );
 * // products[0] → { product_id: 'gid://shopify/Product/123', title: '…', price_range: { min: '89.00', max: '89.00', currency: 'USD' }, … }
 * ```
 */
export class ShopifyMcpBridge {
  readonly name: string;
  readonly #timeoutMs: number;
  readonly #context: string;
  readonly #maxResultChars: number;
  readonly #fetch: typeof fetch;
  readonly #resilienceOptions: NonNullable<ShopifyMcpBridgeOptions['resilience']>;
  readonly #maxPartners: number;
  /** Insertion order is recency: a hit is moved to the end, the first entry is evicted. */
  readonly #partners = new Map<string, ConnectorResilience>();

  constructor(options: ShopifyMcpBridgeOptions = {}) {
    const d = SHOPIFY_MCP_DEFAULTS;
    this.name = options.name ?? d.name;
    this.#timeoutMs = positive('timeoutMs', options.timeoutMs ?? d.timeoutMs);
    this.#maxResultChars = positive('maxResultChars', options.maxResultChars ?? d.maxResultChars);
    this.#context = options.context ?? d.context;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#resilienceOptions = options.resilience ?? (() => ({}));
    this.#maxPartners = Math.floor(positive('maxPartners', options.maxPartners ?? d.maxPartners));
  }

  /**
   * Each partner's breaker state, last error and counters, keyed by connector name
   * (`shopify-mcp:<slug>`), for `/readyz` details. Partners not searched since start are absent.
   *
   * @example
   * ```ts
   * bridge.health(); // → { 'shopify-mcp:alpine': { state: 'closed', counters: { calls: 4, … } } }
   * ```
   */
  health(): Record<string, ConnectorHealth> {
    const out: Record<string, ConnectorHealth> = {};
    for (const r of this.#partners.values()) out[r.connector] = r.health();
    return out;
  }

  /** The partner's resilience layer, created on first use (and evicting the oldest past the bound). */
  #resilienceOf(partner: string): ConnectorResilience {
    const connector = `${this.name}:${partner}`;
    const known = this.#partners.get(connector);
    if (known) {
      this.#partners.delete(connector);
      this.#partners.set(connector, known);
      return known;
    }
    const given = this.#resilienceOptions(connector);
    const r = new ConnectorResilience(connector, {
      ...given,
      retry: { ...given.retry, attempts: given.retry?.attempts ?? SHOPIFY_MCP_DEFAULTS.attempts },
      timeoutMs: given.timeoutMs ?? this.#timeoutMs,
    });
    this.#partners.set(connector, r);
    while (this.#partners.size > this.#maxPartners) {
      const oldest = this.#partners.keys().next().value;
      if (oldest === undefined) break;
      this.#partners.delete(oldest);
    }
    return r;
  }

  /** The deadline of one partner exchange, in milliseconds. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /**
   * Calls `search_shop_catalog` on one endpoint and returns its products.
   *
   * @example
   * ```ts
   * try {
   *   const { products } = await bridge.searchCatalog({ endpoint, query: 'tent' }, ctx.signal);
   * } catch (err) {
   *   if (err instanceof ConnectorError && err.code === 'TIMEOUT') markTimedOut();
   * }
   * ```
   * @throws RetryableConnectorError (TIMEOUT, NETWORK, HTTP_5XX, RATE_LIMITED); ConnectorError
   *   (HTTP_4XX, BAD_RESPONSE, REMOTE_ERROR, CANCELLED, INVALID_REQUEST).
   */
  async searchCatalog(search: CatalogSearch, signal?: AbortSignal): Promise<CatalogSearchResult> {
    const url = this.#endpoint(search.endpoint);
    const resilience = this.#resilienceOf(search.partner ?? url.host);
    if (signal?.aborted) throw resilience.recordFailure(this.#cancelled(resilience.connector));
    // A search changes nothing at the partner: safe to retry when retries are configured.
    return resilience.execute(
      ({ signal: attempt }) => this.#exchange(resilience, url, search, attempt, signal),
      { idempotent: true, signal },
    );
  }

  /** One MCP session: initialize, `tools/call`, close, all under the attempt's deadline. */
  async #exchange(
    resilience: ConnectorResilience,
    url: URL,
    search: CatalogSearch,
    deadline: AbortSignal,
    signal: AbortSignal | undefined,
  ): Promise<CatalogSearchResult> {
    const connector = resilience.connector;
    const timeoutMs = resilience.options.timeoutMs;
    const abort = signal ? AbortSignal.any([deadline, signal]) : deadline;
    const baseFetch = this.#fetch;
    const transport = new StreamableHTTPClientTransport(url, {
      // Every request of the session (initialize, the call, the optional GET stream) dies with
      // the deadline, so nothing lingers after a timeout.
      fetch: (input, init) =>
        baseFetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, abort]) : abort }),
      reconnectionOptions: {
        maxRetries: 0,
        initialReconnectionDelay: 1_000,
        maxReconnectionDelay: 1_000,
        reconnectionDelayGrowFactor: 1,
      },
    });
    const client = new Client({ name: 'mcp-orchestrator', version: '0.1.0' }, { capabilities: {} });
    // Transport errors of the background GET stream are not the call's outcome; the call's own
    // promise rejects with whatever matters.
    client.onerror = () => {};
    try {
      await client.connect(transport, { signal: abort, timeout: timeoutMs });
      const args: Record<string, unknown> = { query: search.query, context: this.#context };
      if (search.limit !== undefined) args.limit = search.limit;
      const result = await client.callTool({ name: SEARCH_TOOL, arguments: args }, undefined, {
        signal: abort,
        timeout: timeoutMs,
      });
      return this.#interpret(connector, result);
    } catch (err) {
      throw this.#normalise(connector, timeoutMs, err, deadline, signal);
    } finally {
      await client.close().catch(() => {});
    }
  }

  #endpoint(raw: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ConnectorError(
        this.#init(this.name, 'INVALID_REQUEST', 'partner MCP endpoint is not a valid URL'),
      );
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new ConnectorError(
        this.#init(this.name, 'INVALID_REQUEST', 'partner MCP endpoint must be http(s)'),
      );
    }
    return url;
  }

  /** Storefront MCP answers with one text block holding JSON; newer servers may also send structuredContent. */
  #interpret(c: string, result: Record<string, unknown>): CatalogSearchResult {
    if (result.isError === true) {
      throw new ConnectorError(
        this.#init(c, 'REMOTE_ERROR', `the partner's ${SEARCH_TOOL} reported an error`, 200),
      );
    }
    const structured = result.structuredContent;
    if (isRecord(structured) && Array.isArray(structured.products))
      return { products: records(structured.products) };
    const content = Array.isArray(result.content) ? (result.content as unknown[]) : [];
    const block = content.find(
      (c): c is { type: 'text'; text: string } =>
        isRecord(c) && c.type === 'text' && typeof c.text === 'string',
    );
    if (!block) throw this.#bad(c, `${SEARCH_TOOL} answered without a text result`);
    if (block.text.length > this.#maxResultChars)
      throw this.#bad(c, `${SEARCH_TOOL} result exceeds the size limit`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(block.text);
    } catch {
      throw this.#bad(c, `${SEARCH_TOOL} result is not JSON`);
    }
    if (!isRecord(parsed) || !Array.isArray(parsed.products)) {
      throw this.#bad(c, `${SEARCH_TOOL} result has no products list`);
    }
    return { products: records(parsed.products) };
  }

  /** Maps whatever the SDK or fetch threw onto the envelope, with fixed wording (no peer text). */
  #normalise(
    c: string,
    timeoutMs: number,
    err: unknown,
    deadline: AbortSignal,
    caller: AbortSignal | undefined,
  ): ConnectorError {
    if (err instanceof ConnectorError) return err;
    if (caller?.aborted) return this.#cancelled(c);
    if (deadline.aborted || (err instanceof McpError && err.code === ErrorCode.RequestTimeout)) {
      return new RetryableConnectorError(
        this.#init(c, 'TIMEOUT', `partner did not answer ${SEARCH_TOOL} within ${timeoutMs} ms`),
      );
    }
    if (err instanceof StreamableHTTPError) {
      const status = typeof err.code === 'number' ? err.code : -1;
      if (status >= 400) {
        const { code, retryable } = classifyStatus(status);
        const init = this.#init(c, code, `partner MCP endpoint answered HTTP ${status}`, status);
        return retryable ? new RetryableConnectorError(init) : new ConnectorError(init);
      }
      return this.#bad(c, 'partner MCP endpoint answered with an unexpected content type');
    }
    if (err instanceof McpError) {
      // A JSON-RPC error from the partner (unknown tool, invalid params…): keep its code only.
      return new ConnectorError({
        ...this.#init(c, 'REMOTE_ERROR', `partner refused ${SEARCH_TOOL} (JSON-RPC error ${err.code})`, 200),
        remoteCode: String(err.code),
      });
    }
    if (err instanceof Error && err.name === 'UnauthorizedError') {
      return new ConnectorError(
        this.#init(c, 'HTTP_4XX', 'partner MCP endpoint requires authorization', 401),
      );
    }
    if (err instanceof TypeError && /fetch failed/i.test(err.message)) {
      return new RetryableConnectorError(
        this.#init(c, 'NETWORK', `could not reach the partner MCP endpoint (${networkCode(err)})`),
        { cause: err },
      );
    }
    // The SDK rejects answers that are not MCP (bad JSON-RPC, schema mismatch) with plain errors.
    return this.#bad(c, 'partner MCP endpoint answered something that is not MCP');
  }

  #bad(c: string, message: string): ConnectorError {
    return new ConnectorError(this.#init(c, 'BAD_RESPONSE', message, 200));
  }

  #cancelled(c: string): ConnectorError {
    return new ConnectorError(this.#init(c, 'CANCELLED', 'the call was cancelled by its caller'));
  }

  #init(
    connector: string,
    code: ConnectorErrorInit['code'],
    message: string,
    status?: number,
  ): ConnectorErrorInit {
    return { connector, code, message, status: status ?? null };
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function records(list: readonly unknown[]): Record<string, unknown>[] {
  return list.filter(isRecord);
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new TypeError(`ShopifyMcpBridge: ${name} must be positive`);
  return value;
}
