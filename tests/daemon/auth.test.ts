import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// Count the constant-time comparisons: the verifier must compare against every token, whether
// the presented one matches the first, the last or none, and whatever its length.
const spy = vi.hoisted(() => ({ calls: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return {
    ...actual,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      spy.calls++;
      return actual.timingSafeEqual(a, b);
    },
  };
});

const { authHook, parseBearer, TokenVerifier } = await import('../../daemon/api/auth.ts');
const { errorHandler } = await import('../../daemon/api/error-handler.ts');
const { apiFixture, command, TOKENS } = await import('../support/api-fixture.ts');

const tokens = Object.values(TOKENS);

describe('parseBearer', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER   abc  ', 'abc'],
    ['Basic abc', undefined],
    ['Bearer', undefined],
    ['Bearer ', undefined],
    ['Bearer a b', undefined],
    ['abc', undefined],
    [undefined, undefined],
  ])('%j → %j', (header, token) => {
    expect(parseBearer(header)).toBe(token);
  });
});

describe('TokenVerifier', () => {
  beforeEach(() => {
    spy.calls = 0;
  });

  it('maps each token to its role and subject', () => {
    const v = new TokenVerifier(tokens);
    for (const t of tokens) expect(v.verify(t.token)).toEqual({ role: t.role, subject: t.subject });
    expect(v.size).toBe(tokens.length);
  });

  it('refuses unknown, empty, prefix and suffix tokens', () => {
    const v = new TokenVerifier(tokens);
    const t = TOKENS.agentA.token;
    for (const wrong of ['', 'nope', t.slice(0, -1), `${t}x`, ` ${t}`, t.toUpperCase()]) {
      expect(v.verify(wrong)).toBeUndefined();
    }
    expect(v.verify(undefined)).toBeUndefined();
  });

  it('compares against every token on every attempt (no early exit, no length shortcut)', () => {
    const v = new TokenVerifier(tokens);
    const attempts = [
      tokens[0]!.token, // match on the first entry
      tokens[tokens.length - 1]!.token, // match on the last
      'x', // much shorter than any
      'y'.repeat(10_000), // much longer
      `${tokens[1]!.token.slice(0, -1)}Z`, // same length, one byte off
    ];
    for (const a of attempts) {
      spy.calls = 0;
      v.verify(a);
      expect(spy.calls, `attempt of length ${a.length}`).toBe(tokens.length);
    }
  });

  it('refuses bad configuration without echoing the secret', () => {
    expect(() => new TokenVerifier([{ role: 'root' as 'admin', subject: 's', token: 'secret-1' }])).toThrow(
      /unknown role/,
    );
    expect(() => new TokenVerifier([{ role: 'agent', subject: ' ', token: 'secret-2' }])).toThrow(
      /empty subject/,
    );
    expect(() => new TokenVerifier([{ role: 'agent', subject: 'a', token: '' }])).toThrow(/empty token/);
    const dup = () =>
      new TokenVerifier([
        { role: 'agent', subject: 'a', token: 'same-secret-value' },
        { role: 'admin', subject: 'b', token: 'same-secret-value' },
      ]);
    expect(dup).toThrow(/configured twice/);
    expect(dup).not.toThrow(/same-secret-value/);
  });
});

describe('authHook', () => {
  async function app() {
    const a = Fastify();
    a.decorateRequest('principal', null);
    a.setErrorHandler(errorHandler({ bodyLimit: 1024 }));
    a.addHook('onRequest', authHook(new TokenVerifier(tokens)));
    a.get('/public', async (req) => ({ principal: req.principal }));
    a.get('/staff', { config: { roles: ['oncall', 'admin'] } }, async (req) => ({
      principal: req.principal,
    }));
    await a.ready();
    return a;
  }

  afterEach(() => {
    spy.calls = 0;
  });

  it('lets public routes through without a principal, even with a bad token', async () => {
    const a = await app();
    const res = await a.inject({ method: 'GET', url: '/public', headers: { authorization: 'Bearer nope' } });
    expect(res.json()).toEqual({ principal: null });
    await a.close();
  });

  it('answers 401 for missing, malformed or unknown credentials and 403 for a wrong role', async () => {
    const a = await app();
    for (const authorization of [undefined, 'Basic Zm9vOmJhcg==', 'Bearer', 'Bearer unknown-token']) {
      const res = await a.inject({
        method: 'GET',
        url: '/staff',
        headers: authorization ? { authorization } : {},
      });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('ORC_ERR_API_UNAUTHENTICATED');
    }
    const agent = await a.inject({
      method: 'GET',
      url: '/staff',
      headers: { authorization: `Bearer ${TOKENS.agentA.token}` },
    });
    expect(agent.statusCode).toBe(403);
    expect(agent.json().error).toEqual({
      code: 'ORC_ERR_API_FORBIDDEN',
      message: 'role agent may not GET /staff',
    });
    const ok = await a.inject({
      method: 'GET',
      url: '/staff',
      headers: { authorization: `Bearer ${TOKENS.oncall.token}` },
    });
    expect(ok.json()).toEqual({ principal: { role: 'oncall', subject: 'alice' } });
    await a.close();
  });
});

describe('auth on the real API', () => {
  it('never echoes a presented token in an answer', async () => {
    const f = apiFixture();
    const secret = 'tok-agent-a-0123456789abcdeX';
    const res = await f.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: { authorization: `Bearer ${secret}` },
      payload: command(),
    });
    expect(res.statusCode).toBe(401);
    expect(res.body).not.toContain(secret);
    const forbidden = await f.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: f.auth('admin'),
      payload: command(),
    });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.body).not.toContain(TOKENS.admin.token);
    await f.close();
  });

  it('checks the token before reading the body (no parse cost for strangers)', async () => {
    const f = apiFixture();
    const res = await f.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ORC_ERR_API_UNAUTHENTICATED');
    await f.close();
  });
});
