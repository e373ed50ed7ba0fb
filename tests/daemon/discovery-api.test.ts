/**
 * Discovery through the daemon's parts: the admin partner endpoints (zod validation, roles), the
 * real pipeline (shipped Rego policy, Postgres ledger, discovery connector, MCP stand-in) and the
 * server-sent event stream of an action's events and per-partner progress.
 */
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DiscoveryResultSchema } from '../../connectors/discovery-shape.ts';
import { createDefaultConnectors } from '../../connectors/registry.ts';
import { payloadHash } from '../../daemon/contract/canonical.ts';
import { validateCommand } from '../../daemon/contract/command.ts';
import { EventBus } from '../../daemon/core/events.ts';
import type { Ledger, PartnerStore } from '../../daemon/core/types.ts';
import { createLedger } from '../../daemon/ledger/create.ts';
import { Pipeline } from '../../daemon/pipeline/pipeline.ts';
import { RegoPolicyEngine } from '../../daemon/policy/rego-engine.ts';
import { apiFixture, TOKENS, type Who } from '../support/api-fixture.ts';
import { freshSchema, requirePostgres, type TestSchema } from '../support/pg.ts';
import {
  type ShopifyMcpStandIn,
  shopifyProduct,
  startShopifyMcpStandIn,
} from '../support/shopify-mcp-standin.ts';

const POLICIES = resolve(import.meta.dirname, '../../policies');
const auth = (who: Who) => ({ authorization: `Bearer ${TOKENS[who].token}` });

let policy: RegoPolicyEngine;
beforeAll(async () => {
  await requirePostgres();
  policy = await RegoPolicyEngine.load({ dir: POLICIES, watch: false });
}, 60_000);
afterAll(async () => {
  await policy?.close();
});

interface Rig {
  db: TestSchema;
  ledger: Ledger & PartnerStore;
  app: FastifyInstance;
  pipeline: Pipeline;
}

async function rig(timeoutMs = 1_000): Promise<Rig> {
  const db = await freshSchema();
  const ledger = await createLedger({ databaseUrl: db.databaseUrl, schema: db.schema, dataDir: 'unused' });
  await ledger.migrate();
  const { app } = apiFixture({ ledger, partners: ledger, eventsPollMs: 25 });
  const pipeline = new Pipeline({
    ledger,
    policy,
    connectors: createDefaultConnectors({ discovery: { partners: ledger, bridge: { timeoutMs } } }),
    bus: new EventBus(),
    historyWindowMs: 3_600_000,
    maxCommandBytes: 16_384,
    maxStringLength: 2_048,
    deadLetter: async () => {},
  });
  return { db, ledger, app, pipeline };
}

async function dispose(r: Rig | undefined): Promise<void> {
  if (!r) return;
  await r.app.close();
  await r.ledger.close();
  await r.db.drop();
}

const goodBody = {
  shop_url: 'https://alpine.myshopify.com',
  mcp_endpoint: 'https://alpine.myshopify.com/api/mcp',
  capabilities: ['search_shop_catalog'],
  price_premium_percent: 12.5,
};

describe('admin partner endpoints', () => {
  let r: Rig | undefined;
  beforeEach(async () => {
    r = await rig();
  });
  afterEach(async () => {
    await dispose(r);
    r = undefined;
  });

  it('upserts (201 then 200) and lists partners for admins only', async () => {
    const put = (who: Who, body: unknown) =>
      r!.app.inject({
        method: 'PUT',
        url: '/v1/admin/partners/alpine',
        headers: auth(who),
        payload: body as object,
      });
    expect((await put('agentA', goodBody)).statusCode).toBe(403);
    expect((await put('oncall', goodBody)).statusCode).toBe(403);
    const created = await put('admin', goodBody);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      slug: 'alpine',
      mcp_endpoint: 'https://alpine.myshopify.com/api/mcp',
      price_premium_percent: '12.50',
      enabled: true,
      capabilities: ['search_shop_catalog'],
    });
    const updated = await put('admin', { ...goodBody, enabled: false });
    expect(updated.statusCode).toBe(200);
    const list = await r!.app.inject({ method: 'GET', url: '/v1/admin/partners', headers: auth('admin') });
    expect(list.json().partners).toEqual([expect.objectContaining({ slug: 'alpine', enabled: false })]);
    expect(
      (await r!.app.inject({ method: 'GET', url: '/v1/admin/partners', headers: auth('agentA') })).statusCode,
    ).toBe(403);
  });

  it('refuses bad fields one issue each, naming the field and the reason', async () => {
    const res = await r!.app.inject({
      method: 'PUT',
      url: '/v1/admin/partners/alpine',
      headers: auth('admin'),
      payload: {
        shop_url: 'javascript:alert(1)',
        mcp_endpoint: 'ftp://alpine.example/api/mcp',
        price_premium_percent: 150,
        enabled: 'yes',
        partner_secret: 'x',
      },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error.code).toBe('ORC_ERR_API_INVALID_REQUEST');
    const paths = body.error.details.issues.map((i: { path: string }) => i.path).sort();
    expect(paths).toEqual([
      'body.enabled',
      'body.mcp_endpoint',
      'body.partner_secret',
      'body.price_premium_percent',
      'body.shop_url',
    ]);
    const byPath = Object.fromEntries(
      body.error.details.issues.map((i: { path: string; message: string }) => [i.path, i.message]),
    );
    expect(byPath['body.mcp_endpoint']).toMatch(/http:\/\/ or https:\/\//);
    expect(byPath['body.price_premium_percent']).toMatch(/at most 100/);

    const decimals = await r!.app.inject({
      method: 'PUT',
      url: '/v1/admin/partners/alpine',
      headers: auth('admin'),
      payload: { ...goodBody, price_premium_percent: 1.234 },
    });
    expect(decimals.json().error.details.issues).toEqual([
      expect.objectContaining({
        path: 'body.price_premium_percent',
        message: 'must have at most two decimal places',
      }),
    ]);
    const slug = await r!.app.inject({
      method: 'PUT',
      url: '/v1/admin/partners/Bad%20Slug',
      headers: auth('admin'),
      payload: goodBody,
    });
    expect(slug.statusCode).toBe(400);
    expect(slug.json().error.details.issues[0].path).toBe('path.slug');
    expect(await r!.ledger.listPartners()).toEqual([]);
  });

  it('documents the routes in OpenAPI', async () => {
    const doc = (await r!.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/admin/partners/{slug}',
        '/v1/admin/partners',
        '/v1/actions/{action_id}/events',
      ]),
    );
    expect(
      doc.paths['/v1/admin/partners/{slug}'].put.requestBody.content['application/json'].schema.properties,
    ).toHaveProperty('mcp_endpoint');
  });
});

interface Frame {
  id: string;
  event: string;
  data: Record<string, unknown>;
  ms: number;
}

/** Reads an SSE response into frames with their arrival times, until the server ends it. */
async function readFrames(res: Response, t0: number): Promise<Frame[]> {
  const frames: Frame[] = [];
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const f: Partial<Frame> = { ms: performance.now() - t0 };
      for (const line of block.split('\n')) {
        if (line.startsWith('id: ')) f.id = line.slice(4);
        else if (line.startsWith('event: ')) f.event = line.slice(7);
        else if (line.startsWith('data: ')) f.data = JSON.parse(line.slice(6));
      }
      if (f.event) frames.push(f as Frame);
    }
  }
  return frames;
}

describe('DISCOVER_PRODUCTS through the pipeline, streamed', () => {
  let r: Rig | undefined;
  let mcp: ShopifyMcpStandIn;
  let base: string;

  beforeEach(async () => {
    r = await rig(2_500);
    mcp = await startShopifyMcpStandIn({
      alpine: {
        products: [shopifyProduct(8123, 'Rain jacket', '19.99', 'USD', { internal_notes: 'do-not-share' })],
        latencyMs: 150,
      },
      slowco: { products: [shopifyProduct(1, 'Kayak', '900.00')], fail: 'hang' },
      broken: { products: [], fail: 'http500' },
    });
    for (const slug of ['alpine', 'slowco', 'broken']) {
      await r.ledger.upsertPartner({
        slug,
        shopUrl: `https://${slug}.myshopify.com`,
        mcpEndpoint: mcp.endpoint(slug),
        capabilities: [],
        pricePremiumPercent: slug === 'alpine' ? '10' : '0',
        enabled: true,
      });
    }
    base = await r.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterEach(async () => {
    await mcp.close();
    await dispose(r);
    r = undefined;
  });

  async function accept(actionId: string, params: Record<string, unknown>) {
    const raw = { action_id: actionId, command_type: 'DISCOVER_PRODUCTS', params };
    const v = validateCommand(raw, { maxBytes: 16_384, maxStringLength: 2_048 });
    if (!v.ok) throw new Error('invalid test command');
    const command = v.command as unknown as Record<string, unknown>;
    await r!.ledger.createAction({
      agentId: 'agent-a',
      actionId,
      commandType: 'DISCOVER_PRODUCTS',
      command,
      payloadHash: payloadHash(command),
      queue: 'q',
    });
    return { agent_id: 'agent-a', command };
  }

  it('streams each partner as it answers, then the outcome, then ends', async () => {
    const job = await accept('disc-1', { query: 'rain jacket', limit: 5 });
    const t0 = performance.now();
    const res = await fetch(`${base}/v1/actions/disc-1/events`, { headers: auth('agentA') });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const framesP = readFrames(res, t0);
    const processed = await r!.pipeline.process('q', job);
    expect(processed.status).toBe('SUCCESS');
    const frames = await framesP;

    expect(frames.filter((f) => f.event === 'status').map((f) => f.data.status)).toEqual([
      'QUEUED',
      'EVALUATING',
      'ALLOWED',
      'EXECUTING',
      'SUCCESS',
    ]);
    const progress = frames.filter((f) => f.event === 'progress');
    expect(progress.map((f) => (f.data.payload as { partner: { slug: string } }).partner.slug)).toEqual([
      'broken',
      'alpine',
      'slowco',
    ]);
    const alpine = progress[1]!;
    expect((alpine.data.payload as { products: unknown[] }).products).toEqual([
      expect.objectContaining({ id: 'uso_alpine_8123', price: { amount: '21.99', currency: 'USD' } }),
    ]);
    // Progressive: alpine's products were on the wire well before the slow partner's deadline.
    const end = frames.at(-1)!;
    expect(end.event).toBe('end');
    expect(end.data).toEqual({ status: 'SUCCESS' });
    expect(end.ms - alpine.ms).toBeGreaterThan(1_000);
    // Order on the wire: EXECUTING, then the progress, then SUCCESS.
    const order = frames.map((f) => (f.event === 'status' ? String(f.data.status) : f.event));
    expect(order.indexOf('EXECUTING')).toBeLessThan(order.indexOf('progress'));
    expect(order.lastIndexOf('progress')).toBeLessThan(order.indexOf('SUCCESS'));
    expect(JSON.stringify(frames)).not.toContain('do-not-share');

    const action = await r!.ledger.getAction('agent-a', 'disc-1');
    DiscoveryResultSchema.parse(action?.result);

    // Resuming from a cursor sends only what came after it, and ends at once (terminal).
    const cursor = frames[3]!.id;
    const again = await fetch(`${base}/v1/actions/disc-1/events`, {
      headers: { ...auth('agentA'), 'last-event-id': cursor },
    });
    const rest = await readFrames(again, performance.now());
    expect(rest.map((f) => f.id)).toEqual(frames.slice(4).map((f) => f.id));

    // The masked id resolves for admins.
    const resolved = await r!.app.inject({
      method: 'GET',
      url: '/v1/admin/products/uso_alpine_8123',
      headers: auth('admin'),
    });
    expect(resolved.json()).toEqual({
      masked_id: 'uso_alpine_8123',
      partner_slug: 'alpine',
      original_id: 'gid://shopify/Product/8123',
    });
  });

  it("is a 404 for another agent's action, like GET /v1/actions/:id", async () => {
    await accept('disc-2', { query: 'tent' });
    const res = await fetch(`${base}/v1/actions/disc-2/events`, { headers: auth('agentB') });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ORC_ERR_API_NOT_FOUND');
    const staff = await fetch(`${base}/v1/actions/disc-2/events`, { headers: auth('oncall') });
    expect(staff.status).toBe(200);
    // The action never ends; closing the server ends the stream instead of waiting for it.
    const frames = readFrames(staff, performance.now());
    const t0 = performance.now();
    await r!.app.close();
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect((await frames).map((f) => f.data.status)).toEqual(['QUEUED']);
  });

  it('is judged by the shipped policy above limit 250 (no jury: waits for a person, nothing called)', async () => {
    const job = await accept('disc-3', { query: 'everything', limit: 300 });
    expect((await r!.pipeline.process('q', job)).status).toBe('NEEDS_APPROVAL');
    expect(mcp.calls).toEqual([]);
  });
});
