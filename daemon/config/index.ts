/**
 * The configuration: `loadConfig()` once at start-up, then pass the frozen `Config` (or the
 * fields a part needs) down. See `docs/configuration.md` for every variable.
 *
 * @example
 * ```ts
 * import { configSummary, loadConfig } from './config/index.ts';
 * const config = loadConfig();
 * logger.info({ config: configSummary(config) }, 'configuration');
 * ```
 */
export { duplicateTokenProblems, parseAuthTokens, SUBJECT_PATTERN, TOKEN_PATTERN } from './auth-tokens.ts';
export {
  AUTH_ROLES,
  type AuthRole,
  type AuthToken,
  type Config,
  DEFAULTS,
  LOG_LEVELS,
  type LogLevel,
  POLICY_ENGINES,
  type PolicyEngineKind,
} from './config.ts';
export { type ConfigProblem, loadConfig } from './load.ts';
export { CONFIG_VARIABLES, ENV_SCHEMA, QUEUE_NAME_PATTERN, SECRET_VARIABLES } from './schema.ts';
export { configSummary, MASK, maskUrl } from './summary.ts';
