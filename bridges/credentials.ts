/**
 * Credentials for bridges come through a provider, never straight from `process.env` scattered
 * through the code, so where secrets live can change without touching a bridge.
 *
 * Today: {@link EnvCredentialsProvider} (environment variables). The seam for a Supabase Vault
 * provider (not built): a class implementing {@link CredentialsProvider} whose `get(name)` runs
 * `select decrypted_secret from vault.decrypted_secrets where name = $1` as a role allowed to read
 * the vault, caches each value for a short TTL, and throws `ConnectorNotConfiguredError` naming
 * only the credential when there is no row. The daemon would pick it by configuration and pass it
 * where it passes the environment provider now (`daemon/main.ts`); bridges would not change.
 *
 * Rules every provider keeps: a value is never logged, never put in an error message, never
 * returned by `toJSON`/`inspect`, and never written to the ledger. Errors name the credential,
 * not its value.
 */
import { inspect } from 'node:util';
import { ConnectorNotConfiguredError } from './errors.ts';

/** Where bridges read secrets. */
export interface CredentialsProvider {
  /**
   * The value of credential `name`.
   * @throws ConnectorNotConfiguredError (code NOT_CONFIGURED) naming `name` when it is unset.
   */
  get(name: string): Promise<string>;
}

const NAME = /^[A-Z][A-Z0-9_]{0,127}$/;

/**
 * Reads credentials from environment variables (or any name → value map, e.g. validated
 * configuration). Only names in `allow` can be read, when given, so a bridge cannot be pointed at
 * an unrelated variable such as `DATABASE_URL`.
 *
 * @example
 * ```ts
 * const creds = new EnvCredentialsProvider(process.env, { allow: ['APPS_SCRIPT_SECRET'] });
 * const secret = await creds.get('APPS_SCRIPT_SECRET');
 * ```
 */
export class EnvCredentialsProvider implements CredentialsProvider {
  // Private: never shown by inspect, JSON.stringify or a logger serialising the provider.
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #allow: ReadonlySet<string> | undefined;

  constructor(
    env: Readonly<Record<string, string | undefined>> = process.env,
    opts: { readonly allow?: readonly string[] } = {},
  ) {
    this.#env = env;
    this.#allow = opts.allow ? new Set(opts.allow) : undefined;
  }

  async get(name: string): Promise<string> {
    if (!NAME.test(name) || (this.#allow !== undefined && !this.#allow.has(name))) {
      throw new ConnectorNotConfiguredError({
        connector: 'credentials',
        message: `credential ${NAME.test(name) ? name : '(invalid name)'} is not one this provider may read`,
      });
    }
    const value = this.#env[name];
    if (value === undefined || value === '') {
      throw new ConnectorNotConfiguredError({
        connector: 'credentials',
        message: `credential ${name} is not set`,
      });
    }
    return value;
  }

  toJSON(): { provider: 'env' } {
    return { provider: 'env' };
  }

  [inspect.custom](): string {
    return 'EnvCredentialsProvider {}';
  }
}
