/**
 * Which connector runs which command type. A command type nobody registered ends FAILED with
 * `NOT_CONFIGURED` (a `ConnectorNotConfiguredError`), never "executed somewhere by default".
 */
import {
  AppsScriptBridge,
  type AppsScriptBridgeOptions,
  type BridgeHealth,
} from '../bridges/apps-script/bridge.ts';
import { ConnectorNotConfiguredError } from '../bridges/errors.ts';
import type { ConnectorHealth } from '../bridges/resilience/index.ts';
import { RefundWebhook, type RefundWebhookOptions } from '../bridges/payment-webhook/refund.ts';
import { ShopifyAdminBridge, type ShopifyAdminBridgeOptions } from '../bridges/shopify-admin/bridge.ts';
import type { Connector } from '../daemon/core/types.ts';
import { CHECKOUT_COMMAND_TYPES, CheckoutConnector } from './checkout.ts';
import type { CheckoutStore } from './checkout-store.ts';
import type { SessionStore } from './session-store.ts';
import { ShopifyMcpBridge, type ShopifyMcpBridgeOptions } from '../bridges/shopify-mcp/bridge.ts';
import { DiscoveryConnector, type DiscoveryConnectorOptions } from './discovery.ts';
import { INTEGRATION_COMMAND_TYPES, IntegrationsConnector } from './integrations.ts';

/** A connector that can report the health of its bridge. */
interface WithHealth {
  health(): BridgeHealth;
}

/** A connector whose bridges report health under their own connector names. */
interface WithBridgeHealth {
  bridgeHealth(): Record<string, ConnectorHealth>;
}

/** Checkout's wiring: the shop, and (for CHECKOUT_COMPLETE) the ledger store and refund webhook. */
export interface CheckoutWiring {
  /** `SHOPIFY_SHOP_DOMAIN`, `SHOPIFY_ADMIN_TOKEN`, `SHOPIFY_API_VERSION`, `SHOPIFY_TIMEOUT_MS`. */
  readonly shopify: ShopifyAdminBridgeOptions;
  /** `PAYMENT_REFUND_WEBHOOK_URL` and `_SECRET`; without them CHECKOUT_COMPLETE is not offered. */
  readonly refunds?: RefundWebhookOptions;
  /** The daemon's checkout ledger (`daemon/ledger/checkout-store.ts`). */
  readonly store?: CheckoutStore;
  /** Experience sessions, so a failed completion fails its leg. */
  readonly sessions?: SessionStore;
}

/**
 * Maps command types to connectors.
 *
 * @example
 * ```ts
 * const registry = new ConnectorRegistry();
 * registry.register(new IntegrationsConnector({ bridge }));
 * registry.forType('CHECK_INTEGRATION_STATUS').name; // → 'integrations'
 * registry.forType('DISCOVER_PRODUCTS'); // throws ConnectorNotConfiguredError
 * ```
 */
export class ConnectorRegistry {
  readonly #byType = new Map<string, Connector>();
  readonly #hints = new Map<string, string>();

  /** Registers `connector` for each of its command types; a later registration of a type wins. */
  register(connector: Connector): this {
    for (const type of connector.commandTypes) this.#byType.set(type, connector);
    return this;
  }

  /** Tells operators how to configure `types` when a command of one arrives unconfigured. */
  hint(types: readonly string[], howToConfigure: string): this {
    for (const type of types) this.#hints.set(type, howToConfigure);
    return this;
  }

  /**
   * The connector for `commandType`.
   *
   * @example
   * ```ts
   * const connector = registry.forType(action.commandType);
   * const result = await connector.execute(command, ctx);
   * ```
   * @throws ConnectorNotConfiguredError naming the type (and how to configure it, when known).
   */
  forType(commandType: string): Connector {
    const connector = this.#byType.get(commandType);
    if (connector) return connector;
    const hint = this.#hints.get(commandType);
    throw new ConnectorNotConfiguredError({
      connector: 'registry',
      commandType,
      message: `no connector is configured for command type ${JSON.stringify(commandType.slice(0, 64))}${hint ? `: ${hint}` : ''}`,
    });
  }

  has(commandType: string): boolean {
    return this.#byType.has(commandType);
  }

  /** Command types that have a connector, sorted. */
  types(): string[] {
    return [...this.#byType.keys()].sort();
  }

  /** Distinct registered connectors. */
  connectors(): Connector[] {
    return [...new Set(this.#byType.values())];
  }

  /**
   * Breaker state and last error of each connector that reports one, keyed by connector name,
   * plus each bridge's own entry under its resilience connector name (`shopify-admin`,
   * `payment-webhook`, `shopify-mcp:<slug>`).
   *
   * @example
   * ```ts
   * registry.health(); // → { integrations: { state: 'closed' }, checkout: {…}, 'shopify-admin': {…} }
   * ```
   */
  health(): Record<string, BridgeHealth> {
    const out: Record<string, BridgeHealth> = {};
    for (const c of this.connectors()) {
      const h = (c as Partial<WithHealth>).health;
      if (typeof h === 'function') out[c.name] = h.call(c);
      const b = (c as Partial<WithBridgeHealth>).bridgeHealth;
      if (typeof b === 'function') Object.assign(out, b.call(c));
    }
    return out;
  }
}

export interface DefaultConnectorsOptions {
  /** The Apps Script bridge (`APPS_SCRIPT_URL`, `APPS_SCRIPT_SECRET`); integrations need it. */
  readonly appsScript?: AppsScriptBridgeOptions;
  /** Integration services commands may name. @defaultValue undefined (the script decides) */
  readonly integrationServices?: readonly string[];
  /** Checkout through Shopify draft orders; unset leaves the checkout types unconfigured. */
  readonly checkout?: CheckoutWiring;
  /**
   * Product discovery (DISCOVER_PRODUCTS) across the curated partners in `partners` (the
   * ledger), through their Storefront MCP endpoints. @defaultValue undefined (not configured)
   */
  readonly discovery?: {
    readonly partners: DiscoveryConnectorOptions['partners'];
    readonly bridge?: ShopifyMcpBridgeOptions;
  };
}

/**
 * The daemon's connectors for the given configuration: integrations only when Apps Script is
 * configured, discovery when a partner store is given; the other command types stay
 * unconfigured and end NOT_CONFIGURED.
 *
 * @example
 * ```ts
 * const registry = createDefaultConnectors({
 *   appsScript: { url: process.env.APPS_SCRIPT_URL!, secret: process.env.APPS_SCRIPT_SECRET!, timeoutMs: 15_000 },
 * });
 * ```
 */
export function createDefaultConnectors(options: DefaultConnectorsOptions = {}): ConnectorRegistry {
  const registry = new ConnectorRegistry();
  if (options.appsScript) {
    const bridge = new AppsScriptBridge(options.appsScript);
    registry.register(
      new IntegrationsConnector({
        bridge,
        ...(options.integrationServices ? { services: options.integrationServices } : {}),
      }),
    );
  } else {
    registry.hint(INTEGRATION_COMMAND_TYPES, 'set APPS_SCRIPT_URL and APPS_SCRIPT_SECRET');
  }
  if (options.checkout) {
    const { shopify, refunds, store, sessions } = options.checkout;
    registry.register(
      new CheckoutConnector({
        shopify: new ShopifyAdminBridge(shopify),
        ...(store ? { store } : {}),
        ...(sessions ? { sessions } : {}),
        ...(refunds ? { refunds: new RefundWebhook(refunds) } : {}),
      }),
    );
    registry.hint(['CHECKOUT_COMPLETE'], 'set PAYMENT_REFUND_WEBHOOK_URL and PAYMENT_REFUND_WEBHOOK_SECRET');
  } else {
    registry.hint(CHECKOUT_COMMAND_TYPES, 'set SHOPIFY_SHOP_DOMAIN and SHOPIFY_ADMIN_TOKEN');
  }
  if (options.discovery) {
    registry.register(
      new DiscoveryConnector({
        bridge: new ShopifyMcpBridge(options.discovery.bridge),
        partners: options.discovery.partners,
      }),
    );
  }
  return registry;
}
