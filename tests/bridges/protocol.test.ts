/**
 * The wire protocol without a network: canonical JSON (against Code.gs's own implementation),
 * signing, the request checks, and how answers are read.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkAppsScriptRequest,
  parseAppsScriptAnswer,
  signAppsScriptRequest,
} from '../../bridges/apps-script/protocol.ts';
import { canonicalJSON } from '../../bridges/canonical.ts';
import { classifyStatus, networkCode } from '../../bridges/http.ts';

describe('canonical JSON', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJSON({ service: 'google', a: [1, { y: 2, x: 'é\n' }], n: null, t: true })).toBe(
      '{"a":[1,{"x":"é\\n","y":2}],"n":null,"service":"google","t":true}',
    );
    expect(canonicalJSON({ b: undefined, a: 1 })).toBe('{"a":1}');
    expect(canonicalJSON({ d: new Date(0) })).toBe('{"d":"1970-01-01T00:00:00.000Z"}');
  });

  it('rejects what JSON would silently rewrite', () => {
    expect(() => canonicalJSON({ x: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJSON({ x: [undefined] })).toThrow(TypeError);
    expect(() => canonicalJSON({ x: 1n })).toThrow(TypeError);
    expect(() => canonicalJSON({ x: new Map() })).toThrow(/not a plain object/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJSON(cyclic)).toThrow(/circular/);
  });

  it('matches the canonicalJSON_ of Code.gs on any JSON value, and survives a JSON round trip', () => {
    const context = vm.createContext({});
    vm.runInContext(
      readFileSync(new URL('../../bridges/apps-script/Code.gs', import.meta.url), 'utf8'),
      context,
    );
    const gs = vm.runInContext('canonicalJSON_', context) as (v: unknown) => string;
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const ours = canonicalJSON(value);
        expect(gs(JSON.parse(JSON.stringify(value)))).toBe(ours);
        expect(canonicalJSON(JSON.parse(JSON.stringify(value)))).toBe(ours);
      }),
      { numRuns: 300 },
    );
  });
});

describe('signing', () => {
  it('signs timestamp.nonce.action_id.command_type.canonicalJSON(params) with HMAC-SHA256', () => {
    const body = signAppsScriptRequest(
      { action_id: 'a-1', command_type: 'REFRESH_TOKEN', params: { service: 'google', b: 1, a: [true] } },
      'k',
      { timestamp: 1_700_000_000, nonce: '0'.repeat(32) },
    );
    const expected = createHmac('sha256', 'k')
      .update(`1700000000.${'0'.repeat(32)}.a-1.REFRESH_TOKEN.{"a":[true],"b":1,"service":"google"}`)
      .digest('hex');
    expect(body.signature).toBe(expected);
    expect(body).not.toHaveProperty('secret');
  });

  it('draws a fresh 128-bit nonce for every body', () => {
    const req = { action_id: 'a', command_type: 'X', params: {} };
    const nonces = new Set(Array.from({ length: 50 }, () => signAppsScriptRequest(req, 'k').nonce));
    expect(nonces.size).toBe(50);
    for (const n of nonces) expect(n).toMatch(/^[0-9a-f]{32}$/);
  });

  it('refuses requests the script would refuse', () => {
    const ok = { action_id: 'a', command_type: 'CHECK_INTEGRATION_STATUS', params: { service: 'google' } };
    expect(() => checkAppsScriptRequest(ok)).not.toThrow();
    expect(() => checkAppsScriptRequest({ ...ok, action_id: '' })).toThrow(/action_id/);
    expect(() => checkAppsScriptRequest({ ...ok, action_id: 'x'.repeat(513) })).toThrow(/action_id/);
    expect(() => checkAppsScriptRequest({ ...ok, command_type: 'lower' })).toThrow(/command_type/);
    expect(() => checkAppsScriptRequest({ ...ok, params: [] as unknown as Record<string, unknown> })).toThrow(
      /params/,
    );
  });
});

describe('answers', () => {
  it('reads results, errors and anything else', () => {
    expect(parseAppsScriptAnswer('{"ok":true,"result":{"a":1}}', null)).toEqual({
      kind: 'result',
      result: { a: 1 },
    });
    expect(
      parseAppsScriptAnswer(
        '{"ok":false,"error":{"code":"IN_PROGRESS","message":"m","retryable":true}}',
        null,
      ),
    ).toEqual({
      kind: 'error',
      code: 'IN_PROGRESS',
      message: 'm',
      retryable: true,
    });
    expect(parseAppsScriptAnswer('{"ok":false,"error":{"code":"<script>"}}', null)).toMatchObject({
      code: 'UNKNOWN',
      retryable: false,
    });
    expect(parseAppsScriptAnswer('<html>', 'text/html; charset=utf-8')).toEqual({
      kind: 'malformed',
      reason: 'Apps Script answered something that is not JSON (text/html)',
    });
    expect(parseAppsScriptAnswer('{"ok":true,"result":[1]}', null).kind).toBe('malformed');
    expect(parseAppsScriptAnswer('[]', null).kind).toBe('malformed');
  });

  it('classifies statuses and names network failures by code only', () => {
    expect(classifyStatus(502)).toEqual({ code: 'HTTP_5XX', retryable: true });
    expect(classifyStatus(429)).toEqual({ code: 'RATE_LIMITED', retryable: true });
    expect(classifyStatus(401)).toEqual({ code: 'HTTP_4XX', retryable: false });
    expect(classifyStatus(304)).toEqual({ code: 'BAD_RESPONSE', retryable: false });
    const err = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' }),
    });
    expect(networkCode(err)).toBe('ECONNREFUSED');
    expect(networkCode(new TypeError('fetch failed'))).toBe('TypeError');
  });
});
