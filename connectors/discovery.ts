/**
 * Discovery: DISCOVER_PRODUCTS searches every enabled curated partner (or the requested subset)
 * through its Shopify Storefront MCP endpoint, in parallel, and returns what arrived in time.
 *
 * Each partner's answer is reported through `ctx.progress` as soon as it lands (the daemon
 * appends it to the action's progress, which `GET /v1/actions/:id/events` streams), so a client
 * sees the fast partners' products before the slow one has timed out. The command fails only
 * when every partner failed; otherwise the result lists each partner's status.
 */
import { ConnectorError, ConnectorNotConfiguredError, RetryableConnectorError } from '../bridges/errors.ts';
import type { ConnectorHealth } from '../bridges/resilience/index.ts';
import type { CatalogSearch, CatalogSearchResult } from '../bridges/shopify-mcp/bridge.ts';
import type {
  Connector,
  CuratedPartner,
  ExecutionContext,
  PartnerStore,
  ProductIdMapping,
} from '../daemon/core/types.ts';
import { type PartnerReport, type PublicProduct, toPublicProduct } from './discovery-shape.ts';

export const DISCOVERY_COMMAND_TYPES = ['DISCOVER_PRODUCTS'] as const;

/** What the connector needs of the bridge (the ShopifyMcpBridge, or a fake in unit tests). */
export interface CatalogSearcher {
  searchCatalog(search: CatalogSearch, signal?: AbortSignal): Promise<CatalogSearchResult>;
  /** Per-partner resilience health, keyed by connector name (`shopify-mcp:<slug>`). */
  health?(): Record<string, ConnectorHealth>;
}

export interface DiscoveryConnectorOptions {
  readonly bridge: CatalogSearcher;
  /** Partners and the masked id table (the SQL ledger). */
  readonly partners: Pick<PartnerStore, 'listPartners' | 'saveProductMappings'>;
  /** Products asked of each partner when the command gives no `limit`. @defaultValue 10 */
  readonly defaultLimit?: number;
}

export const DISCOVERY_DEFAULTS = {
  defaultLimit: 10, // products per partner when params.limit is absent
} as const;

/** Progress kind of one partner's answer. */
export const PARTNER_PROGRESS_KIND = 'discovery.partner';

interface PartnerOutcome {
  readonly report: PartnerReport;
  readonly products: readonly PublicProduct[];
}

/**
 * Runs DISCOVER_PRODUCTS across curated partners.
 *
 * @example
 * ```ts
 * const connector = new DiscoveryConnector({ bridge: new ShopifyMcpBridge({ timeoutMs: 3_000 }), partners: ledger });
 * const result = await connector.execute(
 *   { action_id: 'd-1', command_type: 'DISCOVER_PRODUCTS', params: { query: 'rain jacket', limit: 5 } },
 *   { agentId: 'agent-7', actionId: 'd-1', signal: AbortSignal.timeout(60_000) },
 * );
 * // → { products: [{ id: 'uso_alpine_8123', title: '…', price: { amount: '98.99', currency: 'USD' }, … }],
 * //     partners: [{ slug: 'alpine', status: 'ok', count: 5 }, { slug: 'slowco', status: 'timeout', count: 0, error: {…} }] }
 * ```
 */
export class DiscoveryConnector implements Connector {
  readonly name = 'discovery';
  readonly commandTypes: readonly string[] = DISCOVERY_COMMAND_TYPES;
  readonly #bridge: CatalogSearcher;
  readonly #partners: DiscoveryConnectorOptions['partners'];
  readonly #defaultLimit: number;

  constructor(options: DiscoveryConnectorOptions) {
    this.#bridge = options.bridge;
    this.#partners = options.partners;
    this.#defaultLimit = options.defaultLimit ?? DISCOVERY_DEFAULTS.defaultLimit;
  }

  /**
   * Each partner's breaker state, last error and counters (`shopify-mcp:<slug>`), for `/readyz`.
   *
   * @example
   * ```ts
   * discovery.bridgeHealth(); // → { 'shopify-mcp:alpine': { state: 'closed', counters: { … } } }
   * ```
   */
  bridgeHealth(): Record<string, ConnectorHealth> {
    return this.#bridge.health?.() ?? {};
  }

  async execute(
    command: { command_type: string; params: Record<string, unknown>; action_id: string },
    ctx: ExecutionContext,
  ): Promise<Record<string, unknown>> {
    if (!this.commandTypes.includes(command.command_type)) {
      throw new ConnectorNotConfiguredError({
        connector: this.name,
        commandType: command.command_type,
        message: `the discovery connector does not run ${command.command_type}`,
      });
    }
    const { query, limit, requested } = this.#params(command.params);
    const enabled = await this.#partners.listPartners({ enabledOnly: true });
    const bySlug = new Map(enabled.map((p) => [p.slug, p]));
    const targets = requested ? requested.flatMap((s) => bySlug.get(s) ?? []) : enabled;
    const unknown = requested ? requested.filter((s) => !bySlug.has(s)) : [];
    if (targets.length === 0) {
      throw new ConnectorNotConfiguredError({
        connector: this.name,
        commandType: command.command_type,
        message: requested
          ? 'none of the requested partners is an enabled curated partner'
          : 'no curated partner is enabled (PUT /v1/admin/partners/:slug)',
      });
    }

    const outcomes = await Promise.all(targets.map((p) => this.#searchOne(p, query, limit, ctx)));
    if (ctx.signal.aborted) {
      throw new ConnectorError({
        connector: this.name,
        code: 'CANCELLED',
        message: 'discovery was cancelled by its caller',
      });
    }
    const reports: PartnerReport[] = [
      ...outcomes.map((o) => o.report),
      ...unknown.map((slug) => this.#unknownPartner(slug)),
    ];
    if (outcomes.every((o) => o.report.status !== 'ok')) {
      // Retryable: partners that all failed now (network, outage) may well answer later.
      throw new RetryableConnectorError({
        connector: this.name,
        code: 'PARTNERS_UNAVAILABLE',
        status: null,
        message: `every partner failed (${reports
          .map((r) => `${r.slug}: ${r.error?.code ?? r.status}`)
          .join(', ')
          .slice(0, 400)})`,
      });
    }
    // `limit` is per partner (each is asked for that many), so the list is at most limit × partners.
    return { products: outcomes.flatMap((o) => o.products), partners: reports };
  }

  /** One partner: search, map, store the id mappings, report progress. Never throws. */
  async #searchOne(
    partner: CuratedPartner,
    query: string,
    limit: number,
    ctx: ExecutionContext,
  ): Promise<PartnerOutcome> {
    let outcome: PartnerOutcome;
    try {
      const { products: raw } = await this.#bridge.searchCatalog(
        // The slug names the partner's own breaker and rate limit (`shopify-mcp:<slug>`).
        { endpoint: partner.mcpEndpoint, partner: partner.slug, query, limit },
        ctx.signal,
      );
      const mapped = raw.slice(0, limit).flatMap((r) => toPublicProduct(r, partner) ?? []);
      const seen = new Set<string>();
      const products: PublicProduct[] = [];
      const mappings: ProductIdMapping[] = [];
      for (const m of mapped) {
        if (seen.has(m.product.id)) continue;
        seen.add(m.product.id);
        products.push(m.product);
        mappings.push({ maskedId: m.product.id, partnerSlug: partner.slug, originalId: m.originalId });
      }
      // Ids go out only once they resolve: a client may act on a product right away.
      await this.#partners.saveProductMappings(mappings);
      outcome = { products, report: { slug: partner.slug, status: 'ok', count: products.length } };
    } catch (err) {
      if (!(err instanceof ConnectorError)) throw err;
      outcome = {
        products: [],
        report: {
          slug: partner.slug,
          status: err.code === 'TIMEOUT' ? 'timeout' : 'failed',
          count: 0,
          error: envelope(err),
        },
      };
    }
    await this.#report(outcome, ctx);
    return outcome;
  }

  async #report(outcome: PartnerOutcome, ctx: ExecutionContext): Promise<void> {
    if (!ctx.progress) return;
    try {
      await ctx.progress({
        kind: PARTNER_PROGRESS_KIND,
        partner: outcome.report,
        products: outcome.products,
      });
    } catch {
      // Progress is a convenience; the final result carries the same products.
    }
  }

  #unknownPartner(slug: string): PartnerReport {
    return {
      slug,
      status: 'failed',
      count: 0,
      error: {
        connector: this.name,
        code: 'NOT_CONFIGURED',
        retryable: false,
        status: null,
        message: 'not an enabled curated partner',
      },
    };
  }

  #params(params: Record<string, unknown>): { query: string; limit: number; requested?: string[] } {
    const query = params.query;
    if (typeof query !== 'string' || query.trim() === '') {
      throw new ConnectorError({
        connector: this.name,
        code: 'INVALID_REQUEST',
        message: 'params.query must be a non-empty string',
      });
    }
    const limit =
      typeof params.limit === 'number' && Number.isInteger(params.limit) && params.limit > 0
        ? params.limit
        : this.#defaultLimit;
    const partners = params.partners;
    if (
      partners !== undefined &&
      !(Array.isArray(partners) && partners.every((p) => typeof p === 'string'))
    ) {
      throw new ConnectorError({
        connector: this.name,
        code: 'INVALID_REQUEST',
        message: 'params.partners must be a list of partner slugs',
      });
    }
    return partners === undefined ? { query, limit } : { query, limit, requested: [...new Set(partners)] };
  }
}

function envelope(err: ConnectorError): NonNullable<PartnerReport['error']> {
  return {
    connector: err.connector,
    code: err.code,
    retryable: err.retryable,
    status: err.status,
    message: err.message,
  };
}
