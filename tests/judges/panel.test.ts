import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPanel, PanelConfigError, parsePanel, requiredApprovals } from '../../judges/panel.ts';
import { ENV, JUDGES_DIR, panelFile } from '../support/jury-fixture.ts';

const SHIPPED_ENV = {
  JURY_SECURITY_API_KEY: 'k1',
  JURY_COMPLIANCE_API_KEY: 'k2',
  JURY_BUSINESS_API_KEY: 'k3',
};

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PanelConfigError);
    return [...(err as PanelConfigError).issues];
  }
  throw new Error('expected a PanelConfigError');
}

describe('shipped panel', () => {
  it('loads: three jurors of three families, majority, frozen', () => {
    const panel = loadPanel(join(JUDGES_DIR, 'panel.json'), { env: SHIPPED_ENV });
    expect(panel.jurors.map((j) => j.id)).toEqual(['security', 'compliance', 'business']);
    expect(new Set(panel.jurors.map((j) => j.family)).size).toBe(3);
    expect(panel.rule).toBe('majority');
    expect(panel.rubricText).toContain('approve');
    expect(panel.jurors[0]!.personaText).toContain('security');
    expect(Object.isFrozen(panel)).toBe(true);
    expect(Object.isFrozen(panel.jurors[0])).toBe(true);
  });

  it('takes a juror base URL from its baseUrlEnv when set', () => {
    const panel = loadPanel(join(JUDGES_DIR, 'panel.json'), {
      env: { ...SHIPPED_ENV, JURY_BUSINESS_BASE_URL: 'http://127.0.0.1:9/v1' },
    });
    expect(panel.jurors[2]!.baseUrl).toBe('http://127.0.0.1:9/v1');
    expect(panel.jurors[0]!.baseUrl).toBe('https://api.openai.com/v1');
  });

  it('names a missing API key variable', () => {
    const issues = issuesOf(() =>
      loadPanel(join(JUDGES_DIR, 'panel.json'), { env: { ...SHIPPED_ENV, JURY_COMPLIANCE_API_KEY: '' } }),
    );
    expect(issues).toEqual([
      { path: 'jurors[1].apiKeyEnv', message: 'environment variable JURY_COMPLIANCE_API_KEY is not set' },
    ]);
  });
});

describe('panel validation', () => {
  const base = () => panelFile('http://127.0.0.1:1/v1', 'cfg');
  const parse = (raw: unknown) => parsePanel(raw, { baseDir: JUDGES_DIR, env: ENV });

  it('refuses a panel whose jurors share one model family', () => {
    const raw = base();
    for (const j of raw.jurors) j.family = 'openai';
    const issues = issuesOf(() => parse(raw));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('jurors');
    expect(issues[0]!.message).toMatch(/every juror is of family "openai".*allowSingleFamily/);
  });

  it('accepts a single-family panel with allowSingleFamily: true', () => {
    const raw = { ...base(), allowSingleFamily: true };
    for (const j of raw.jurors) j.family = 'openai';
    expect(parse(raw).allowSingleFamily).toBe(true);
  });

  it('names each bad field', () => {
    const raw = base() as unknown as {
      jurors: Record<string, unknown>[];
      rule: unknown;
      costBudgetUsd: unknown;
    };
    raw.jurors[0]!.temperature = 3;
    raw.jurors[1]!.baseUrl = 'ftp://example.com';
    raw.jurors[2]!.id = 'juror-0';
    raw.jurors[2]!.apiKeyEnv = 'lower-case';
    raw.costBudgetUsd = 0;
    const paths = issuesOf(() => parse(raw))
      .map((i) => i.path)
      .sort();
    expect(paths).toEqual([
      'costBudgetUsd',
      'jurors[0].temperature',
      'jurors[1].baseUrl',
      'jurors[2].apiKeyEnv',
      'jurors[2].id',
    ]);
  });

  it('refuses an unknown field and k_of_n larger than the panel', () => {
    const raw = { ...base(), rule: { k_of_n: 4 }, quorum: 2 };
    const issues = issuesOf(() => parse(raw));
    expect(issues.map((i) => i.path).sort()).toEqual(['', 'rule.k_of_n']);
    expect(issues.find((i) => i.path === '')!.message).toMatch(/quorum/);
  });

  it('names a persona file that cannot be read', () => {
    const raw = base();
    raw.jurors[1]!.persona = 'prompts/missing.md';
    const issues = issuesOf(() => parse(raw));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('jurors[1].persona');
    expect(issues[0]!.message).toMatch(/cannot read .*missing\.md/);
  });

  it('computes required approvals per rule', () => {
    expect(requiredApprovals('majority', 3)).toBe(2);
    expect(requiredApprovals('majority', 4)).toBe(3);
    expect(requiredApprovals('unanimous', 3)).toBe(3);
    expect(requiredApprovals({ k_of_n: 1 }, 3)).toBe(1);
  });
});

describe('YAML panels', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('loads a .yaml panel with paths relative to the file', () => {
    dir = mkdtempSync(join(tmpdir(), 'panel-'));
    copyFileSync(join(JUDGES_DIR, 'rubric.md'), join(dir, 'rubric.md'));
    copyFileSync(join(JUDGES_DIR, 'prompts/security.md'), join(dir, 'sec.md'));
    writeFileSync(
      join(dir, 'panel.yaml'),
      [
        'rule: { k_of_n: 1 }',
        'costBudgetUsd: 0.01',
        'jurors:',
        ...['openai', 'google'].map((family, i) =>
          [
            `  - id: j${i}`,
            '    persona: sec.md',
            `    model: m${i}`,
            `    family: ${family}`,
            '    baseUrl: http://127.0.0.1:1/v1',
            '    apiKeyEnv: JURY_TEST_KEY',
            '    pricePer1kTokens: { prompt: 0.001, completion: 0.002 }',
          ].join('\n'),
        ),
      ].join('\n'),
    );
    const panel = loadPanel(join(dir, 'panel.yaml'), { env: ENV });
    expect(panel.rule).toEqual({ k_of_n: 1 });
    expect(panel.jurors[1]!.timeoutMs).toBe(20_000);
  });
});
