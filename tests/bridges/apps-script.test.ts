/**
 * The Apps Script bridge against the local stand-in, which runs the real Code.gs: redirect,
 * signature, timestamp window and nonce checks, action_id deduplication, timeouts, retries,
 * the circuit breaker, and that the shared secret never leaks into errors.
 */
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AppsScriptBridgeOptions,
  AppsScriptBridge,
  type AppsScriptRequest,
  signAppsScriptRequest,
} from '../../bridges/apps-script/bridge.ts';
import {
  CircuitOpenError,
  ConnectorError,
  ConnectorNotConfiguredError,
  RetryableConnectorError,
} from '../../bridges/errors.ts';
import { type AppsScriptStandIn, startAppsScriptStandIn } from '../support/apps-script-standin.ts';

const SECRET = 'tH1s-iS-tHe-sHaReD-sEcReT-0f-tHe-tEsTs';

let standin: AppsScriptStandIn;
let seq = 0;
const uid = (prefix: string): string => `${prefix}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;
const check = (action_id: string, service = 'google'): AppsScriptRequest => ({
  action_id,
  command_type: 'CHECK_INTEGRATION_STATUS',
  params: { service },
});
const bridge = (overrides: Partial<AppsScriptBridgeOptions> = {}): AppsScriptBridge =>
  new AppsScriptBridge({
    url: standin.url,
    secret: SECRET,
    timeoutMs: 2_000,
    retry: { attempts: 3, baseMs: 5 },
    ...overrides,
  });
const posts = (): number => standin.requests.filter((r) => r.method === 'POST').length;
/** Every error a test produced, checked for the secret at the end. */
const seen: unknown[] = [];
async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const err = await p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  seen.push(err);
  if (!(err instanceof ConnectorError)) throw err;
  return err;
}
/** POSTs a hand-made body and returns the script's JSON answer (after the redirect). */
async function postRaw(body: unknown): Promise<{ ok: boolean; error?: { code: string }; result?: unknown }> {
  const res = await fetch(standin.url, { method: 'POST', body: JSON.stringify(body) });
  return (await res.json()) as { ok: boolean; error?: { code: string } };
}

beforeAll(async () => {
  standin = await startAppsScriptStandIn({ secret: SECRET });
});
afterEach(() => standin.resetModes());
afterAll(async () => {
  await standin.close();
});

describe('AppsScriptBridge', () => {
  it('POSTs, follows the 302 with a GET and returns the result', async () => {
    const id = uid('ok');
    const before = standin.requests.length;
    const result = await bridge().call(check(id));
    expect(result).toMatchObject({ status: 'success', integration_status: 'CONNECTED' });
    expect(new Date(String(result.last_checked)).getTime()).toBeGreaterThan(0);
    const trail = standin.requests.slice(before).map((r) => `${r.method} ${r.outcome} ${r.status}`);
    expect(trail).toEqual(['POST executed 302', 'GET echo 200']);
    expect(standin.executions(id)).toBe(1);
  });

  it('signs nested params the script verifies, and runs REFRESH_TOKEN', async () => {
    const id = uid('nested');
    const params = { service: 'meta', z: { b: [1, 2.5, 'ü'], a: null }, emoji: '🙂' };
    const result = await bridge().call({ action_id: id, command_type: 'REFRESH_TOKEN', params });
    expect(result).toMatchObject({ status: 'success', refreshed: true });
    expect(typeof result.expires_at).toBe('string');
  });

  it('returns the stored result for an action_id that already ran, without running it again', async () => {
    const id = uid('dedup');
    const b = bridge();
    const first = await b.call(check(id));
    standin.setIntegrationStatus('google', 'DISCONNECTED');
    const second = await b.call(check(id));
    standin.setIntegrationStatus('google', 'CONNECTED');
    expect(second).toEqual(first);
    expect(standin.executions(id)).toBe(1);
    const conflict = await failure(b.call(check(id, 'meta')));
    expect(conflict.remoteCode).toBe('ACTION_CONFLICT');
    expect(conflict.retryable).toBe(false);
  });

  describe('request authentication (checked by Code.gs itself)', () => {
    it('rejects tampered params', async () => {
      const id = uid('tamper');
      const body = signAppsScriptRequest(check(id), SECRET);
      const answer = await postRaw({ ...body, params: { service: 'shopify' } });
      expect(answer).toMatchObject({ ok: false, error: { code: 'BAD_SIGNATURE' } });
      const reordered = await postRaw({ ...body, params: { service: 'google', extra: 1 } });
      expect(reordered.error?.code).toBe('BAD_SIGNATURE');
      expect(standin.executions(id)).toBe(0);
    });

    it('rejects a wrong secret without retrying', async () => {
      const id = uid('wrong');
      const before = posts();
      const err = await failure(bridge({ secret: 'not-the-secret' }).call(check(id)));
      expect(err).not.toBeInstanceOf(RetryableConnectorError);
      expect(err).toMatchObject({ code: 'REMOTE_ERROR', remoteCode: 'BAD_SIGNATURE', status: 200 });
      expect(posts() - before).toBe(1);
      expect(standin.executions(id)).toBe(0);
    });

    it('rejects timestamps outside ±300 s', async () => {
      const id = uid('stale');
      const now = Math.floor(Date.now() / 1000);
      const old = await failure(bridge({ now: () => Date.now() - 301_000 }).call(check(id)));
      expect(old.remoteCode).toBe('STALE_TIMESTAMP');
      const future = await postRaw(signAppsScriptRequest(check(id), SECRET, { timestamp: now + 400 }));
      expect(future.error?.code).toBe('STALE_TIMESTAMP');
      const edge = await postRaw(signAppsScriptRequest(check(id), SECRET, { timestamp: now - 250 }));
      expect(edge.ok).toBe(true);
      expect(standin.executions(id)).toBe(1);
    });

    it('rejects a replayed nonce even for an action that already ran', async () => {
      const id = uid('replay');
      const body = signAppsScriptRequest(check(id), SECRET);
      expect((await postRaw(body)).ok).toBe(true);
      const replay = await postRaw(body);
      expect(replay).toMatchObject({ ok: false, error: { code: 'REPLAYED_NONCE' } });
      expect(standin.executions(id)).toBe(1);
    });

    it('signs every attempt afresh, so a retry is not a replay', async () => {
      const bodies: { nonce: string; signature: string }[] = [];
      const spy: typeof fetch = async (input, init) => {
        if (typeof init?.body === 'string')
          bodies.push(JSON.parse(init.body) as { nonce: string; signature: string });
        return fetch(input, init);
      };
      standin.failNext(2, 502);
      await bridge({ fetch: spy }).call(check(uid('fresh')));
      expect(bodies).toHaveLength(3);
      expect(new Set(bodies.map((b) => b.nonce)).size).toBe(3);
      expect(new Set(bodies.map((b) => b.signature)).size).toBe(3);
    });
  });

  describe('timeouts and retries', () => {
    it('times out one exchange as a retryable TIMEOUT', async () => {
      const id = uid('timeout');
      standin.slow(1_000);
      const t0 = performance.now();
      const err = await failure(bridge({ timeoutMs: 150, retry: { attempts: 1 } }).call(check(id)));
      expect(performance.now() - t0).toBeLessThan(900);
      expect(err).toBeInstanceOf(RetryableConnectorError);
      expect(err).toMatchObject({ code: 'TIMEOUT', retryable: true, status: null });
      // The script did run; asking again returns its stored result instead of running it twice.
      standin.slow(0);
      expect(await bridge().call(check(id))).toMatchObject({ integration_status: 'CONNECTED' });
      expect(standin.executions(id)).toBe(1);
    });

    it('retries after a timeout and gets the stored result (one execution)', async () => {
      const id = uid('timeout-retry');
      standin.slow(500);
      const result = await bridge({ timeoutMs: 200, retry: { attempts: 3, baseMs: 5 } }).call(check(id));
      expect(result).toMatchObject({ status: 'success' });
      expect(standin.executions(id)).toBe(1);
      expect(standin.requestsFor(id)).toBe(2);
    });

    it('retries 5xx and 429, then succeeds with exactly one execution', async () => {
      const id = uid('retry');
      standin.failNext(2, 503);
      expect(await bridge().call(check(id))).toMatchObject({ status: 'success' });
      expect(standin.requestsFor(id)).toBe(3);
      expect(standin.executions(id)).toBe(1);

      const limited = uid('429');
      standin.failNext(1, 429);
      await bridge().call(check(limited));
      expect(standin.requestsFor(limited)).toBe(2);
      expect(standin.executions(limited)).toBe(1);
    });

    it('gives up after the configured attempts with the last retryable error', async () => {
      const id = uid('exhaust');
      standin.failNext(10, 500);
      const err = await failure(bridge({ retry: { attempts: 3, baseMs: 1 } }).call(check(id)));
      expect(err).toBeInstanceOf(RetryableConnectorError);
      expect(err).toMatchObject({ code: 'HTTP_5XX', status: 500 });
      expect(standin.requestsFor(id)).toBe(3);
      expect(standin.executions(id)).toBe(0);
    });

    it('never retries a 4xx, a non-JSON page or a non-retryable ok:false', async () => {
      const b = bridge({ retry: { attempts: 5, baseMs: 1 } });
      const notFound = uid('404');
      standin.failNext(1, 404);
      const e404 = await failure(b.call(check(notFound)));
      expect(e404).toMatchObject({ code: 'HTTP_4XX', status: 404, retryable: false });
      expect(standin.requestsFor(notFound)).toBe(1);

      const html = uid('html');
      standin.garbleNext(1);
      const eHtml = await failure(b.call(check(html)));
      expect(eHtml).toMatchObject({ code: 'BAD_RESPONSE', retryable: false });
      expect(eHtml.message).toContain('text/html');
      expect(standin.requestsFor(html)).toBe(1);

      const unknown = uid('unknown');
      const eUnknown = await failure(b.call(check(unknown, 'myspace')));
      expect(eUnknown).toMatchObject({
        code: 'REMOTE_ERROR',
        remoteCode: 'UNKNOWN_SERVICE',
        retryable: false,
      });
      expect(standin.requestsFor(unknown)).toBe(1);
    });

    it('retries an ok:false marked retryable; a failure that is not is stored and not re-run', async () => {
      const flaky = uid('flaky');
      standin.failService('shopify', 'upstream answered 503', { retryable: true });
      const err = await failure(bridge({ retry: { attempts: 2, baseMs: 1 } }).call(check(flaky, 'shopify')));
      expect(err).toBeInstanceOf(RetryableConnectorError);
      expect(err).toMatchObject({ code: 'REMOTE_ERROR', remoteCode: 'SERVICE_ERROR' });
      expect(err.message).toContain('upstream answered 503');
      expect(standin.executions(flaky)).toBe(2);

      const broken = uid('broken');
      standin.failService('shopify', 'token revoked');
      const first = await failure(bridge().call(check(broken, 'shopify')));
      standin.failService('shopify', null);
      const again = await failure(bridge().call(check(broken, 'shopify')));
      expect(first.retryable).toBe(false);
      expect(again.toJSON()).toEqual(first.toJSON());
      expect(standin.executions(broken)).toBe(1);
    });

    it('reports a caller abort as CANCELLED, not as a timeout', async () => {
      standin.slow(500);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const err = await failure(bridge({ timeoutMs: 2_000 }).call(check(uid('cancel')), controller.signal));
      expect(err).toMatchObject({ code: 'CANCELLED', retryable: false });
    });

    it('refuses params it cannot sign, and a body above the size limit', async () => {
      const before = posts();
      const bad = await failure(
        bridge().call({ ...check(uid('nan')), params: { service: 'google', n: Number.NaN } }),
      );
      expect(bad).toMatchObject({ code: 'INVALID_REQUEST', retryable: false });
      expect(posts()).toBe(before);
      const big = await failure(bridge({ maxResponseBytes: 20 }).call(check(uid('big'))));
      expect(big.code).toBe('BAD_RESPONSE');
    });
  });

  describe('circuit breaker', () => {
    it('opens after N consecutive failures, fails fast without reaching the peer, half-opens and closes', async () => {
      const b = bridge({ retry: { attempts: 1 }, breaker: { consecutiveFailures: 3, halfOpenAfterMs: 300 } });
      standin.down();
      for (let i = 0; i < 3; i++) {
        const err = await failure(b.call(check(uid('down'))));
        expect(err).toMatchObject({ code: 'NETWORK', retryable: true });
      }
      expect(b.health().state).toBe('open');
      const before = standin.requests.length;
      const t0 = performance.now();
      const fast = await failure(b.call(check(uid('fast'))));
      expect(performance.now() - t0).toBeLessThan(100);
      expect(fast).toBeInstanceOf(CircuitOpenError);
      expect(fast).toBeInstanceOf(RetryableConnectorError);
      expect(fast).toMatchObject({ code: 'CIRCUIT_OPEN', connector: 'apps-script', status: null });
      expect(standin.requests.length).toBe(before);
      expect(b.health()).toMatchObject({ state: 'open', lastError: { code: 'CIRCUIT_OPEN' } });

      standin.up();
      await new Promise((r) => setTimeout(r, 350));
      expect(b.health().state).toBe('half-open');
      const id = uid('probe');
      expect(await b.call(check(id))).toMatchObject({ status: 'success' });
      expect(b.health().state).toBe('closed');
      expect(standin.executions(id)).toBe(1);
    });

    it('re-opens when the half-open probe fails', async () => {
      const b = bridge({ retry: { attempts: 1 }, breaker: { consecutiveFailures: 1, halfOpenAfterMs: 100 } });
      const states: string[] = [];
      b.onStateChange((s) => states.push(s));
      standin.failNext(2, 500);
      await failure(b.call(check(uid('a'))));
      await new Promise((r) => setTimeout(r, 130));
      const probe = await failure(b.call(check(uid('b'))));
      expect(probe.code).toBe('HTTP_5XX');
      const before = posts();
      expect(await failure(b.call(check(uid('c'))))).toBeInstanceOf(CircuitOpenError);
      expect(posts()).toBe(before);
      expect(states).toEqual(['open', 'half-open', 'open']);
    });

    it('stops retrying as soon as the breaker opens mid-call', async () => {
      const id = uid('midcall');
      const b = bridge({
        retry: { attempts: 6, baseMs: 1 },
        breaker: { consecutiveFailures: 2, halfOpenAfterMs: 10_000 },
      });
      standin.failNext(10, 503);
      const err = await failure(b.call(check(id)));
      expect(err).toBeInstanceOf(CircuitOpenError);
      expect(standin.requestsFor(id)).toBe(2);
    });

    it('does not count answers that prove the peer is up (4xx, ok:false)', async () => {
      const b = bridge({
        retry: { attempts: 1 },
        breaker: { consecutiveFailures: 2, halfOpenAfterMs: 10_000 },
      });
      standin.failNext(3, 403);
      for (let i = 0; i < 3; i++) expect((await failure(b.call(check(uid('403'))))).code).toBe('HTTP_4XX');
      for (let i = 0; i < 3; i++)
        expect((await failure(b.call(check(uid('x'), 'nope')))).code).toBe('REMOTE_ERROR');
      expect(b.health().state).toBe('closed');
    });
  });

  describe('the shared secret', () => {
    it('is redacted from what the script sends back', async () => {
      standin.failService('meta', `login with ${SECRET} refused`);
      const err = await failure(bridge().call(check(uid('echo-secret'), 'meta')));
      expect(err.message).toContain('[REDACTED]');
    });

    it('never appears in any error, health report or the bridge object', () => {
      const b = bridge();
      const errorForms = seen.flatMap((e) => [
        String(e),
        JSON.stringify(e),
        inspect(e, { depth: 10, showHidden: true }),
        (e as Error).stack ?? '',
      ]);
      expect(seen.length).toBeGreaterThan(15);
      for (const text of [
        ...errorForms,
        inspect(b, { showHidden: true }),
        JSON.stringify(b),
        JSON.stringify(b.health()),
      ]) {
        expect(text).not.toContain(SECRET);
      }
      expect(JSON.stringify(standin.requests)).not.toContain(SECRET);
      expect(standin.scriptLog().join('\n')).not.toContain(SECRET);
    });
  });

  it('errors carry one envelope and are told apart with instanceof', () => {
    const e = new ConnectorNotConfiguredError({
      connector: 'registry',
      commandType: 'X',
      message: 'no connector',
    });
    expect(e).toBeInstanceOf(ConnectorError);
    expect(e).not.toBeInstanceOf(RetryableConnectorError);
    expect(JSON.parse(JSON.stringify(e))).toEqual({
      connector: 'registry',
      code: 'NOT_CONFIGURED',
      retryable: false,
      status: null,
      message: 'no connector',
    });
    expect(String(new CircuitOpenError({ connector: 'c', message: 'open' }))).toBe('CircuitOpenError: open');
  });

  it('refuses bad options without echoing the secret', () => {
    expect(() => new AppsScriptBridge({ url: 'not a url', secret: SECRET })).toThrow(TypeError);
    expect(() => new AppsScriptBridge({ url: 'ftp://x', secret: SECRET })).toThrow(/http/);
    expect(() => new AppsScriptBridge({ url: 'https://x', secret: '' })).toThrow(/secret/);
    expect(() => new AppsScriptBridge({ url: 'https://x', secret: SECRET, timeoutMs: 0 })).toThrow(
      /timeoutMs/,
    );
  });
});
