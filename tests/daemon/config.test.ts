/**
 * Configuration: defaults, parsing of every kind of variable, the rules across variables, auth
 * tokens (env and file), that errors name every bad variable without echoing secrets, freezing,
 * and the masked summary for the start-up log.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  CONFIG_VARIABLES,
  type Config,
  configSummary,
  DEFAULTS,
  loadConfig,
  maskUrl,
  parseAuthTokens,
} from '../../daemon/config/index.ts';
import { OrchestratorError } from '../../daemon/errors/index.ts';

const TOKEN_A = 'agent-a-token-0123456789';
const TOKEN_B = 'oncall-b-token-abcdefghij';

/** The error loadConfig throws for `env`; fails the test when it does not throw. */
function configError(env: Record<string, string>): OrchestratorError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(OrchestratorError);
    return err as OrchestratorError;
  }
  throw new Error(`expected loadConfig to throw for ${JSON.stringify(Object.keys(env))}`);
}

const dir = mkdtempSync(join(tmpdir(), 'orchestrator-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadConfig: defaults', () => {
  it('gives the documented defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ ...DEFAULTS, queues: ['agent-commands'], authTokens: [] });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.appsScriptUrl).toBeUndefined();
    expect(c.policyWasmPath).toBeUndefined();
  });

  it('treats blank values as unset', () => {
    expect(loadConfig({ PORT: '', LOG_LEVEL: '  ', DATABASE_URL: '' })).toMatchObject({
      port: 8080,
      logLevel: 'info',
      databaseUrl: undefined,
    });
  });

  it('ignores variables that are not its own', () => {
    expect(() => loadConfig({ PATH: '/usr/bin', HOME: '/root', NODE_ENV: 'production' })).not.toThrow();
  });

  it('reads process.env when called without arguments', () => {
    // Blank every variable first so whatever the machine running the tests sets cannot interfere.
    for (const v of CONFIG_VARIABLES) vi.stubEnv(v, '');
    vi.stubEnv('PORT', '1234');
    try {
      expect(loadConfig().port).toBe(1234);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('loadConfig: parsing', () => {
  it('parses every kind of value', () => {
    const c = loadConfig({
      PORT: '0',
      HOST: '0.0.0.0',
      REDIS_URL: 'rediss://:pw@redis.internal:6380/1',
      DATABASE_URL: 'postgresql://app:pw@127.0.0.1:5432/ledger',
      POLICY_ENGINE: 'wasm',
      POLICY_WASM_PATH: './bundle/policy.wasm',
      POLICY_WATCH: 'FALSE',
      ORCHESTRATOR_QUEUES: ' agent-commands , checkout_agents ,',
      DEAD_LETTER_QUEUE: 'dead',
      WORKER_CONCURRENCY: '32',
      APPS_SCRIPT_URL: 'https://script.google.com/macros/s/AKfy/exec',
      APPS_SCRIPT_SECRET: 'a-very-secret-hmac-key',
      LOG_LEVEL: 'debug',
    });
    expect(c).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      redisUrl: 'rediss://:pw@redis.internal:6380/1',
      databaseUrl: 'postgresql://app:pw@127.0.0.1:5432/ledger',
      policyEngine: 'wasm',
      policyWasmPath: './bundle/policy.wasm',
      policyWatch: false,
      queues: ['agent-commands', 'checkout_agents'],
      deadLetterQueue: 'dead',
      workerConcurrency: 32,
      appsScriptUrl: 'https://script.google.com/macros/s/AKfy/exec',
      appsScriptSecret: 'a-very-secret-hmac-key',
      logLevel: 'debug',
    });
  });

  it.each([
    ['true', true],
    ['1', true],
    ['false', false],
    ['0', false],
    ['True', true],
  ])('reads the boolean %j as %s', (value, expected) => {
    expect(loadConfig({ POLICY_WATCH: value }).policyWatch).toBe(expected);
  });

  it('allows plain http to the Apps Script only on loopback', () => {
    const secret = { APPS_SCRIPT_SECRET: 'a-very-secret-hmac-key' };
    expect(loadConfig({ ...secret, APPS_SCRIPT_URL: 'http://127.0.0.1:8099/exec' }).appsScriptUrl).toBe(
      'http://127.0.0.1:8099/exec',
    );
    expect(loadConfig({ ...secret, APPS_SCRIPT_URL: 'http://localhost/exec' }).appsScriptUrl).toBeDefined();
    expect(configError({ ...secret, APPS_SCRIPT_URL: 'http://script.google.com/x' }).message).toContain(
      'APPS_SCRIPT_URL',
    );
  });

  it.each<[string, string, string]>([
    ['PORT', '80a', 'PORT: must be an integer from 0 to 65535 (got "80a")'],
    ['PORT', '65536', 'PORT: must be an integer from 0 to 65535'],
    ['PORT', '1e3', 'PORT: must be an integer'],
    ['WORKER_CONCURRENCY', '0', 'WORKER_CONCURRENCY: must be an integer from 1 to 1024'],
    ['POLICY_WATCH', 'yes', 'POLICY_WATCH: must be true, false, 1 or 0'],
    ['POLICY_ENGINE', 'opa', 'POLICY_ENGINE: must be one of rego, wasm'],
    ['LOG_LEVEL', 'verbose', 'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent'],
    ['REDIS_URL', 'localhost:6379', 'REDIS_URL: must be a redis:// or rediss:// URL'],
    ['REDIS_URL', 'http://localhost:6379', 'REDIS_URL: must be a redis:// or rediss:// URL'],
    ['DATABASE_URL', 'mysql://x@y/z', 'DATABASE_URL: must be a postgres:// or postgresql:// URL'],
    [
      'ORCHESTRATOR_QUEUES',
      'good,bad queue',
      'ORCHESTRATOR_QUEUES: must be a comma-separated list of queue names',
    ],
    ['ORCHESTRATOR_QUEUES', ',', 'ORCHESTRATOR_QUEUES: must be a comma-separated list'],
    ['ORCHESTRATOR_QUEUES', 'a,a', 'ORCHESTRATOR_QUEUES: must not name the same queue twice'],
    ['DEAD_LETTER_QUEUE', 'dead:letter', 'DEAD_LETTER_QUEUE: must be 1 to 64 characters'],
    ['APPS_SCRIPT_SECRET', 'short', 'APPS_SCRIPT_SECRET: must be at least 16 characters'],
  ])('refuses %s=%j', (variable, value, message) => {
    const err = configError({ [variable]: value });
    expect(err.code).toBe('ORC_ERR_CONFIG_INVALID');
    expect(err.status).toBe(500);
    expect(err.message).toContain(message);
  });

  it('names every bad variable in one error', () => {
    const err = configError({ PORT: 'x', REDIS_URL: 'nope', LOG_LEVEL: 'loud', POLICY_ENGINE: 'wasm' });
    for (const v of ['PORT', 'REDIS_URL', 'LOG_LEVEL', 'POLICY_WASM_PATH'])
      expect(err.message).toContain(`${v}:`);
    const problems = (err.params.details as { problems: { variable: string }[] }).problems;
    expect(problems.map((p) => p.variable).sort()).toEqual([
      'LOG_LEVEL',
      'POLICY_WASM_PATH',
      'PORT',
      'REDIS_URL',
    ]);
  });
});

describe('loadConfig: rules across variables', () => {
  it.each<[Record<string, string>, string]>([
    [{ POLICY_ENGINE: 'wasm' }, 'POLICY_WASM_PATH: required when POLICY_ENGINE is wasm'],
    [{ DEAD_LETTER_QUEUE: 'agent-commands' }, 'DEAD_LETTER_QUEUE: must not be one of ORCHESTRATOR_QUEUES'],
    [
      { APPS_SCRIPT_URL: 'https://script.google.com/x' },
      'APPS_SCRIPT_SECRET: required when APPS_SCRIPT_URL is set',
    ],
    [{ MAX_COMMAND_BYTES: '70000' }, 'MAX_COMMAND_BYTES: must not exceed BODY_LIMIT_BYTES (65536)'],
  ])('%j', (env, message) => {
    expect(configError(env).message).toContain(message);
  });

  it('accepts MAX_COMMAND_BYTES up to BODY_LIMIT_BYTES', () => {
    expect(loadConfig({ MAX_COMMAND_BYTES: '70000', BODY_LIMIT_BYTES: '70000' }).maxCommandBytes).toBe(
      70_000,
    );
  });
});

describe('auth tokens', () => {
  it('parses role:subject:token entries; the token may contain colons', () => {
    const c = loadConfig({
      ORCHESTRATOR_AUTH_TOKENS: `agent:agent-7:${TOKEN_A}, oncall:alice:${TOKEN_B}:x,`,
    });
    expect(c.authTokens).toEqual([
      { role: 'agent', subject: 'agent-7', token: TOKEN_A },
      { role: 'oncall', subject: 'alice', token: `${TOKEN_B}:x` },
    ]);
  });

  it.each([
    [`boss:x:${TOKEN_A}`, 'entry 1: role must be one of agent, oncall, security, admin'],
    [`agent:bad subject:${TOKEN_A}`, 'entry 1: subject must be'],
    ['agent:a:short-token', 'entry 1: token must be at least 16 characters'],
    [`agent:a:${TOKEN_A} spaced`, 'entry 1: token must be 16 to 512 printable ASCII characters'],
    [`agent:a:${TOKEN_A},${TOKEN_B}`, 'entry 2: expected role:subject:token'],
  ])('refuses %j, naming the entry and never echoing it', (value, message) => {
    const err = configError({ ORCHESTRATOR_AUTH_TOKENS: value });
    expect(err.message).toContain(`ORCHESTRATOR_AUTH_TOKENS: ${message}`);
    expect(err.message).not.toContain(TOKEN_A);
    expect(err.message).not.toContain(TOKEN_B);
    expect(err.message).not.toContain('short-token');
    expect(JSON.stringify(err.params)).not.toContain(TOKEN_A);
  });

  it('reads the tokens file: one per line, comments and blank lines skipped, added to the env ones', () => {
    const file = join(dir, 'tokens');
    writeFileSync(
      file,
      `# agents\nagent:agent-9:${TOKEN_B}\n\n  # staff\r\nadmin:root:${'z'.repeat(32)}\r\n`,
    );
    const c = loadConfig({
      ORCHESTRATOR_AUTH_TOKENS: `agent:agent-7:${TOKEN_A}`,
      ORCHESTRATOR_AUTH_TOKENS_FILE: file,
    });
    expect(c.authTokens.map((t) => `${t.role}:${t.subject}`)).toEqual([
      'agent:agent-7',
      'agent:agent-9',
      'admin:root',
    ]);
    expect(c.authTokensFile).toBe(file);
  });

  it('names the line of a bad entry in the file', () => {
    const file = join(dir, 'bad-tokens');
    writeFileSync(file, `# ok\nagent:a:${TOKEN_A}\nagent:b:short\n`);
    const err = configError({ ORCHESTRATOR_AUTH_TOKENS_FILE: file });
    expect(err.message).toContain(
      'ORCHESTRATOR_AUTH_TOKENS_FILE: line 3: token must be at least 16 characters',
    );
    expect(err.message).not.toContain(TOKEN_A);
  });

  it('reports an unreadable file', () => {
    expect(configError({ ORCHESTRATOR_AUTH_TOKENS_FILE: join(dir, 'missing') }).message).toMatch(
      /ORCHESTRATOR_AUTH_TOKENS_FILE: cannot read .*missing \(ENOENT\)/,
    );
  });

  it('refuses the same token twice, across both sources, without showing it', () => {
    const file = join(dir, 'dup-tokens');
    writeFileSync(file, `oncall:bob:${TOKEN_A}\n`);
    const err = configError({
      ORCHESTRATOR_AUTH_TOKENS: `agent:a:${TOKEN_A}`,
      ORCHESTRATOR_AUTH_TOKENS_FILE: file,
    });
    expect(err.message).toContain(
      'ORCHESTRATOR_AUTH_TOKENS_FILE line 1 repeats the token of ORCHESTRATOR_AUTH_TOKENS entry 1',
    );
    expect(err.message).not.toContain(TOKEN_A);
  });

  it('parseAuthTokens reports positions', () => {
    expect(parseAuthTokens(`agent:a:${TOKEN_A}\n#x\nagent:b:${TOKEN_B}`, 'lines').positions).toEqual([
      'line 1',
      'line 3',
    ]);
  });
});

describe('secrets are never echoed', () => {
  it.each([
    ['APPS_SCRIPT_SECRET', 'tiny-secret'],
    ['DATABASE_URL', 'mysql://root:hunter2@db/x'],
    ['REDIS_URL', 'tcp://:hunter2@redis'],
  ])('%s', (variable, value) => {
    const err = configError({ [variable]: value });
    expect(err.message).toContain(`${variable}:`);
    expect(err.message).not.toContain(value);
    expect(err.message).not.toContain('hunter2');
  });
});

describe('frozen', () => {
  it('cannot be changed after loading, at any depth', () => {
    const c = loadConfig({ ORCHESTRATOR_AUTH_TOKENS: `agent:a:${TOKEN_A}` }) as {
      -readonly [K in keyof Config]: unknown;
    };
    expect(Object.isFrozen(c)).toBe(true);
    expect(() => {
      c.port = 1;
    }).toThrow(TypeError);
    expect(() => (c.queues as string[]).push('x')).toThrow(TypeError);
    expect(Object.isFrozen((c.authTokens as object[])[0])).toBe(true);
  });
});

describe('configSummary', () => {
  it('lists every setting with secrets masked', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://app:hunter2@db.example.com:5432/ledger?password=hunter3',
      REDIS_URL: 'redis://default:hunter4@redis:6379',
      APPS_SCRIPT_URL: 'https://script.google.com/macros/s/AKfy/exec?key=hunter5',
      APPS_SCRIPT_SECRET: 'hunter6-hunter6-hunter6',
      ORCHESTRATOR_AUTH_TOKENS: `agent:agent-7:${TOKEN_A}`,
    });
    const s = configSummary(c);
    const text = JSON.stringify(s);
    for (const secret of ['hunter2', 'hunter3', 'hunter4', 'hunter5', 'hunter6', TOKEN_A])
      expect(text).not.toContain(secret);
    expect(s).toMatchObject({
      databaseUrl: 'postgres://app:[redacted]@db.example.com:5432/ledger?[redacted]',
      redisUrl: 'redis://default:[redacted]@redis:6379',
      appsScriptUrl: 'https://script.google.com/macros/s/AKfy/exec?[redacted]',
      appsScriptSecret: '[redacted]',
      authTokens: [{ role: 'agent', subject: 'agent-7' }],
      port: 8080,
    });
    expect(Object.keys(s).sort()).toEqual(Object.keys(c).sort());
  });

  it('says what an unset database or bridge means', () => {
    const s = configSummary(loadConfig({}));
    expect(s.databaseUrl).toMatch(/PGlite/);
    expect(s.appsScriptUrl).toMatch(/not configured/);
    expect(s.appsScriptSecret).toBeUndefined();
  });

  it('maskUrl keeps what identifies the endpoint', () => {
    expect(maskUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(maskUrl('postgres://user@host/db')).toBe('postgres://user@host/db');
    expect(maskUrl('not a url with hunter2')).toBe('[redacted]');
    expect(maskUrl(undefined)).toBeUndefined();
  });
});

describe('variables', () => {
  it('lists each variable once, in SCREAMING_SNAKE_CASE', () => {
    expect(new Set(CONFIG_VARIABLES).size).toBe(CONFIG_VARIABLES.length);
    for (const v of CONFIG_VARIABLES) expect(v).toMatch(/^[A-Z][A-Z0-9_]*$/);
  });
});
