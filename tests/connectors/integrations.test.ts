/**
 * The integrations connector (through the real bridge and the stand-in, and with a fake bridge
 * for the cases that must not reach it), the connector registry, and the import rules of the
 * bridges/ and connectors/ rooms.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsScriptBridge, type AppsScriptRequest } from '../../bridges/apps-script/bridge.ts';
import { ConnectorError, ConnectorNotConfiguredError } from '../../bridges/errors.ts';
import {
  bridgeActionId,
  type IntegrationsBridge,
  IntegrationsConnector,
} from '../../connectors/integrations.ts';
import { ConnectorRegistry, createDefaultConnectors } from '../../connectors/registry.ts';
import type { Connector, ExecutionContext } from '../../daemon/core/types.ts';
import { type AppsScriptStandIn, startAppsScriptStandIn } from '../support/apps-script-standin.ts';

const SECRET = 'integrations-test-secret-9f8e7d6c';
const ctx = (agentId: string, actionId: string): ExecutionContext => ({
  agentId,
  actionId,
  signal: new AbortController().signal,
});

/** Records calls and answers with `result`. */
function fakeBridge(
  result: Record<string, unknown>,
): IntegrationsBridge & { calls: [AppsScriptRequest, AbortSignal?][] } {
  const calls: [AppsScriptRequest, AbortSignal?][] = [];
  return {
    calls,
    call: async (request, signal) => {
      calls.push([request, signal]);
      return result;
    },
    health: () => ({ state: 'closed' }),
  };
}

let standin: AppsScriptStandIn;
beforeAll(async () => {
  standin = await startAppsScriptStandIn({ secret: SECRET });
});
afterAll(async () => {
  await standin.close();
});

describe('IntegrationsConnector through the Apps Script bridge', () => {
  const connector = (): IntegrationsConnector =>
    new IntegrationsConnector({
      bridge: new AppsScriptBridge({ url: standin.url, secret: SECRET, timeoutMs: 2_000 }),
    });

  it('checks an integration status as the runbook expects', async () => {
    const result = await connector().execute(
      {
        action_id: 'int-check-1',
        command_type: 'CHECK_INTEGRATION_STATUS',
        params: { service: 'mailchimp' },
      },
      ctx('agent-7', 'int-check-1'),
    );
    expect(result).toEqual({
      status: 'success',
      integration_status: 'CONNECTED',
      last_checked: expect.any(String),
    });
    expect(standin.executions('int-check-1')).toBe(1);
    expect(standin.executionCounts().get('agent-7/int-check-1')).toBe(1);
  });

  it('reports what the service says, and refreshes tokens', async () => {
    standin.setIntegrationStatus('chatwoot', 'DISCONNECTED');
    const status = await connector().execute(
      { action_id: 'int-check-2', command_type: 'CHECK_INTEGRATION_STATUS', params: { service: 'chatwoot' } },
      ctx('agent-7', 'int-check-2'),
    );
    expect(status.integration_status).toBe('DISCONNECTED');
    const refreshed = await connector().execute(
      { action_id: 'int-refresh-1', command_type: 'REFRESH_TOKEN', params: { service: 'google' } },
      ctx('agent-7', 'int-refresh-1'),
    );
    expect(refreshed).toMatchObject({ status: 'success', refreshed: true, expires_at: expect.any(String) });
  });

  it('keys idempotency by agent: the same action_id from two agents runs twice, from one agent once', async () => {
    const c = connector();
    const command = {
      action_id: 'shared-id',
      command_type: 'CHECK_INTEGRATION_STATUS',
      params: { service: 'meta' },
    };
    await c.execute(command, ctx('agent-a', 'shared-id'));
    await c.execute(command, ctx('agent-a', 'shared-id'));
    await c.execute(command, ctx('agent:b/odd', 'shared-id'));
    expect(standin.executions('shared-id')).toBe(2);
    expect(standin.executionCounts().get('agent-a/shared-id')).toBe(1);
    expect(standin.executionCounts().get(bridgeActionId('agent:b/odd', 'shared-id'))).toBe(1);
    expect(bridgeActionId('agent:b/odd', 'x/y')).toBe('agent%3Ab%2Fodd/x/y');
  });

  it('surfaces the script refusing an unknown service as a connector error', async () => {
    const err = await connector()
      .execute(
        {
          action_id: 'int-unknown',
          command_type: 'CHECK_INTEGRATION_STATUS',
          params: { service: 'friendster' },
        },
        ctx('agent-7', 'int-unknown'),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ code: 'REMOTE_ERROR', remoteCode: 'UNKNOWN_SERVICE', retryable: false });
  });
});

describe('IntegrationsConnector without reaching a bridge', () => {
  it('passes the command, the scoped action_id and the caller signal to the bridge', async () => {
    const bridge = fakeBridge({ status: 'success', integration_status: 'CONNECTED', last_checked: 'now' });
    const c = new IntegrationsConnector({ bridge });
    const context = ctx('agent-1', 'a-1');
    await c.execute(
      { action_id: 'a-1', command_type: 'CHECK_INTEGRATION_STATUS', params: { service: 'google' } },
      context,
    );
    expect(bridge.calls).toEqual([
      [
        { action_id: 'agent-1/a-1', command_type: 'CHECK_INTEGRATION_STATUS', params: { service: 'google' } },
        context.signal,
      ],
    ]);
  });

  it('refuses services that are not enabled, bad params and foreign command types', async () => {
    const bridge = fakeBridge({});
    const c = new IntegrationsConnector({ bridge, services: ['google'] });
    const run = (command_type: string, params: Record<string, unknown>) =>
      c.execute({ action_id: 'x', command_type, params }, ctx('a', 'x')).catch((e: unknown) => e);
    const disabled = await run('REFRESH_TOKEN', { service: 'meta' });
    expect(disabled).toBeInstanceOf(ConnectorNotConfiguredError);
    expect(disabled).toMatchObject({
      code: 'NOT_CONFIGURED',
      connector: 'integrations',
      commandType: 'REFRESH_TOKEN',
    });
    expect(await run('REFRESH_TOKEN', { service: 42 })).toMatchObject({ code: 'INVALID_REQUEST' });
    expect(await run('DISCOVER_PRODUCTS', { service: 'google' })).toBeInstanceOf(ConnectorNotConfiguredError);
    expect(bridge.calls).toHaveLength(0);
  });

  it('does not call a result of the wrong shape a success', async () => {
    const c = new IntegrationsConnector({ bridge: fakeBridge({ status: 'success' }) });
    const err = await c
      .execute(
        { action_id: 'x', command_type: 'REFRESH_TOKEN', params: { service: 'google' } },
        ctx('a', 'x'),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ code: 'BAD_RESPONSE', retryable: false });
  });
});

describe('ConnectorRegistry', () => {
  const noop = (name: string, commandTypes: string[]): Connector => ({
    name,
    commandTypes,
    execute: async () => ({ ok: true }),
  });

  it('maps command types to connectors and names an unconfigured type', () => {
    const registry = new ConnectorRegistry().register(noop('one', ['A', 'B']));
    expect(registry.forType('A').name).toBe('one');
    expect(registry.types()).toEqual(['A', 'B']);
    let err: unknown;
    try {
      registry.forType('DISCOVER_PRODUCTS');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConnectorNotConfiguredError);
    expect(err).toMatchObject({ code: 'NOT_CONFIGURED', retryable: false, commandType: 'DISCOVER_PRODUCTS' });
    expect((err as Error).message).toContain('DISCOVER_PRODUCTS');
  });

  it('lets a later registration of a type win', () => {
    const registry = new ConnectorRegistry().register(noop('first', ['A'])).register(noop('bench', ['A']));
    expect(registry.forType('A').name).toBe('bench');
  });

  it('registers integrations only when Apps Script is configured', () => {
    const without = createDefaultConnectors();
    expect(without.types()).toEqual([]);
    expect(() => without.forType('CHECK_INTEGRATION_STATUS')).toThrow(
      /APPS_SCRIPT_URL and APPS_SCRIPT_SECRET/,
    );

    const withScript = createDefaultConnectors({
      appsScript: { url: standin.url, secret: SECRET, timeoutMs: 1_000 },
    });
    expect(withScript.forType('CHECK_INTEGRATION_STATUS').name).toBe('integrations');
    expect(withScript.forType('REFRESH_TOKEN').name).toBe('integrations');
    expect(() => withScript.forType('CONNECT_INTEGRATION')).toThrow(ConnectorNotConfiguredError);
    expect(withScript.health()).toMatchObject({ integrations: { state: 'closed', counters: { calls: 0 } } });
  });
});

describe('rooms', () => {
  const root = resolve(import.meta.dirname, '../..');
  const files = (dir: string): string[] =>
    readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(root, dir, f));
  /** Every relative import of a file, with whether it is type-only. */
  const imports = (file: string): { target: string; typeOnly: boolean }[] =>
    [
      ...readFileSync(file, 'utf8').matchAll(/^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+'(\.[^']+)'/gm),
    ].map((m) => ({
      target: relative(root, resolve(file, '..', m[3]!)),
      typeOnly: m[2] !== undefined,
    }));

  it('bridges/ imports nothing of ours outside bridges/', () => {
    for (const file of files('bridges')) {
      for (const { target } of imports(file)) expect(target, relative(root, file)).toMatch(/^bridges\//);
    }
  });

  it('connectors/ imports bridges/, and daemon/ only for the core types, type-only', () => {
    for (const file of files('connectors')) {
      for (const { target, typeOnly } of imports(file)) {
        const allowed =
          target.startsWith('bridges/') ||
          target.startsWith('connectors/') ||
          (target === 'daemon/core/types.ts' && typeOnly);
        expect(allowed, `${relative(root, file)} → ${target}`).toBe(true);
      }
    }
  });
});
