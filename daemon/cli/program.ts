/**
 * The `orchestrator` command line as a commander program, built without parsing anything, so
 * tests can list its commands (`tests/daemon/runbooks.test.ts` checks every command a runbook
 * names exists). `main.ts` builds it and parses `process.argv`.
 *
 * Client commands read ORCHESTRATOR_URL (default http://127.0.0.1:8080) and ORCHESTRATOR_TOKEN.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { compile, RegoError, toJSON } from '../../rego/index.ts';
import { loadPolicyFiles, main as policyTestMain } from '../../rego/cli/policy-test.ts';
import { loadConfig } from '../config/index.ts';
import { createLedger } from '../ledger/create.ts';
import { startDaemon } from '../main.ts';
import {
  type ControlOperation,
  type ControlScope,
  control,
  controlStatus,
  decideApproval,
  getAction,
  juryReport,
  listApprovals,
  retryFailedAlerts,
  submitCommand,
} from '../sdk/index.ts';
import { formatFlip, formatStatus } from './control-format.ts';

function client(): { baseUrl: string; token: string } {
  const token = process.env.ORCHESTRATOR_TOKEN;
  if (!token)
    fail(
      'ORCHESTRATOR_TOKEN is not set: export the bearer token of your role (agent, oncall, security, admin).',
    );
  return { baseUrl: process.env.ORCHESTRATOR_URL ?? 'http://127.0.0.1:8080', token };
}

export function fail(message: string): never {
  process.stderr.write(`orchestrator: ${message}\n`);
  process.exit(1);
}

function readInput(file: string): unknown {
  const text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    fail(`${file === '-' ? 'standard input' : file} is not valid JSON: ${(err as Error).message}`);
  }
}

function scopeOf(o: { connector?: string; commandType?: string; agent?: string }): ControlScope | undefined {
  const given = [
    o.connector !== undefined ? ({ kind: 'connector', value: o.connector } as const) : undefined,
    o.commandType !== undefined ? ({ kind: 'command_type', value: o.commandType } as const) : undefined,
    o.agent !== undefined ? ({ kind: 'agent', value: o.agent } as const) : undefined,
  ].filter((x) => x !== undefined);
  if (given.length > 1) fail('give at most one of --connector, --command-type, --agent');
  return given[0];
}

/**
 * Builds the `orchestrator` program with every command; nothing runs until it is parsed.
 *
 * @example
 * ```ts
 * await buildProgram().parseAsync(); // what `orchestrator` does with process.argv
 * const names = buildProgram().commands.map((c) => c.name()); // ['start', 'submit', 'status', …]
 * ```
 */
export function buildProgram(): Command {
  const program = new Command();
  program.name('orchestrator').description('MCP Orchestrator: governs what autonomous agents may do');

  program
    .command('start')
    .description('run the daemon (embedded PGlite ledger unless DATABASE_URL is set)')
    .action(async () => {
      const config = loadConfig();
      const d = await startDaemon(config);
      process.stdout.write(`orchestrator listening on ${d.url}\n`);
      const shutdown = (): void => {
        d.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGTERM', shutdown);
      process.once('SIGINT', shutdown);
    });

  program
    .command('submit')
    .argument('<file>', 'command JSON file, or - for standard input')
    .description('submit a command as an agent (ORCHESTRATOR_TOKEN must be an agent token)')
    .action(async (file: string) => {
      const r = await submitCommand(client(), readInput(file));
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    });

  program
    .command('status')
    .argument('[action_id]', 'an action; without it, the kill switch and the poller')
    .option('--json', 'print the JSON answer')
    .description(
      'without an argument: the kill switch, the poller, replicas and held actions (oncall, admin); with one: an action',
    )
    .action(async (actionId: string | undefined, o: { json?: boolean }) => {
      if (actionId !== undefined) {
        const a = await getAction(client(), actionId);
        process.stdout.write(`${JSON.stringify(a, null, 2)}\n`);
        return;
      }
      const st = await controlStatus(client());
      process.stdout.write(o.json ? `${JSON.stringify(st, null, 2)}\n` : formatStatus(st));
    });

  for (const [op, text, scoped] of [
    ['pause', 'pause the poller on every queue: no replica takes new commands; in-flight ones finish', false],
    ['resume', 'resume the poller: waiting commands are evaluated by the policy in force now', false],
    ['halt', 'halt the kill switch (master, or one scope): no connector call starts once this returns', true],
    ['release', 'release the kill switch (master, or one scope): held actions are re-evaluated', true],
  ] as const) {
    const cmd = program
      .command(op)
      .description(`${text} (ORCHESTRATOR_TOKEN: oncall or admin)`)
      .requiredOption('--reason <text>', 'why (recorded in the audit)')
      .option('--json', 'print the JSON answer');
    if (scoped) {
      cmd
        .option('--connector <name>', 'only commands run by this connector (e.g. integrations)')
        .option('--command-type <type>', 'only commands of this type (e.g. REFRESH_TOKEN)')
        .option('--agent <id>', 'only commands of this agent');
    }
    cmd.action(
      async (o: {
        reason: string;
        json?: boolean;
        connector?: string;
        commandType?: string;
        agent?: string;
      }) => {
        const scope = scoped ? scopeOf(o) : undefined;
        const r = await control(client(), op as ControlOperation, {
          reason: o.reason,
          ...(scope ? { scope } : {}),
        });
        process.stdout.write(o.json ? `${JSON.stringify(r, null, 2)}\n` : formatFlip(r));
      },
    );
  }

  const approvals = program
    .command('approvals')
    .description('commands waiting for a person (ORCHESTRATOR_TOKEN: oncall, security or admin)');
  approvals
    .command('list')
    .description('list the commands waiting for approval, with the policy reasons and the jury votes')
    .action(async () => {
      const pending = await listApprovals(client());
      process.stdout.write(`${JSON.stringify(pending, null, 2)}\n`);
    });
  approvals
    .command('approve')
    .argument('<action_id>')
    .requiredOption('--reason <text>', 'why (recorded with the grant)')
    .description('approve once: the command is re-evaluated by the current policy, then runs')
    .action(async (actionId: string, o: { reason: string }) => {
      await decideApproval(client(), actionId, { decision: 'approve', reason: o.reason });
      process.stdout.write(`approved ${actionId}: it runs once, unless the current policy now blocks it\n`);
    });
  approvals
    .command('reject')
    .argument('<action_id>')
    .requiredOption('--reason <text>', 'why (recorded)')
    .description('reject: the command ends REJECTED and never runs')
    .action(async (actionId: string, o: { reason: string }) => {
      await decideApproval(client(), actionId, { decision: 'reject', reason: o.reason });
      process.stdout.write(`rejected ${actionId}\n`);
    });

  program
    .command('jury')
    .description('the LLM jury')
    .command('report')
    .option('--days <n>', 'period to report on, in days', '7')
    .description(
      "agreement between the jury and people's decisions: agreement, Cohen's kappa, overrides, dissent",
    )
    .action(async (o: { days: string }) => {
      const days = Number(o.days);
      if (!Number.isInteger(days) || days < 1 || days > 365)
        fail('--days must be a whole number from 1 to 365');
      process.stdout.write(`${JSON.stringify(await juryReport(client(), days), null, 2)}\n`);
    });

  program
    .command('alerts')
    .description('alert delivery')
    .command('retry-failed')
    .description('send again the deliveries that used up their attempts (after a long sink outage)')
    .action(async () => {
      const { retried } = await retryFailedAlerts(client());
      process.stdout.write(`retried ${retried} alert deliveries\n`);
    });

  const policy = program.command('policy').description('work with the Rego policy');
  policy
    .command('test')
    .argument('[dir]', 'policy directory', process.env.POLICY_DIR ?? 'policies')
    .action((dir: string) => {
      process.exit(policyTestMain([dir]));
    });
  policy
    .command('check')
    .argument('[dir]', 'policy directory', process.env.POLICY_DIR ?? 'policies')
    .description('compile the policy and run its tests; exit 1 on any problem')
    .action((dir: string) => {
      process.exit(policyTestMain([dir, '--quiet']));
    });
  policy
    .command('eval')
    .requiredOption('--input <file>', 'input document (JSON), or - for standard input')
    .option('--dir <dir>', 'policy directory', process.env.POLICY_DIR ?? 'policies')
    .option('--entrypoint <ref>', 'document to evaluate', 'data.orchestrator.decision')
    .action((o: { input: string; dir: string; entrypoint: string }) => {
      const files = loadPolicyFiles([o.dir]);
      try {
        const p = compile(files.modules, { data: files.data });
        const r = p.evalRule(o.entrypoint, { input: readInput(o.input), explain: true });
        process.stdout.write(
          `${JSON.stringify({ result: r.value === undefined ? null : toJSON(r.value), explanation: r.explanation }, null, 2)}\n`,
        );
      } catch (err) {
        if (err instanceof RegoError) fail(err.render());
        throw err;
      }
    });

  program
    .command('migrate')
    .description('apply ledger migrations (DATABASE_URL, or the embedded PGlite ledger) and exit')
    .action(async () => {
      const config = loadConfig();
      const ledger = await createLedger({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      const applied = await ledger.migrate();
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'ledger is up to date\n');
      await ledger.close();
    });
  return program;
}
