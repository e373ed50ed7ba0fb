/** Jury test fixtures: panels of scripted jurors pointed at the OpenAI stand-in, and a request. */
import { fileURLToPath } from 'node:url';
import type { JuryRequest } from '../../judges/jury.ts';
import { type PanelFile, type PanelRule, parsePanel } from '../../judges/panel.ts';

export const JUDGES_DIR = fileURLToPath(new URL('../../judges/', import.meta.url));
export const ENV = { JURY_TEST_KEY: 'sk-test' };

const PERSONAS = ['security', 'compliance', 'business'] as const;
const FAMILIES = ['openai', 'google', 'mistral'] as const;

/** Raw panel of `n` jurors whose model names are `m-<runId>-<i>` (scripted per test). */
export function panelFile(
  baseUrl: string,
  runId: string,
  opts: { n?: number; rule?: PanelRule; timeoutMs?: number; costBudgetUsd?: number } = {},
): PanelFile {
  const n = opts.n ?? 3;
  return {
    rule: opts.rule ?? 'majority',
    costBudgetUsd: opts.costBudgetUsd ?? 1,
    jurors: Array.from({ length: n }, (_, i) => ({
      id: `juror-${i}`,
      persona: `prompts/${PERSONAS[i % 3]}.md`,
      model: `m-${runId}-${i}`,
      family: FAMILIES[i % 3]!,
      baseUrl,
      apiKeyEnv: 'JURY_TEST_KEY',
      timeoutMs: opts.timeoutMs ?? 5_000,
      pricePer1kTokens: { prompt: 0.001, completion: 0.002 },
    })),
  };
}

export function testPanel(...args: Parameters<typeof panelFile>) {
  return parsePanel(panelFile(...args), { baseDir: JUDGES_DIR, env: ENV });
}

export const REQUEST: JuryRequest = {
  command: {
    action_id: 'rt-001',
    command_type: 'REFRESH_TOKEN',
    params: { service: 'google' },
    severity: 'MEDIUM',
  },
  policy: { risk: 'MEDIUM', reasons: ['credential refresh is reviewed by the jury'] },
  history: { service: { attempts_1h: 1, denials_1h: 0 }, agent: { attempts_1h: 2, denials_1h: 0 } },
  agent: { id: 'agent-a', queue: 'commands' },
};
