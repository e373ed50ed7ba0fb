/**
 * Generated and hand-written docs stay in step with the code: docs/errors.md is what
 * scripts/gen-errors-doc.ts renders (`npm run docs:errors` when this fails), every area module
 * of daemon/errors is loaded by daemon/errors/index.ts, every configuration variable is in
 * docs/configuration.md with its default, and the logger redacts secrets.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ENV_SCHEMA } from '../../daemon/config/index.ts';
import { allErrorCodes } from '../../daemon/errors/index.ts';
import { commandLogger, createLogger, REDACTED } from '../../daemon/logger.ts';
import { ERRORS_DOC_PATH, renderErrorsDoc } from '../../scripts/gen-errors-doc.ts';

const ERRORS_DIR = fileURLToPath(new URL('../../daemon/errors/', import.meta.url));
const CONFIG_DOC = fileURLToPath(new URL('../../docs/configuration.md', import.meta.url));

describe('docs/errors.md', () => {
  it('is up to date (regenerate with `npm run docs:errors`)', () => {
    expect(readFileSync(ERRORS_DOC_PATH, 'utf8')).toBe(renderErrorsDoc());
  });

  it('documents every registered code', () => {
    const doc = readFileSync(ERRORS_DOC_PATH, 'utf8');
    const codes = allErrorCodes();
    expect(codes.length).toBeGreaterThan(0);
    for (const e of codes) expect(doc, e.code).toContain(`| \`${e.code}\` | ${e.status} |`);
  });

  it('is fed by every area module: daemon/errors/index.ts exports each one', () => {
    const index = readFileSync(`${ERRORS_DIR}index.ts`, 'utf8');
    const areas = readdirSync(ERRORS_DIR).filter(
      (f) => f.endsWith('.ts') && f !== 'index.ts' && f !== 'registry.ts',
    );
    expect(areas).toContain('contract.ts');
    for (const f of areas)
      expect(index, `add "export * from './${f}';" to daemon/errors/index.ts`).toContain(`'./${f}'`);
  });

  it('has well-formed codes with a status, a message and a doc', () => {
    for (const e of allErrorCodes()) {
      expect(e.code).toMatch(/^ORC_ERR_[A-Z]+_[A-Z0-9_]+$/);
      expect(e.code.startsWith(`ORC_ERR_${e.area}_`)).toBe(true);
      expect(e.status).toBeGreaterThanOrEqual(400);
      expect(e.status).toBeLessThan(600);
      expect(e.message.length).toBeGreaterThan(0);
      expect(e.doc.length).toBeGreaterThan(0);
    }
  });
});

describe('docs/configuration.md', () => {
  const doc = readFileSync(CONFIG_DOC, 'utf8');
  const rows = new Map<string, string>();
  for (const line of doc.split('\n')) {
    const m = /^\| `([A-Z0-9_]+)` \|([^|]*)\|/.exec(line);
    if (m?.[1] && m[2] !== undefined) rows.set(m[1], m[2].trim());
  }

  it.each(CONFIG_VARIABLES)('has a row for %s with its default', (variable) => {
    const defaultCell = rows.get(variable);
    expect(defaultCell, `add a row for ${variable} to docs/configuration.md`).toBeDefined();
    const schema = ENV_SCHEMA.shape[variable as keyof typeof ENV_SCHEMA.shape];
    const parsed = schema.safeParse(undefined);
    const value: unknown = parsed.success ? parsed.data : undefined;
    if (value === undefined) {
      expect(defaultCell).toMatch(/^unset/);
    } else {
      const shown = Array.isArray(value) ? value.join(',') : String(value);
      expect(defaultCell).toBe(`\`${shown}\``);
    }
  });

  it('documents no variable the daemon does not read', () => {
    for (const variable of rows.keys()) expect(CONFIG_VARIABLES).toContain(variable);
  });
});

describe('logger redaction', () => {
  function capture(): { lines: () => Record<string, unknown>[]; stream: Writable } {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        chunks.push(String(chunk));
        cb();
      },
    });
    return {
      stream,
      lines: () =>
        chunks
          .join('')
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as Record<string, unknown>),
    };
  }

  it('censors tokens, secrets, passwords, signatures and authorization headers', () => {
    const out = capture();
    const logger = createLogger({ logLevel: 'info' }, out.stream);
    logger.info(
      {
        token: 'tok-1',
        secret: 'sec-1',
        password: 'pw-1',
        signature: 'sig-1',
        authorization: 'Bearer top-1',
        apps_script_secret: 'ass-1',
        req: {
          method: 'POST',
          headers: { authorization: 'Bearer tok-2', 'content-type': 'application/json' },
        },
        bridge: { token: 'tok-3', secret: 'sec-3', password: 'pw-3', signature: 'sig-3', url: 'https://x' },
        env: { APPS_SCRIPT_SECRET: 'ass-2', PORT: '8080' },
        config: { appsScriptSecret: 'ass-3', authTokens: [{ role: 'agent', subject: 'a', token: 'tok-4' }] },
      },
      'hello',
    );
    const [line] = out.lines();
    const text = JSON.stringify(line);
    for (const s of ['tok-', 'sec-', 'pw-', 'sig-', 'top-1', 'ass-']) expect(text).not.toContain(s);
    expect(line).toMatchObject({
      msg: 'hello',
      token: REDACTED,
      req: { method: 'POST', headers: { authorization: REDACTED, 'content-type': 'application/json' } },
      bridge: { token: REDACTED, url: 'https://x' },
      env: { APPS_SCRIPT_SECRET: REDACTED, PORT: '8080' },
      config: { authTokens: [{ role: 'agent', subject: 'a', token: REDACTED }] },
    });
  });

  it('binds action_id, agent_id and command_type per command, and redacts in the child', () => {
    const out = capture();
    const log = commandLogger(createLogger({ logLevel: 'debug' }, out.stream), {
      actionId: 'act-1',
      agentId: 'agent-7',
      commandType: 'REFRESH_TOKEN',
    });
    log.debug({ token: 'tok-9' }, 'refreshing');
    expect(out.lines()[0]).toMatchObject({
      action_id: 'act-1',
      agent_id: 'agent-7',
      command_type: 'REFRESH_TOKEN',
      token: REDACTED,
      msg: 'refreshing',
      level: 20,
    });
  });

  it('honours the configured level', () => {
    const out = capture();
    const logger = createLogger({ logLevel: 'warn' }, out.stream);
    logger.info('dropped');
    logger.warn('kept');
    expect(out.lines().map((l) => l.msg)).toEqual(['kept']);
  });
});
