/**
 * The command contract: what is accepted, what is refused and how the refusal names the field;
 * the canonical form and payload hash; and the committed JSON Schema (regenerate with
 * `npm run schema` when the "up to date" test fails).
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { canonicalJSON, payloadHash } from '../../daemon/contract/canonical.ts';
import {
  COMMAND_TYPES,
  type ContractIssue,
  contractIssues,
  parseCommandJSON,
  type ValidationResult,
  validateCommand,
} from '../../daemon/contract/command.ts';
import { ISO_3166_ALPHA2 } from '../../daemon/contract/iso-3166.ts';
import { OrchestratorError } from '../../daemon/errors/index.ts';
import { COMMAND_SCHEMA_PATH, renderCommandSchema } from '../../scripts/export-schema.ts';

const address = {
  name: 'Ada Lovelace',
  address1: '1 Main St',
  city: 'London',
  country_code: 'GB',
  zip: 'N1 9GU',
};

/** One valid command per type: the fixtures every other test mutates. */
const VALID: Record<(typeof COMMAND_TYPES)[number], Record<string, unknown>> = {
  CHECK_INTEGRATION_STATUS: { params: { service: 'google_drive' } },
  REFRESH_TOKEN: { params: { service: 'slack' }, severity: 'MEDIUM' },
  CONNECT_INTEGRATION: { params: { service: 'salesforce', scopes: ['read:contacts'] } },
  DISCOVER_PRODUCTS: { params: { query: 'hiking boots', limit: 20, partners: ['rei', 'patagonia'] } },
  CHECKOUT_PRECHECK: {
    params: {
      session_id: 'sess-1',
      line_items: [{ variant_id: 'gid://shopify/ProductVariant/1', quantity: 2 }],
      shipping_address: address,
      currency: 'GBP',
      total_amount: 129.5,
    },
  },
  CHECKOUT_COMPLETE: {
    params: {
      draft_order_id: 'gid://shopify/DraftOrder/9',
      payment_reference: 'pi_123',
      total_amount: 129.5,
      currency: 'GBP',
    },
    metadata: { trace_id: 'abc', attempt: 1, dry_run: false, note: null },
  },
  UPDATE_SESSION_LEG: {
    params: { session_id: 'sess-1', leg_id: 'leg:2', status: 'ready', reason: 'supplier confirmed' },
  },
};

function cmd(
  type: (typeof COMMAND_TYPES)[number],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    action_id: `act-${type.toLowerCase()}`,
    command_type: type,
    ...structuredClone(VALID[type]),
    ...extra,
  };
}

function issuesOf(r: ValidationResult): ContractIssue[] {
  expect(r.ok).toBe(false);
  return r.ok ? [] : contractIssues(r.error);
}

function codeOf(r: ValidationResult): string | undefined {
  return r.ok ? undefined : r.error.code;
}

describe('validateCommand: accepted', () => {
  it.each(COMMAND_TYPES)('accepts a valid %s and returns it unchanged', (type) => {
    const c = cmd(type);
    const r = validateCommand(c);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.command).toEqual(c);
  });

  it('narrows params by command_type', () => {
    const r = validateCommand(cmd('DISCOVER_PRODUCTS'));
    if (!r.ok || r.command.command_type !== 'DISCOVER_PRODUCTS')
      throw new Error('expected DISCOVER_PRODUCTS');
    const limit: number | undefined = r.command.params.limit;
    expect(limit).toBe(20);
  });

  it('accepts an action_id of exactly 128 allowed characters', () => {
    expect(
      validateCommand(cmd('CHECK_INTEGRATION_STATUS', { action_id: `a.b_c:d-${'x'.repeat(120)}` })).ok,
    ).toBe(true);
  });

  it('accepts every declared severity, including CRITICAL', () => {
    for (const severity of ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']) {
      expect(validateCommand(cmd('CHECK_INTEGRATION_STATUS', { severity })).ok).toBe(true);
    }
  });
});

describe('validateCommand: refused with the field and the reason', () => {
  it.each<[string, Record<string, unknown>, string, string]>([
    ['missing service', { params: {} }, 'params.service', 'required'],
    ['service not a slug', { params: { service: 'Google Drive' } }, 'params.service', 'invalid_format'],
    ['service not a string', { params: { service: 42 } }, 'params.service', 'invalid_type'],
    ['action_id with a space', { action_id: 'a 1' }, 'action_id', 'invalid_format'],
    ['action_id too long', { action_id: 'x'.repeat(129) }, 'action_id', 'invalid_format'],
    ['empty action_id', { action_id: '' }, 'action_id', 'invalid_format'],
    ['unknown severity', { severity: 'LOWEST' }, 'severity', 'invalid_value'],
    ['lowercase severity', { severity: 'low' }, 'severity', 'invalid_value'],
    ['unknown params key', { params: { service: 'x', extra: 1 } }, 'params.extra', 'unknown_key'],
    ['unknown envelope key', { priority: 1 }, 'priority', 'unknown_key'],
    ['metadata nested object', { metadata: { a: { b: 1 } } }, 'metadata.a', 'invalid_union'],
    ['metadata value too long', { metadata: { note: 'x'.repeat(1001) } }, 'metadata.note', 'too_big'],
    [
      'metadata key with a dot, too long value',
      { metadata: { 'a.b': 'x'.repeat(1001) } },
      'metadata["a.b"]',
      'too_big',
    ],
  ])('%s', (_name, patch, path, code) => {
    const issues = issuesOf(validateCommand(cmd('CHECK_INTEGRATION_STATUS', patch)));
    expect(issues).toContainEqual(expect.objectContaining({ path, code }));
    for (const i of issues) expect(i.message.length).toBeGreaterThan(0);
  });

  it('refuses an agent field: identity comes from the credential', () => {
    for (const key of ['agent', 'agent_id']) {
      const [issue] = issuesOf(
        validateCommand(cmd('CHECK_INTEGRATION_STATUS', { [key]: 'agent-checkout-1' })),
      );
      expect(issue).toMatchObject({ path: key, code: 'unknown_key' });
      expect(issue?.message).toMatch(/credential/);
    }
  });

  it('reports each unknown key separately', () => {
    const issues = issuesOf(validateCommand(cmd('CHECK_INTEGRATION_STATUS', { a: 1, b: 2 })));
    expect(issues.map((i) => i.path).sort()).toEqual(['a', 'b']);
  });

  it('names the valid command types, and still checks the rest of the envelope', () => {
    const issues = issuesOf(
      validateCommand({ action_id: 'bad id', command_type: 'DELETE_EVERYTHING', params: {}, agent: 'x' }),
    );
    expect(issues[0]).toMatchObject({ path: 'command_type', code: 'invalid_command_type' });
    expect(issues[0]?.message).toContain('CHECK_INTEGRATION_STATUS');
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['action_id', 'agent']));
  });

  it('says a missing command_type is required', () => {
    const issues = issuesOf(validateCommand({ action_id: 'a', params: {} }));
    expect(issues[0]).toMatchObject({ path: 'command_type', code: 'required' });
  });

  it('checks params against the declared type, not another one', () => {
    // Valid REFRESH_TOKEN params under CHECKOUT_COMPLETE.
    const issues = issuesOf(
      validateCommand({ action_id: 'a', command_type: 'CHECKOUT_COMPLETE', params: { service: 'x' } }),
    );
    expect(issues.map((i) => i.path)).toEqual(
      expect.arrayContaining([
        'params.service',
        'params.draft_order_id',
        'params.total_amount',
        'params.currency',
      ]),
    );
  });

  it('checks checkout fields down to the line item', () => {
    const bad = cmd('CHECKOUT_PRECHECK');
    const params = bad.params as Record<string, unknown>;
    params.line_items = [
      { variant_id: 'v', quantity: 1.5 },
      { variant_id: 'v2', quantity: 1001 },
    ];
    params.shipping_address = { ...address, country_code: 'UK' };
    params.currency = 'usd';
    params.total_amount = -1;
    const paths = issuesOf(validateCommand(bad)).map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'params.line_items.0.quantity',
        'params.line_items.1.quantity',
        'params.shipping_address.country_code',
        'params.currency',
        'params.total_amount',
      ]),
    );
  });

  it('bounds list sizes and numeric ranges', () => {
    const tooManyItems = cmd('CHECKOUT_PRECHECK');
    (tooManyItems.params as Record<string, unknown>).line_items = Array.from({ length: 101 }, (_, i) => ({
      variant_id: `v${i}`,
      quantity: 1,
    }));
    expect(issuesOf(validateCommand(tooManyItems))).toContainEqual(
      expect.objectContaining({ path: 'params.line_items', code: 'too_big' }),
    );
    const noItems = cmd('CHECKOUT_PRECHECK');
    (noItems.params as Record<string, unknown>).line_items = [];
    expect(issuesOf(validateCommand(noItems))[0]).toMatchObject({
      path: 'params.line_items',
      code: 'too_small',
    });
    for (const limit of [0, 1001, 2.5, '20']) {
      const c = cmd('DISCOVER_PRODUCTS');
      (c.params as Record<string, unknown>).limit = limit;
      expect(issuesOf(validateCommand(c))[0]?.path).toBe('params.limit');
    }
    const scopes = cmd('CONNECT_INTEGRATION');
    (scopes.params as Record<string, unknown>).scopes = Array.from({ length: 51 }, () => 's');
    expect(issuesOf(validateCommand(scopes))[0]?.path).toBe('params.scopes');
  });

  it('requires a numeric total_amount on CHECKOUT_COMPLETE (the policy escalates on it)', () => {
    const c = cmd('CHECKOUT_COMPLETE');
    (c.params as Record<string, unknown>).total_amount = '999';
    expect(issuesOf(validateCommand(c))[0]).toMatchObject({
      path: 'params.total_amount',
      code: 'invalid_type',
    });
    delete (c.params as Record<string, unknown>).total_amount;
    expect(issuesOf(validateCommand(c))[0]).toMatchObject({ path: 'params.total_amount', code: 'required' });
  });

  it('limits UPDATE_SESSION_LEG status to the leg states', () => {
    const c = cmd('UPDATE_SESSION_LEG');
    (c.params as Record<string, unknown>).status = 'done';
    expect(issuesOf(validateCommand(c))[0]?.message).toContain('in_customization');
  });

  it('refuses more than 32 metadata keys', () => {
    const metadata = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i]));
    expect(issuesOf(validateCommand(cmd('CHECK_INTEGRATION_STATUS', { metadata })))[0]?.path).toBe(
      'metadata',
    );
    delete metadata.k32;
    expect(validateCommand(cmd('CHECK_INTEGRATION_STATUS', { metadata })).ok).toBe(true);
  });

  it.each([null, undefined, 42, 'CHECK_INTEGRATION_STATUS', [], [cmd('CHECK_INTEGRATION_STATUS')]])(
    'refuses a non-object (%j) without throwing',
    (raw) => {
      const r = validateCommand(raw);
      expect(codeOf(r)).toBe('ORC_ERR_CONTRACT_INVALID');
      expect(issuesOf(r)[0]).toMatchObject({ path: '' });
    },
  );

  it('refuses values JSON cannot carry without throwing', () => {
    const cyclic: Record<string, unknown> = cmd('CHECK_INTEGRATION_STATUS');
    cyclic.self = cyclic;
    expect(issuesOf(validateCommand(cyclic))[0]).toMatchObject({ code: 'not_serializable' });
    expect(codeOf(validateCommand(cmd('CHECK_INTEGRATION_STATUS', { metadata: { n: 10n } })))).toBe(
      'ORC_ERR_CONTRACT_INVALID',
    );
  });

  it('returns an OrchestratorError whose JSON carries the issues', () => {
    const r = validateCommand(cmd('CHECK_INTEGRATION_STATUS', { params: {} }));
    if (r.ok) throw new Error('expected a refusal');
    expect(r.error).toBeInstanceOf(OrchestratorError);
    expect(r.error.status).toBe(400);
    expect(r.error.message).toBe('invalid command: params.service: required');
    expect(r.error.toJSON()).toEqual({
      error: {
        code: 'ORC_ERR_CONTRACT_INVALID',
        message: 'invalid command: params.service: required',
        details: { issues: [{ path: 'params.service', code: 'required', message: 'required' }] },
      },
    });
  });
});

describe('validateCommand: strings', () => {
  it('applies MAX_STRING_LENGTH where a field has no limit of its own', () => {
    const c = cmd('CHECKOUT_PRECHECK');
    ((c.params as Record<string, unknown>).shipping_address as Record<string, unknown>).address1 = 'x'.repeat(
      2049,
    );
    expect(issuesOf(validateCommand(c, { maxBytes: 100_000 }))[0]).toMatchObject({
      path: 'params.shipping_address.address1',
      code: 'too_big',
    });
    expect(validateCommand(c, { maxBytes: 100_000, maxStringLength: 4096 }).ok).toBe(true);
  });

  it('keeps the stated limits whatever MAX_STRING_LENGTH is', () => {
    const c = cmd('DISCOVER_PRODUCTS');
    (c.params as Record<string, unknown>).query = 'x'.repeat(257);
    expect(issuesOf(validateCommand(c, { maxStringLength: 100_000 }))[0]?.path).toBe('params.query');
  });

  it.each([
    ['a NUL character', 'a\u0000b'],
    ['a lone surrogate', 'a\ud800b'],
  ])('refuses %s, which Postgres jsonb cannot store', (_name, s) => {
    const r = validateCommand(cmd('CHECK_INTEGRATION_STATUS', { metadata: { note: s } }));
    expect(issuesOf(r)[0]).toMatchObject({ path: 'metadata.note', code: 'invalid_characters' });
    const key = validateCommand(cmd('CHECK_INTEGRATION_STATUS', { metadata: { [s]: 1 } }));
    expect(issuesOf(key)[0]?.code).toBe('invalid_characters');
  });

  it('accepts non-ASCII text and paired surrogates', () => {
    const c = cmd('DISCOVER_PRODUCTS');
    (c.params as Record<string, unknown>).query = 'chaussures de randonnée 🥾';
    expect(validateCommand(c).ok).toBe(true);
  });
});

describe('validateCommand: size', () => {
  it('refuses a command above maxBytes with a distinct 413 error', () => {
    const big = cmd('CHECK_INTEGRATION_STATUS', {
      metadata: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'x'.repeat(1000)])),
    });
    const r = validateCommand(big);
    expect(codeOf(r)).toBe('ORC_ERR_CONTRACT_TOO_LARGE');
    if (!r.ok) {
      expect(r.error.status).toBe(413);
      expect(r.error.params.limit).toBe(16_384);
      expect(r.error.params.bytes).toBe(Buffer.byteLength(JSON.stringify(big)));
    }
    expect(validateCommand(big, { maxBytes: 100_000 }).ok).toBe(true);
  });

  it('counts UTF-8 bytes, not characters', () => {
    const c = cmd('CHECK_INTEGRATION_STATUS', { metadata: { note: 'é'.repeat(1000) } });
    const bytes = Buffer.byteLength(JSON.stringify(c));
    expect(validateCommand(c, { maxBytes: bytes }).ok).toBe(true);
    expect(codeOf(validateCommand(c, { maxBytes: bytes - 1 }))).toBe('ORC_ERR_CONTRACT_TOO_LARGE');
  });
});

describe('validateCommand: forbidden keys', () => {
  it.each([
    [
      '{"action_id":"a","command_type":"CHECK_INTEGRATION_STATUS","params":{"service":"x","__proto__":{"polluted":true}}}',
      'params.__proto__',
    ],
    [
      '{"__proto__":{"isAdmin":true},"action_id":"a","command_type":"CHECK_INTEGRATION_STATUS","params":{"service":"x"}}',
      '__proto__',
    ],
    [
      '{"action_id":"a","command_type":"CHECK_INTEGRATION_STATUS","params":{"service":"x"},"metadata":{"constructor":"x"}}',
      'metadata.constructor',
    ],
    [
      '{"action_id":"a","command_type":"CHECKOUT_PRECHECK","params":{"line_items":[{"prototype":1}]}}',
      'params.line_items.0.prototype',
    ],
    // Nested under an unknown key: zod would stop at the unknown key and never see it.
    ['{"action_id":"a","command_type":"NOPE","junk":{"deep":[{"__proto__":{}}]}}', 'junk.deep.0.__proto__'],
  ])('refuses %s at %s', (json, path) => {
    const r = validateCommand(JSON.parse(json));
    expect(codeOf(r)).toBe('ORC_ERR_CONTRACT_FORBIDDEN_KEY');
    expect(issuesOf(r)[0]).toMatchObject({ path, code: 'forbidden_key' });
    if (!r.ok) expect(r.error.message).toContain(path);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses an object literal whose __proto__ key was defined as an own property', () => {
    const c = cmd('CHECK_INTEGRATION_STATUS');
    Object.defineProperty(c.params, '__proto__', { value: { x: 1 }, enumerable: true });
    expect(codeOf(validateCommand(c))).toBe('ORC_ERR_CONTRACT_FORBIDDEN_KEY');
  });

  it('does not overflow the stack on deep nesting', () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const r = parseCommandJSON(
      `{"action_id":"a","command_type":"CHECK_INTEGRATION_STATUS","params":{"service":"x"},"metadata":{"a":${deep}}}`,
    );
    expect(codeOf(r)).toBe('ORC_ERR_CONTRACT_INVALID');
  });
});

describe('parseCommandJSON', () => {
  it('parses and validates text and bytes', () => {
    const text = JSON.stringify(cmd('REFRESH_TOKEN'));
    expect(parseCommandJSON(text).ok).toBe(true);
    expect(parseCommandJSON(new TextEncoder().encode(text)).ok).toBe(true);
  });

  it.each(['', '{', '{"a":1,}', 'nope'])('refuses %j as NOT_JSON', (text) => {
    const r = parseCommandJSON(text);
    expect(codeOf(r)).toBe('ORC_ERR_CONTRACT_NOT_JSON');
    expect(issuesOf(r)[0]).toMatchObject({ path: '', code: 'not_json' });
  });

  it('refuses invalid UTF-8 bytes as NOT_JSON', () => {
    expect(codeOf(parseCommandJSON(new Uint8Array([0x7b, 0xff, 0x7d])))).toBe('ORC_ERR_CONTRACT_NOT_JSON');
  });

  it('refuses oversize text before parsing it', () => {
    expect(codeOf(parseCommandJSON(`{${' '.repeat(20_000)}`))).toBe('ORC_ERR_CONTRACT_TOO_LARGE');
  });
});

describe('canonicalJSON and payloadHash', () => {
  it('sorts keys at every level and drops whitespace', () => {
    expect(canonicalJSON({ b: [1, { d: true, c: null }], a: 'x' })).toBe(
      '{"a":"x","b":[1,{"c":null,"d":true}]}',
    );
  });

  it('sorts keys by UTF-16 code units (RFC 8785)', () => {
    expect(canonicalJSON({ é: 1, z: 2, Z: 3, '10': 4, '9': 5 })).toBe('{"10":4,"9":5,"Z":3,"z":2,"é":1}');
  });

  it('writes strings and numbers as JSON.stringify does', () => {
    expect(canonicalJSON(['a"b\n', 1e21, 0.1, -0, 5])).toBe(JSON.stringify(['a"b\n', 1e21, 0.1, -0, 5]));
  });

  it('refuses what JSON cannot carry faithfully', () => {
    expect(() => canonicalJSON({ a: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJSON({ a: 1n })).toThrow(TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJSON(cyclic)).toThrow(/cyclic/);
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { x: 1 };
    expect(canonicalJSON({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });

  it('gives the same hash whatever the key order, a different one for any change', () => {
    const a = cmd('CHECKOUT_COMPLETE');
    const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(a).reverse())));
    expect(payloadHash(reordered)).toBe(payloadHash(a));
    expect(payloadHash(a)).toMatch(/^[0-9a-f]{64}$/);
    const changed = structuredClone(a);
    (changed.params as Record<string, unknown>).total_amount = 129.51;
    expect(payloadHash(changed)).not.toBe(payloadHash(a));
  });

  it('hashes a validated command the same as its raw form', () => {
    const raw = cmd('CHECKOUT_PRECHECK');
    const r = validateCommand(raw);
    if (!r.ok) throw r.error;
    expect(payloadHash(r.command)).toBe(payloadHash(raw));
  });
});

describe('ISO 3166 list', () => {
  it('holds the 249 assigned codes, each known to ICU', () => {
    expect(new Set(ISO_3166_ALPHA2).size).toBe(249);
    const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
    for (const code of ISO_3166_ALPHA2) expect(names.of(code), code).toBeDefined();
  });
});

describe('docs/command.schema.json', () => {
  it('is up to date (regenerate with `npm run schema`)', () => {
    expect(readFileSync(COMMAND_SCHEMA_PATH, 'utf8')).toBe(renderCommandSchema());
  });

  it('has an $id and a title', () => {
    const schema = JSON.parse(renderCommandSchema());
    expect(schema.$id).toMatch(/^urn:/);
    expect(schema.title).toBeTruthy();
  });

  it('agrees with validateCommand on valid and invalid commands', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(renderCommandSchema()));
    const samples: unknown[] = [
      ...COMMAND_TYPES.map((t) => cmd(t)),
      cmd('CHECK_INTEGRATION_STATUS', { agent: 'x' }),
      cmd('CHECK_INTEGRATION_STATUS', { params: { service: 'Bad Service' } }),
      cmd('CHECK_INTEGRATION_STATUS', { severity: 'NONE' }),
      cmd('CHECK_INTEGRATION_STATUS', {
        metadata: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i])),
      }),
      { ...cmd('CHECKOUT_COMPLETE'), command_type: 'REFRESH_TOKEN' },
      { action_id: 'a', command_type: 'UNKNOWN', params: {} },
    ];
    for (const s of samples) expect(validate(s), JSON.stringify(s)).toBe(validateCommand(s).ok);
  });
});
