/**
 * The jury panel's configuration: who the jurors are, how their votes combine and what one
 * command may cost. Validated once at load (zod), then frozen; every problem is reported with the
 * path of the field at fault (`jurors[1].family: …`).
 *
 * Secrets never live in the file: a juror names the environment variable that holds its key
 * (`apiKeyEnv`), and may name one that overrides its base URL (`baseUrlEnv`, in the style of
 * `OPENAI_BASE_URL`), so the same panel file can point at a local stand-in in tests.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** How many approvals carry the panel. @defaultValue 'majority' */
export const RuleSchema = z.union([
  z.literal('majority'),
  z.literal('unanimous'),
  z.strictObject({ k_of_n: z.int().min(1, 'k_of_n needs at least one approval') }),
]);
export type PanelRule = z.infer<typeof RuleSchema>;

const EnvName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name (A-Z, 0-9, _)');

const JurorSchema = z.strictObject({
  /** Stable name in votes, metrics and the ledger. */
  id: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'must be lowercase letters, digits, - or _ (max 40)'),
  /** Persona prompt file, relative to the panel file (`prompts/security.md`). */
  persona: z.string().min(1),
  model: z.string().min(1),
  /** Model family (`openai`, `google`, `mistral`, …): a panel needs more than one. */
  family: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'must be a lowercase family name'),
  /** OpenAI-compatible endpoint, e.g. `https://api.openai.com/v1`. */
  baseUrl: z.url({ protocol: /^https?$/ }),
  /** When set in the environment, replaces `baseUrl`. */
  baseUrlEnv: EnvName.optional(),
  /** Environment variable holding the API key; must be set when the panel is loaded. */
  apiKeyEnv: EnvName,
  /** @defaultValue 0 */
  temperature: z.number().min(0).max(2).default(0),
  /** Per juror call; on expiry the juror counts as no approval. @defaultValue 20_000 */
  timeoutMs: z.int().min(100).max(300_000).default(20_000),
  /** Completion token cap; also the completion side of the cost estimate. @defaultValue 400 */
  maxTokens: z.int().min(64).max(4_096).default(400),
  /** USD per 1,000 tokens, used to estimate a command's cost before asking and to record it after. */
  pricePer1kTokens: z.strictObject({ prompt: z.number().min(0), completion: z.number().min(0) }),
});

const PanelFileSchema = z
  .strictObject({
    jurors: z.array(JurorSchema).min(1, 'a panel needs at least one juror').max(15),
    rule: RuleSchema.default('majority'),
    /** Estimated worst-case USD for one command; above it the jury is not asked (needs approval). */
    costBudgetUsd: z.number().positive(),
    /** Rubric file, relative to the panel file. @defaultValue 'rubric.md' */
    rubric: z.string().min(1).default('rubric.md'),
    /** Allow every juror to come from one model family (loses the jury's resistance to self-bias). */
    allowSingleFamily: z.boolean().default(false),
  })
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    p.jurors.forEach((j, i) => {
      if (seen.has(j.id))
        ctx.addIssue({ code: 'custom', path: ['jurors', i, 'id'], message: `duplicate id ${j.id}` });
      seen.add(j.id);
    });
    if (typeof p.rule === 'object' && p.rule.k_of_n > p.jurors.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['rule', 'k_of_n'],
        message: `k_of_n is ${p.rule.k_of_n} but the panel has ${p.jurors.length} juror(s)`,
      });
    }
    const families = new Set(p.jurors.map((j) => j.family));
    if (p.jurors.length > 1 && families.size === 1 && !p.allowSingleFamily) {
      ctx.addIssue({
        code: 'custom',
        path: ['jurors'],
        message: `every juror is of family "${[...families][0]}"; use jurors from different model families or set allowSingleFamily: true`,
      });
    }
    if (p.jurors.length === 1 && !p.allowSingleFamily) {
      ctx.addIssue({
        code: 'custom',
        path: ['jurors'],
        message: 'a one-juror panel is a single family; add jurors or set allowSingleFamily: true',
      });
    }
  });

export type PanelFile = z.input<typeof PanelFileSchema>;

/** One juror, resolved: persona text loaded, base URL chosen. The key stays in the environment. */
export interface Juror {
  readonly id: string;
  readonly personaFile: string;
  readonly personaText: string;
  readonly model: string;
  readonly family: string;
  readonly baseUrl: string;
  readonly apiKeyEnv: string;
  readonly temperature: number;
  readonly timeoutMs: number;
  readonly maxTokens: number;
  readonly pricePer1kTokens: { readonly prompt: number; readonly completion: number };
}

/** A validated, frozen panel. */
export interface Panel {
  readonly jurors: readonly Juror[];
  readonly rule: PanelRule;
  readonly costBudgetUsd: number;
  readonly rubricText: string;
  readonly allowSingleFamily: boolean;
}

/** A panel that cannot be used; `issues` name each field at fault. */
export class PanelConfigError extends Error {
  override readonly name = 'PanelConfigError';
  readonly issues: readonly { readonly path: string; readonly message: string }[];
  constructor(source: string, issues: readonly { path: string; message: string }[]) {
    super(
      `invalid jury panel ${source}:\n${issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`).join('\n')}`,
    );
    this.issues = issues;
  }
}

export interface PanelLoadOptions {
  /** Where persona and rubric paths are resolved from. @defaultValue the panel file's folder */
  readonly baseDir?: string;
  /** Environment for `apiKeyEnv` and `baseUrlEnv`. @defaultValue process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Name of the source in error messages. @defaultValue '(inline)' */
  readonly source?: string;
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)),
    '',
  );
}

/** Number of approvals that carry a panel of `n` jurors under `rule`. */
export function requiredApprovals(rule: PanelRule, n: number): number {
  if (rule === 'majority') return Math.floor(n / 2) + 1;
  if (rule === 'unanimous') return n;
  return rule.k_of_n;
}

/**
 * Validates a panel object, reads its persona and rubric files and resolves base URLs and the
 * presence of API keys. Throws `PanelConfigError` listing every problem.
 *
 * @example
 * ```ts
 * const panel = parsePanel(JSON.parse(text), { baseDir: 'judges', env: process.env });
 * ```
 */
export function parsePanel(raw: unknown, opts: PanelLoadOptions = {}): Panel {
  const source = opts.source ?? '(inline)';
  const env = opts.env ?? process.env;
  const baseDir = opts.baseDir ?? process.cwd();
  const parsed = PanelFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new PanelConfigError(
      source,
      parsed.error.issues.map((i) => ({ path: fieldPath(i.path), message: i.message })),
    );
  }
  const p = parsed.data;
  const issues: { path: string; message: string }[] = [];
  const read = (file: string, path: string): string => {
    const full = isAbsolute(file) ? file : resolve(baseDir, file);
    try {
      const text = readFileSync(full, 'utf8');
      if (text.trim() === '') issues.push({ path, message: `${full} is empty` });
      return text;
    } catch (err) {
      issues.push({ path, message: `cannot read ${full}: ${(err as Error).message}` });
      return '';
    }
  };
  const rubricText = read(p.rubric, 'rubric');
  const jurors = p.jurors.map((j, i): Juror => {
    if (!env[j.apiKeyEnv]) {
      issues.push({
        path: `jurors[${i}].apiKeyEnv`,
        message: `environment variable ${j.apiKeyEnv} is not set`,
      });
    }
    let baseUrl = j.baseUrl;
    const override = j.baseUrlEnv ? env[j.baseUrlEnv] : undefined;
    if (override) {
      if (!URL.canParse(override) || !/^https?:$/.test(new URL(override).protocol)) {
        issues.push({
          path: `jurors[${i}].baseUrlEnv`,
          message: `${j.baseUrlEnv} is not an http(s) URL`,
        });
      } else baseUrl = override;
    }
    return Object.freeze({
      id: j.id,
      personaFile: j.persona,
      personaText: read(j.persona, `jurors[${i}].persona`),
      model: j.model,
      family: j.family,
      baseUrl,
      apiKeyEnv: j.apiKeyEnv,
      temperature: j.temperature,
      timeoutMs: j.timeoutMs,
      maxTokens: j.maxTokens,
      pricePer1kTokens: Object.freeze({ ...j.pricePer1kTokens }),
    });
  });
  if (issues.length > 0) throw new PanelConfigError(source, issues);
  return Object.freeze({
    jurors: Object.freeze(jurors),
    rule: typeof p.rule === 'object' ? Object.freeze({ ...p.rule }) : p.rule,
    costBudgetUsd: p.costBudgetUsd,
    rubricText,
    allowSingleFamily: p.allowSingleFamily,
  });
}

/**
 * Loads a panel file (`.json`, or `.yaml`/`.yml`); paths inside it are relative to the file.
 *
 * @example
 * ```ts
 * const panel = loadPanel('judges/panel.json'); // throws PanelConfigError at start-up
 * ```
 */
export function loadPanel(file: string, opts: Omit<PanelLoadOptions, 'source'> = {}): Panel {
  let raw: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    raw = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new PanelConfigError(file, [{ path: '', message: (err as Error).message }]);
  }
  return parsePanel(raw, { baseDir: dirname(file), ...opts, source: file });
}
