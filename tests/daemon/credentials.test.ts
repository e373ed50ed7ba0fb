/**
 * Credentials: the Apps Script secret reaches the bridge only through the credentials provider,
 * and never shows up in logs (captured from the daemon's own pino logger), in errors, in health
 * or readiness details, or anywhere in the ledger after commands succeed and fail.
 */
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsScriptBridge } from '../../bridges/apps-script/bridge.ts';
import { EnvCredentialsProvider } from '../../bridges/credentials.ts';
import { ConnectorError, ConnectorNotConfiguredError } from '../../bridges/errors.ts';
import { IntegrationsConnector } from '../../connectors/integrations.ts';
import { loadConfig } from '../../daemon/config/index.ts';
import { appsScriptOptions, credentialsFor } from '../../daemon/connector-wiring.ts';
import { EventBus } from '../../daemon/core/events.ts';
import type { Ledger } from '../../daemon/core/types.ts';
import { createLedger } from '../../daemon/ledger/create.ts';
import { createLogger } from '../../daemon/logger.ts';
import { runConnector } from '../../daemon/pipeline/executor.ts';
import { OPEN_GATE } from '../../daemon/pipeline/gate.ts';
import { Recorder } from '../../daemon/pipeline/recorder.ts';
import { type AppsScriptStandIn, startAppsScriptStandIn } from '../support/apps-script-standin.ts';

const SECRET = 'cReD-pRoViDeR-sEcReT-7c1e9a4b2d';

let standin: AppsScriptStandIn;
let ledger: Ledger;
beforeAll(async () => {
  standin = await startAppsScriptStandIn({ secret: SECRET });
  ledger = await createLedger({ dataDir: 'memory://' });
  await ledger.migrate();
});
afterAll(async () => {
  await standin.close();
  await ledger.close();
});

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, stream };
}

describe('EnvCredentialsProvider', () => {
  it('returns allowed, set values and names (never shows) what is missing', async () => {
    const p = new EnvCredentialsProvider(
      { A_SECRET: 'value-1', OTHER: 'x' },
      { allow: ['A_SECRET', 'UNSET'] },
    );
    expect(await p.get('A_SECRET')).toBe('value-1');
    await expect(p.get('UNSET')).rejects.toThrow(ConnectorNotConfiguredError);
    await expect(p.get('UNSET')).rejects.toThrow('credential UNSET is not set');
    await expect(p.get('OTHER')).rejects.toThrow(/not one this provider may read/);
    expect(JSON.stringify(p)).toBe('{"provider":"env"}');
    expect(inspect(p, { showHidden: true })).not.toContain('value-1');
  });
});

describe('the Apps Script secret', () => {
  it('goes through the provider and never reaches logs, errors, health or the ledger', async () => {
    const { lines, stream } = capture();
    const logger = createLogger({ logLevel: 'trace' }, stream);
    const config = loadConfig({
      APPS_SCRIPT_URL: standin.url,
      APPS_SCRIPT_SECRET: SECRET,
      LOG_LEVEL: 'silent',
    });
    const bus = new EventBus();
    const asked: string[] = [];
    const inner = credentialsFor(config);
    const credentials = {
      get: (name: string) => {
        asked.push(name);
        return inner.get(name);
      },
    };
    const opts = appsScriptOptions(config, {
      bus,
      credentials,
      redis: () => {
        throw new Error('no rate limit configured, so no Redis is needed');
      },
    });
    expect(opts).toBeDefined();
    expect(JSON.stringify(opts)).not.toContain(SECRET);
    const bridge = new AppsScriptBridge({ ...opts!, retry: { attempts: 1 }, timeoutMs: 2_000 });
    const connector = new IntegrationsConnector({ bridge });
    const rec = new Recorder(ledger, bus);

    const run = async (actionId: string, service: string) => {
      const command = { action_id: actionId, command_type: 'CHECK_INTEGRATION_STATUS', params: { service } };
      const { action } = await ledger.createAction({
        agentId: 'agent-c',
        actionId,
        commandType: command.command_type,
        command,
        payloadHash: `h-${actionId}`,
        queue: 'q',
      });
      await ledger.advance(
        'agent-c',
        actionId,
        [
          { to: 'EVALUATING', payload: {} },
          { to: 'ALLOWED', payload: {} },
          { to: 'EXECUTING', payload: {} },
        ],
        {
          from: ['QUEUED'],
        },
      );
      const executing = (await ledger.getAction('agent-c', actionId))!;
      const out = await runConnector(rec, bus, executing, command, connector, OPEN_GATE);
      logger.info({ action, out, health: bridge.health() }, 'ran');
      return out;
    };

    expect((await run('cred-ok', 'google')).status).toBe('SUCCESS');
    // The script echoes the secret back in an error: it must be redacted before the ledger.
    standin.failService('meta', `token ${SECRET} was refused`);
    expect((await run('cred-echo', 'meta')).status).toBe('FAILED');
    standin.failService('meta', null);
    standin.failNext(1, 403);
    expect((await run('cred-403', 'google')).status).toBe('FAILED');

    // A provider that has no value: the call fails NOT_CONFIGURED, naming only the credential.
    const empty = new AppsScriptBridge({
      url: standin.url,
      credentials: { provider: new EnvCredentialsProvider({}), name: 'APPS_SCRIPT_SECRET' },
    });
    const missing = await empty
      .call({ action_id: 'x', command_type: 'CHECK_INTEGRATION_STATUS', params: { service: 'google' } })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ConnectorError);
    expect((missing as ConnectorError).code).toBe('NOT_CONFIGURED');

    logger.error({ err: missing, bridge, opts, config }, 'everything at once');
    logger.flush();
    expect(asked).toEqual(['APPS_SCRIPT_SECRET', 'APPS_SCRIPT_SECRET', 'APPS_SCRIPT_SECRET']);
    const failed = await ledger.getAction('agent-c', 'cred-echo');
    expect(failed?.error?.message).toContain('[REDACTED]');
    const stored = JSON.stringify(
      await Promise.all(
        ['cred-ok', 'cred-echo', 'cred-403'].map(async (id) => [
          await ledger.getAction('agent-c', id),
          await ledger.events('agent-c', id),
        ]),
      ),
    );
    expect(stored).toContain('ORC_ERR_CONNECTOR_HTTP_4XX');
    expect(stored).not.toContain(SECRET);
    const logged = lines.join('');
    expect(logged).toContain('everything at once');
    expect(logged).not.toContain(SECRET);
    expect(inspect(bridge, { showHidden: true, depth: 10 })).not.toContain(SECRET);
    expect(JSON.stringify(bridge.health())).not.toContain(SECRET);
  });
});
