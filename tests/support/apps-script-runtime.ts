/**
 * Runs `bridges/apps-script/Code.gs` in a `node:vm` context with in-memory versions of the
 * Apps Script services it uses (Utilities, CacheService, PropertiesService, LockService,
 * ContentService), enforcing their documented limits so that a script relying on more than
 * Apps Script allows fails here too. The stand-in serves it over HTTP.
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

const CODE_GS = new URL('../../bridges/apps-script/Code.gs', import.meta.url);

export interface LoadedScript {
  doPost(body: string): string;
  /** The script's SERVICES table (its own object, edited in place). */
  services: Record<string, unknown>;
  serviceError(message: string, retryable: boolean): Error;
  logs: string[];
}

/**
 * Loads Code.gs into a fresh context holding `secret` as the Script Property
 * `ORCHESTRATOR_SECRET`.
 *
 * @example
 * ```ts
 * const script = loadAppsScript('test-secret');
 * const answer = JSON.parse(script.doPost(JSON.stringify(signedBody)));
 * ```
 */
export function loadAppsScript(secret: string): LoadedScript {
  const logs: string[] = [];
  const context = vm.createContext(appsScriptGlobals(secret, logs));
  vm.runInContext(readFileSync(CODE_GS, 'utf8'), context, { filename: 'Code.gs' });
  const doPost = vm.runInContext('doPost', context) as (e: unknown) => { getContent(): string };
  return {
    doPost: (body) =>
      doPost({
        postData: {
          contents: body,
          length: Buffer.byteLength(body),
          type: 'application/json',
          name: 'postData',
        },
        parameter: {},
        parameters: {},
        queryString: '',
        contextPath: '',
        contentLength: Buffer.byteLength(body),
      }).getContent(),
    services: vm.runInContext('SERVICES', context) as Record<string, unknown>,
    serviceError: vm.runInContext('serviceError_', context) as (m: string, r: boolean) => Error,
    logs,
  };
}

/**
 * The Apps Script services Code.gs uses, with their documented limits enforced so that a
 * script relying on more than Apps Script allows fails here too.
 */
function appsScriptGlobals(secret: string, logs: string[]): Record<string, unknown> {
  const signed = (buf: Buffer): number[] => Array.from(buf, (b) => (b > 127 ? b - 256 : b));
  const utf8Only = (charset: unknown): void => {
    if (charset !== 'UTF_8') throw new Error('stand-in: Code.gs must pass Utilities.Charset.UTF_8');
  };
  const cache = new Map<string, { value: string; expires: number }>();
  const properties: Record<string, string> = { ORCHESTRATOR_SECRET: secret };
  const write =
    (level: string) =>
    (...args: unknown[]): void => {
      logs.push(`${level}: ${args.map(String).join(' ')}`);
    };
  return {
    Utilities: {
      Charset: { UTF_8: 'UTF_8', US_ASCII: 'US_ASCII' },
      DigestAlgorithm: { SHA_256: 'SHA_256' },
      computeHmacSha256Signature: (value: string, key: string, charset: unknown) => {
        utf8Only(charset);
        return signed(createHmac('sha256', Buffer.from(key, 'utf8')).update(value, 'utf8').digest());
      },
      computeDigest: (algorithm: unknown, value: string, charset: unknown) => {
        if (algorithm !== 'SHA_256') throw new Error('stand-in: only SHA_256 is provided');
        utf8Only(charset);
        return signed(createHash('sha256').update(value, 'utf8').digest());
      },
      base64Encode: (value: string) => Buffer.from(value, 'utf8').toString('base64'),
    },
    CacheService: {
      getScriptCache: () => ({
        get: (key: string): string | null => {
          const hit = cache.get(key);
          if (!hit || hit.expires <= Date.now()) return null;
          return hit.value;
        },
        put: (key: string, value: string, seconds = 600): void => {
          if (key.length > 250) throw new Error('Argument too large: key');
          if (value.length > 100 * 1024) throw new Error('Argument too large: value');
          if (seconds > 21_600) throw new Error('Argument too large: expirationInSeconds');
          cache.set(key, { value, expires: Date.now() + seconds * 1000 });
        },
        remove: (key: string): void => {
          cache.delete(key);
        },
      }),
    },
    PropertiesService: {
      getScriptProperties: () => ({ getProperty: (name: string) => properties[name] ?? null }),
    },
    // doPost runs synchronously to completion here, so the lock is never contended.
    LockService: {
      getScriptLock: () => ({
        tryLock: () => true,
        waitLock: () => {},
        releaseLock: () => {},
        hasLock: () => true,
      }),
    },
    ContentService: {
      MimeType: { JSON: 'application/json', TEXT: 'text/plain' },
      createTextOutput: (content: string) => {
        let mime = 'text/plain';
        const out = {
          getContent: () => content,
          getMimeType: () => mime,
          setMimeType: (m: string) => {
            mime = m;
            return out;
          },
        };
        return out;
      },
    },
    ScriptApp: { getOAuthToken: () => 'stand-in-oauth-token' },
    UrlFetchApp: {
      fetch: () => {
        throw new Error('stand-in: UrlFetchApp is not available');
      },
    },
    console: { log: write('log'), info: write('info'), warn: write('warn'), error: write('error') },
  };
}
