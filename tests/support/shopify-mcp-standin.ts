/**
 * A Shopify Storefront MCP stand-in: a real MCP server on 127.0.0.1 (random port), built with the
 * SDK's `McpServer` and `StreamableHTTPServerTransport`, one endpoint per partner at
 * `/<slug>/api/mcp` (like `https://{shop}.myshopify.com/api/mcp`). It exposes
 * `search_shop_catalog` with Shopify's documented arguments (`query` and `context` required,
 * `limit` optional) and answers in Shopify's documented shape: one text block holding
 * `{products: [{product_id, title, description, url, image_url, price_range: {min, max, currency},
 * variants: [...]}], pagination, available_filters}`.
 *
 * Per partner, tests script the products (internal keys included, to prove they never leak),
 * a latency, and a failure mode. Every call is counted and its arguments kept.
 *
 * Run it by hand with `node tests/support/shopify-mcp-standin.ts`; it prints the endpoints.
 */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/** A product as `search_shop_catalog` returns it (extra keys are sent as they are). */
export type StandInProduct = Record<string, unknown>;

export interface StandInPartner {
  readonly products: readonly StandInProduct[];
  /** Delay before answering the tool call, in ms. @defaultValue 0 */
  readonly latencyMs?: number;
  /**
   * - `http500`: every request answers HTTP 500;
   * - `tool_error`: the tool answers `isError: true`;
   * - `hang`: the tool never answers (until the client gives up);
   * - `not_json`: the tool's text is not JSON.
   */
  readonly fail?: 'http500' | 'tool_error' | 'hang' | 'not_json';
}

export interface StandInCall {
  readonly partner: string;
  readonly arguments: { query: string; context: string; limit?: number | undefined };
}

export interface ShopifyMcpStandIn {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The MCP endpoint of `slug`. */
  endpoint(slug: string): string;
  /** Replaces (or adds) a partner's script. */
  set(slug: string, partner: StandInPartner): void;
  /** `tools/call search_shop_catalog` calls received, in order. */
  readonly calls: StandInCall[];
  /** HTTP requests that reached `slug`'s endpoint (any method, failed ones included). */
  requests(slug: string): number;
  close(): Promise<void>;
}

/**
 * A Shopify-shaped product with price `price` (major units as a string, like Shopify's).
 *
 * @example
 * ```ts
 * shopifyProduct(8123, 'Rain jacket', '89.00', 'USD', { internal_notes: 'margin 40%' });
 * ```
 */
export function shopifyProduct(
  n: number,
  title: string,
  price: string,
  currency = 'USD',
  extra: Record<string, unknown> = {},
): StandInProduct {
  return {
    product_id: `gid://shopify/Product/${n}`,
    title,
    description: `${title}, tested by the stand-in.`,
    url: `https://example.myshopify.com/products/p-${n}`,
    image_url: `https://cdn.shopify.com/s/files/1/p-${n}.jpg`,
    image_alt_text: title,
    price_range: { min: price, max: price, currency },
    variants: [
      {
        variant_id: `gid://shopify/ProductVariant/${n}01`,
        title: 'Default Title',
        price,
        currency,
        image_url: `https://cdn.shopify.com/s/files/1/p-${n}.jpg`,
        available: true,
      },
    ],
    ...extra,
  };
}

/**
 * Starts the stand-in.
 *
 * @example
 * ```ts
 * const mcp = await startShopifyMcpStandIn({ alpine: { products: [shopifyProduct(1, 'Tent', '100.00')] } });
 * mcp.endpoint('alpine'); // → 'http://127.0.0.1:41234/alpine/api/mcp'
 * await mcp.close();
 * ```
 */
export async function startShopifyMcpStandIn(
  partners: Record<string, StandInPartner> = {},
): Promise<ShopifyMcpStandIn> {
  const scripts = new Map(Object.entries(partners));
  const calls: StandInCall[] = [];
  const hits = new Map<string, number>();
  const pending = new Set<() => void>();

  const wait = (ms: number, signal: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        pending.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      pending.add(done);
      signal.addEventListener('abort', done, { once: true });
    });

  function mcpServerFor(slug: string): McpServer {
    const server = new McpServer({ name: `stand-in ${slug}`, version: '1.0.0' });
    server.registerTool(
      'search_shop_catalog',
      {
        description: "Search the store's product catalog.",
        inputSchema: {
          query: z.string().describe('A natural language query.'),
          context: z.string().describe('Additional information about the request.'),
          limit: z.number().int().min(1).optional(),
        },
      },
      async (args, extra) => {
        calls.push({ partner: slug, arguments: { ...args } });
        const script = scripts.get(slug);
        if (!script) return { isError: true, content: [{ type: 'text', text: 'unknown shop' }] };
        if (script.fail === 'hang') {
          await wait(600_000, extra.signal);
          return { isError: true, content: [{ type: 'text', text: 'gave up' }] };
        }
        if (script.latencyMs) await wait(script.latencyMs, extra.signal);
        if (script.fail === 'tool_error') {
          return { isError: true, content: [{ type: 'text', text: 'search is down for maintenance' }] };
        }
        if (script.fail === 'not_json') return { content: [{ type: 'text', text: '<html>oops</html>' }] };
        const products = script.products.slice(0, args.limit ?? 10);
        const body = {
          products,
          pagination: { hasNextPage: false, endCursor: null },
          available_filters: [],
        };
        return { content: [{ type: 'text', text: JSON.stringify(body) }] };
      },
    );
    return server;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const m = /^\/([a-z0-9_-]+)\/api\/mcp$/.exec((req.url ?? '').split('?')[0] ?? '');
    const slug = m?.[1];
    if (slug) hits.set(slug, (hits.get(slug) ?? 0) + 1);
    if (!slug || !scripts.has(slug)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no such shop');
      return;
    }
    if (scripts.get(slug)?.fail === 'http500') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      return;
    }
    if (req.method !== 'POST') {
      // Stateless: no standalone GET stream, no session to delete (the spec's 405).
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    // Stateless mode, one server and transport per request, as the SDK recommends for it.
    const server = mcpServerFor(slug);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  }

  const http: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.end();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    endpoint: (slug) => `${url}/${slug}/api/mcp`,
    set: (slug, partner) => void scripts.set(slug, partner),
    calls,
    requests: (slug) => hits.get(slug) ?? 0,
    async close() {
      for (const done of [...pending]) done();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const mcp = await startShopifyMcpStandIn({
    alpine: { products: [shopifyProduct(1, 'Tent', '100.00'), shopifyProduct(2, 'Stove', '45.50')] },
    slowco: { products: [shopifyProduct(3, 'Kayak', '900.00')], fail: 'hang' },
  });
  console.log(`alpine: ${mcp.endpoint('alpine')}\nslowco: ${mcp.endpoint('slowco')} (hangs)`);
}
