/**
 * MCP Orchestrator: Apps Script bridge.
 *
 * Deploy this file as a web app (Execute as: Me, Who has access: Anyone) and put the shared
 * secret in Script Properties under ORCHESTRATOR_SECRET. See README.md next to this file.
 *
 * Apps Script web apps cannot read request headers, so the daemon sends everything in the JSON
 * body: {action_id, command_type, params, timestamp, nonce, signature}, where
 *   signature = hex(HMAC-SHA256(secret, timestamp + "." + nonce + "." + action_id + "." +
 *                                      command_type + "." + canonicalJSON(params)))
 * and canonicalJSON sorts object keys and writes no whitespace.
 *
 * Every request is checked in this order: body shape, timestamp within ±300 s, signature
 * (constant-time compare), nonce never seen before (kept 600 s, which covers the whole window),
 * then deduplicated by action_id: an action_id that already ran returns its stored response
 * instead of running again, so the daemon can retry safely. Answers are always JSON:
 *   {"ok": true, "result": {...}}   or   {"ok": false, "error": {"code", "message", "retryable"}}
 *
 * The only part you edit is the SERVICES table below.
 */

const BRIDGE_VERSION = '1';
const TIMESTAMP_WINDOW_SECONDS = 300;
// Nonces must outlive the timestamp window on both sides: a replay inside the window is
// caught here, a replay after it fails the timestamp check.
const NONCE_TTL_SECONDS = 600;
// CacheService's maximum. The daemon's ledger is the primary guard against re-execution; this
// cache makes its retries (after a timeout, a 5xx) safe.
const RESULT_TTL_SECONDS = 21600;
// Longer than Apps Script's 6-minute execution limit, so a crashed run eventually frees its id.
const RUNNING_TTL_SECONDS = 900;
const LOCK_WAIT_MS = 10000;

/**
 * The services this script can reach. Each entry may define:
 *   checkStatus(params, ctx)  → 'CONNECTED' | 'DISCONNECTED' | 'EXPIRED' | 'ERROR'
 *   refreshToken(params, ctx) → { expires_at: ISO string or null }
 * where ctx = { action_id, command_type }. A service without a method answers
 * UNSUPPORTED_COMMAND for that command type. Throw serviceError_('message', retryable) to send
 * a message back to the daemon; any other exception is logged here and reported generically,
 * because exception texts (UrlFetchApp's in particular) can contain URLs and keys.
 */
const SERVICES = {
  // The account that deployed the script. Apps Script renews its own OAuth token.
  google: {
    checkStatus: function () {
      try {
        return ScriptApp.getOAuthToken() ? 'CONNECTED' : 'DISCONNECTED';
      } catch (err) {
        return 'DISCONNECTED';
      }
    },
    refreshToken: function () {
      ScriptApp.getOAuthToken();
      return { expires_at: new Date(Date.now() + 55 * 60 * 1000).toISOString() };
    },
  },

  // An API-key service: the key lives in Script Properties, never in the daemon.
  mailchimp: apiKeyService_('MAILCHIMP_API_KEY', function (key) {
    const dc = key.split('-')[1] || 'us1';
    return {
      url: 'https://' + dc + '.api.mailchimp.com/3.0/ping',
      headers: { Authorization: 'Basic ' + Utilities.base64Encode('orchestrator:' + key) },
    };
  }),

  // Add meta, shopify, chatwoot, … the same way, e.g.:
  // chatwoot: apiKeyService_('CHATWOOT_API_TOKEN', function (token) {
  //   return { url: 'https://app.chatwoot.com/api/v1/profile', headers: { api_access_token: token } };
  // }),
};

/** Which SERVICES method each command type calls, and how its result is shaped. */
const COMMANDS = {
  CHECK_INTEGRATION_STATUS: {
    method: 'checkStatus',
    run: function (service, params, ctx) {
      return {
        status: 'success',
        integration_status: String(service.checkStatus(params, ctx)),
        last_checked: new Date().toISOString(),
      };
    },
  },
  REFRESH_TOKEN: {
    method: 'refreshToken',
    run: function (service, params, ctx) {
      const out = service.refreshToken(params, ctx) || {};
      return { status: 'success', refreshed: true, expires_at: out.expires_at || null };
    },
  },
};

/** Web app entry point for the daemon. */
function doPost(e) {
  try {
    return json_(handle_(e));
  } catch (err) {
    console.error('orchestrator bridge failed: ' + ((err && err.stack) || err));
    return json_(failure_('INTERNAL', 'the bridge script failed; see its executions log', true));
  }
}

/** Opening the web app URL in a browser shows whether it is deployed and configured. */
function doGet() {
  const configured = !!PropertiesService.getScriptProperties().getProperty('ORCHESTRATOR_SECRET');
  return json_({ ok: true, result: { bridge: 'mcp-orchestrator', version: BRIDGE_VERSION, configured: configured } });
}

/** Run from the editor after setting Script Properties; logs the setup, never the secret. */
function checkSetup() {
  const secret = PropertiesService.getScriptProperties().getProperty('ORCHESTRATOR_SECRET');
  console.log('ORCHESTRATOR_SECRET: ' + (secret ? 'set (' + secret.length + ' characters)' : 'NOT SET'));
  console.log('services: ' + Object.keys(SERVICES).join(', '));
}

/** Throw this from a service method to report `message` to the daemon. */
function serviceError_(message, retryable) {
  const err = new Error(String(message));
  err.orchestratorExposed = true;
  err.retryable = retryable === true;
  return err;
}

function handle_(e) {
  const secret = PropertiesService.getScriptProperties().getProperty('ORCHESTRATOR_SECRET');
  if (!secret) return failure_('NOT_CONFIGURED', 'ORCHESTRATOR_SECRET is not set in Script Properties', false);

  const parsed = parseRequest_(e);
  if (parsed.error) return parsed.error;
  const req = parsed.request;

  const now = Math.floor(Date.now() / 1000);
  if (Math.abs(now - req.timestamp) > TIMESTAMP_WINDOW_SECONDS) {
    return failure_('STALE_TIMESTAMP', 'timestamp is outside the accepted window', false);
  }
  const canonicalParams = canonicalJSON_(req.params);
  const signed = [req.timestamp, req.nonce, req.action_id, req.command_type, canonicalParams].join('.');
  if (!constantTimeEqual_(hmacHex_(secret, signed), req.signature)) {
    return failure_('BAD_SIGNATURE', 'signature does not match', false);
  }

  const command = hasOwn_(COMMANDS, req.command_type) ? COMMANDS[req.command_type] : null;
  if (!command) return failure_('UNKNOWN_COMMAND', 'unknown command type ' + req.command_type, false);
  const serviceName = req.params.service;
  if (typeof serviceName !== 'string' || !hasOwn_(SERVICES, serviceName)) {
    return failure_('UNKNOWN_SERVICE', 'unknown service ' + JSON.stringify(serviceName), false);
  }
  const service = SERVICES[serviceName];
  if (typeof service[command.method] !== 'function') {
    return failure_('UNSUPPORTED_COMMAND', serviceName + ' does not support ' + req.command_type, false);
  }

  // Digests keep cache keys short (CacheService allows 250 characters) whatever the ids are.
  const actionKey = digestHex_(req.action_id);
  const payloadHash = digestHex_(req.command_type + '.' + canonicalParams);
  const cache = CacheService.getScriptCache();
  const lock = LockService.getScriptLock();
  if (!lock.tryLock(LOCK_WAIT_MS)) return failure_('BUSY', 'the script is busy; try again', true);
  try {
    const nonceKey = 'nonce:' + req.nonce;
    if (cache.get(nonceKey) !== null) return failure_('REPLAYED_NONCE', 'nonce was already used', false);
    cache.put(nonceKey, '1', NONCE_TTL_SECONDS);

    const done = cache.get('done:' + actionKey);
    if (done !== null) {
      const stored = JSON.parse(done);
      if (stored.payloadHash !== payloadHash) {
        return failure_('ACTION_CONFLICT', 'action_id was already used for another command', false);
      }
      stored.response.replayed = true;
      return stored.response;
    }
    if (cache.get('run:' + actionKey) !== null) {
      return failure_('IN_PROGRESS', 'this action_id is still running; try again', true);
    }
    cache.put('run:' + actionKey, '1', RUNNING_TTL_SECONDS);
  } finally {
    lock.releaseLock();
  }

  // The lock is not held while the service runs, so other actions proceed in parallel.
  const outcome = execute_(command, service, serviceName, req);
  if (outcome.store) {
    try {
      cache.put('done:' + actionKey, JSON.stringify({ payloadHash: payloadHash, response: outcome.response }), RESULT_TTL_SECONDS);
    } catch (err) {
      console.error('could not store the result of an action (too large?): ' + err);
    }
  }
  cache.remove('run:' + actionKey);
  return outcome.response;
}

function execute_(command, service, serviceName, req) {
  try {
    const ctx = { action_id: req.action_id, command_type: req.command_type };
    return { store: true, response: { ok: true, result: command.run(service, req.params, ctx) } };
  } catch (err) {
    const exposed = !!err && err.orchestratorExposed === true;
    const retryable = exposed && err.retryable === true;
    if (!exposed) console.error(serviceName + ' ' + req.command_type + ' failed: ' + ((err && err.stack) || err));
    const message = exposed ? err.message : serviceName + ' failed; see the script executions log';
    // A retryable failure promises that running again is safe, so it is not remembered.
    return { store: !retryable, response: failure_('SERVICE_ERROR', message, retryable) };
  }
}

function parseRequest_(e) {
  const bad = function (message) {
    return { error: failure_('BAD_REQUEST', message, false) };
  };
  if (!e || !e.postData || typeof e.postData.contents !== 'string') return bad('expected a JSON body');
  let body;
  try {
    body = JSON.parse(e.postData.contents);
  } catch (err) {
    return bad('body is not JSON');
  }
  if (!isPlainObject_(body)) return bad('body must be a JSON object');
  if (typeof body.action_id !== 'string' || body.action_id.length === 0 || body.action_id.length > 512) {
    return bad('action_id must be a non-empty string');
  }
  if (typeof body.command_type !== 'string' || !/^[A-Z][A-Z0-9_]{0,63}$/.test(body.command_type)) {
    return bad('command_type must be an upper-case identifier');
  }
  if (!isPlainObject_(body.params)) return bad('params must be a JSON object');
  if (typeof body.timestamp !== 'number' || !Number.isInteger(body.timestamp)) {
    return bad('timestamp must be an integer (unix seconds)');
  }
  if (typeof body.nonce !== 'string' || !/^[0-9a-f]{32}$/.test(body.nonce)) return bad('nonce must be 32 hex digits');
  if (typeof body.signature !== 'string' || !/^[0-9a-f]{64}$/.test(body.signature)) {
    return bad('signature must be 64 hex digits');
  }
  return { request: body };
}

/** Same algorithm as bridges/canonical.ts, for values that came out of JSON.parse. */
function canonicalJSON_(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return '[' + value.map(canonicalJSON_).join(',') + ']';
  return (
    '{' +
    Object.keys(value)
      .sort()
      .map(function (key) {
        return JSON.stringify(key) + ':' + canonicalJSON_(value[key]);
      })
      .join(',') +
    '}'
  );
}

function hmacHex_(secret, value) {
  return hex_(Utilities.computeHmacSha256Signature(value, secret, Utilities.Charset.UTF_8));
}

function digestHex_(value) {
  return hex_(Utilities.computeDigest(Utilities.DigestAlgorithm.SHA_256, value, Utilities.Charset.UTF_8));
}

/** Apps Script returns signed bytes (-128…127). */
function hex_(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = (bytes[i] + 256) % 256;
    out += (b < 16 ? '0' : '') + b.toString(16);
  }
  return out;
}

/** Compares every character whatever differs first, so timing reveals nothing of the expected value. */
function constantTimeEqual_(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

function failure_(code, message, retryable) {
  return { ok: false, error: { code: code, message: message, retryable: retryable === true } };
}

function json_(value) {
  return ContentService.createTextOutput(JSON.stringify(value)).setMimeType(ContentService.MimeType.JSON);
}

function isPlainObject_(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function hasOwn_(object, key) {
  return Object.prototype.hasOwnProperty.call(object, key);
}

/**
 * Builds a SERVICES entry for a service reached with an API key kept in Script Properties.
 * `request(key)` returns {url, headers} of a cheap authenticated endpoint: 2xx means
 * CONNECTED, 401/403 DISCONNECTED, anything else is reported as a (retryable, for 5xx) error.
 */
function apiKeyService_(property, request) {
  return {
    checkStatus: function () {
      const key = PropertiesService.getScriptProperties().getProperty(property);
      if (!key) return 'DISCONNECTED';
      const target = request(key);
      const res = UrlFetchApp.fetch(target.url, { headers: target.headers, muteHttpExceptions: true });
      const code = res.getResponseCode();
      if (code >= 200 && code < 300) return 'CONNECTED';
      if (code === 401 || code === 403) return 'DISCONNECTED';
      throw serviceError_('status check answered HTTP ' + code, code >= 500 || code === 429);
    },
  };
}
