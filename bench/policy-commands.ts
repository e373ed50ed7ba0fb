/**
 * Representative inputs of `data.orchestrator.decision`: every command type of the shipped
 * policy, a parameter escalation, a declared-severity escalation, a refresh storm, an allowlist
 * miss, an unknown type and a malformed command. The bench checks that the Rego policy and the
 * hand-written baseline agree on each, then times both on them.
 */

export interface PolicyCommand {
  /** Short label used in the bench output. */
  readonly name: string;
  /** The action the shipped policy takes (documentation; the bench compares full decisions). */
  readonly expect: 'allow' | 'judge' | 'block';
  readonly input: unknown;
}

const NOW = '2026-11-21T08:00:00Z';

function cmd(
  commandType: string,
  params: Record<string, unknown>,
  opts: { agent?: string; severity?: string; history?: Record<string, unknown> } = {},
): unknown {
  return {
    command: {
      action_id: `a-${commandType.toLowerCase()}`,
      command_type: commandType,
      params,
      severity: opts.severity ?? 'LOW',
      metadata: {},
    },
    agent: { id: opts.agent ?? 'agent-7', queue: 'agent-commands' },
    context: {
      history: opts.history ?? {
        service: { attempts_1h: 1, denials_1h: 0 },
        agent: { attempts_1h: 1, denials_1h: 0 },
      },
    },
    now: NOW,
  };
}

export const POLICY_COMMANDS: readonly PolicyCommand[] = [
  { name: 'check-status', expect: 'allow', input: cmd('CHECK_INTEGRATION_STATUS', { service: 'gmail' }) },
  {
    name: 'refresh-token',
    expect: 'judge',
    input: cmd(
      'REFRESH_TOKEN',
      { service: 'gmail' },
      { history: { service: { attempts_1h: 3, denials_1h: 1 }, agent: { attempts_1h: 2, denials_1h: 0 } } },
    ),
  },
  { name: 'connect-integration', expect: 'block', input: cmd('CONNECT_INTEGRATION', { service: 'slack' }) },
  {
    name: 'discover-products',
    expect: 'allow',
    input: cmd('DISCOVER_PRODUCTS', { query: 'trail running shoes', limit: 50 }),
  },
  {
    name: 'discover-large-limit',
    expect: 'judge',
    input: cmd('DISCOVER_PRODUCTS', { query: 'shoes', limit: 1000 }),
  },
  {
    name: 'checkout-precheck',
    expect: 'allow',
    input: cmd('CHECKOUT_PRECHECK', { cart_id: 'c-1', total_amount: 129.99, currency: 'EUR' }),
  },
  {
    name: 'checkout-complete',
    expect: 'judge',
    input: cmd(
      'CHECKOUT_COMPLETE',
      { cart_id: 'c-1', total_amount: 129.99, currency: 'EUR' },
      { agent: 'agent-checkout-1' },
    ),
  },
  {
    name: 'checkout-over-limit',
    expect: 'block',
    input: cmd(
      'CHECKOUT_COMPLETE',
      { cart_id: 'c-2', total_amount: 2400, currency: 'EUR' },
      { agent: 'agent-checkout-2' },
    ),
  },
  {
    name: 'update-session-leg',
    expect: 'allow',
    input: cmd('UPDATE_SESSION_LEG', { session_id: 's-1', leg: 2, status: 'confirmed' }),
  },
  {
    name: 'declared-high',
    expect: 'block',
    input: cmd('UPDATE_SESSION_LEG', { session_id: 's-1', leg: 3 }, { severity: 'HIGH' }),
  },
  {
    name: 'refresh-storm',
    expect: 'block',
    input: cmd(
      'REFRESH_TOKEN',
      { service: 'gmail' },
      { history: { service: { attempts_1h: 12, denials_1h: 4 }, agent: { attempts_1h: 9, denials_1h: 3 } } },
    ),
  },
  {
    name: 'allowlist-miss',
    expect: 'block',
    input: cmd('CHECKOUT_COMPLETE', { cart_id: 'c-3', total_amount: 40 }, { agent: 'agent-7' }),
  },
  { name: 'unknown-type', expect: 'block', input: cmd('DELETE_ALL_DATA', { confirm: true }) },
  {
    name: 'malformed',
    expect: 'block',
    input: { command: { command_type: 42, params: [] }, agent: { id: 'agent-7' }, now: NOW },
  },
];
