/**
 * The opa-wasm engine. Its decisions are tested on a bundle built from the shipped `policies/`
 * with `opa build -t wasm -e orchestrator/decision`, so that suite needs an `opa` binary on PATH
 * and reports it was skipped otherwise. Reading bundles (the tar.gz reader and the checks made
 * before a module is trusted) needs no OPA and always runs where `tar` exists.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICY_COMMANDS } from '../../bench/policy-commands.ts';
import { EventBus, type OrchestratorEvents } from '../../daemon/core/events.ts';
import type { PolicyInput } from '../../daemon/core/types.ts';
import { OrchestratorError } from '../../daemon/errors/registry.ts';
import { buildPolicyInput } from '../../daemon/policy/input.ts';
import { RegoPolicyEngine } from '../../daemon/policy/rego-engine.ts';
import { readTarGz } from '../../daemon/policy/bundle.ts';
import { WasmPolicyEngine } from '../../daemon/policy/wasm-engine.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const POLICIES = join(ROOT, 'policies');

const hasOpa = spawnSync('opa', ['version'], { encoding: 'utf8' }).status === 0;
const hasTar = spawnSync('tar', ['--version'], { encoding: 'utf8' }).status === 0;
if (!hasOpa) {
  console.info(
    'policy-wasm: skipped the opa-wasm decision tests: no `opa` binary on PATH ' +
      '(they build a bundle from policies/ with `opa build -t wasm -e orchestrator/decision`).',
  );
}
if (!hasTar) console.info('policy-wasm: skipped the bundle reader tests: no `tar` binary on PATH.');

const temps: string[] = [];
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'policy-wasm-'));
  temps.push(dir);
  return dir;
}

function run(cmd: string, args: string[], cwd = ROOT): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
}

/** Writes `files` under a temp dir and packs them with the system tar; returns the archive. */
function tarGz(files: Record<string, string | Buffer>, extraArgs: string[] = []): Buffer {
  const dir = tempDir();
  const src = join(dir, 'src');
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(dirname(join(src, name)), { recursive: true });
    writeFileSync(join(src, name), body);
  }
  const out = join(dir, 'bundle.tar.gz');
  run('tar', ['-czf', out, ...extraArgs, '-C', src, ...Object.keys(files).map((f) => `./${f}`)]);
  return readFileSync(out);
}

async function orchestratorError(fn: () => unknown): Promise<OrchestratorError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OrchestratorError);
    return e as OrchestratorError;
  }
  throw new Error('expected an OrchestratorError, nothing was thrown');
}

const NO_HISTORY = { service: { attempts_1h: 0, denials_1h: 0 }, agent: { attempts_1h: 0, denials_1h: 0 } };

function input(commandType: string, params: Record<string, unknown>, severity = 'LOW'): PolicyInput {
  return buildPolicyInput(
    { action_id: 'a-1', command_type: commandType, params, severity, metadata: {} },
    { id: 'agent-7', queue: 'agent-commands' },
    NO_HISTORY,
    new Date('2026-11-21T08:00:00Z'),
  );
}

/** A valid wasm module that is not an OPA policy (no exports at all). */
const EMPTY_WASM = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

describe.skipIf(!hasTar)('bundle reader (no OPA needed)', () => {
  const long = `${'deeply-nested-folder/'.repeat(6)}data.json`;
  const files = {
    'policy.wasm': EMPTY_WASM,
    'data.json': '{"a": 1}',
    'teams/payments/data.json': '{"b": 2}',
    [long]: '{"c": 3}',
  };

  for (const format of ['gnu', 'pax', 'ustar']) {
    it(`reads regular files of a ${format} archive, long names included`, () => {
      const entries = readTarGz(tarGz(files, [`--format=${format}`]));
      const byPath = new Map(entries.map((e) => [e.path, e.bytes]));
      expect([...byPath.keys()].sort()).toEqual(Object.keys(files).sort());
      expect(byPath.get('policy.wasm')).toEqual(EMPTY_WASM);
      expect(byPath.get(long)?.toString()).toBe('{"c": 3}');
    });
  }

  it('reads the absolute member names OPA writes (/policy.wasm)', () => {
    const entries = readTarGz(tarGz({ 'policy.wasm': 'x' }, ['-P', '--transform=s,^\\./,/,']));
    expect(entries.map((e) => e.path)).toEqual(['policy.wasm']);
  });

  it('rejects a corrupt archive', () => {
    const good = tarGz({ 'data.json': '{}' });
    expect(() => readTarGz(good.subarray(0, good.length - 8))).toThrow();
    expect(() => readTarGz(Buffer.from('not gzip'))).toThrow();
  });

  it('refuses bundles it cannot trust, with ORC_ERR_POLICY_LOAD_FAILED', async () => {
    const cases: [string, Record<string, string | Buffer>, RegExp][] = [
      ['no module', { 'data.json': '{}' }, /has no policy\.wasm/],
      ['not an OPA module', { 'policy.wasm': EMPTY_WASM }, /not an OPA policy module/],
      ['YAML data', { 'policy.wasm': EMPTY_WASM, 'data.yaml': 'a: 1' }, /YAML/],
      ['bad JSON data', { 'policy.wasm': EMPTY_WASM, 'data.json': '{' }, /data\.json/],
      [
        'conflicting data',
        { 'policy.wasm': EMPTY_WASM, 'data.json': '{"a": {"b": 1}}', 'a/data.json': '{"b": 2}' },
        /already defined/,
      ],
    ];
    for (const [name, bundle, message] of cases) {
      const path = join(tempDir(), 'bundle.tar.gz');
      writeFileSync(path, tarGz(bundle));
      const e = await orchestratorError(() => WasmPolicyEngine.load({ wasmPath: path }));
      expect(e.code, name).toBe('ORC_ERR_POLICY_LOAD_FAILED');
      expect(e.message, name).toMatch(message);
    }
  });

  it('refuses a file that is neither a module nor a bundle, and a missing file', async () => {
    const path = join(tempDir(), 'policy.wasm');
    writeFileSync(path, 'package orchestrator');
    const e = await orchestratorError(() => WasmPolicyEngine.load({ wasmPath: path }));
    expect(e.code).toBe('ORC_ERR_POLICY_LOAD_FAILED');
    const missing = await orchestratorError(() =>
      WasmPolicyEngine.load({ wasmPath: join(tempDir(), 'nope.wasm') }),
    );
    expect(missing.code).toBe('ORC_ERR_POLICY_LOAD_FAILED');
  });
});

describe.skipIf(!hasOpa)('WasmPolicyEngine on a bundle built from policies/ (needs opa)', () => {
  let bundle = '';
  let rego: RegoPolicyEngine;

  beforeAll(async () => {
    bundle = join(tempDir(), 'bundle.tar.gz');
    run('opa', ['build', '-t', 'wasm', '-e', 'orchestrator/decision', '-o', bundle, POLICIES]);
    rego = await RegoPolicyEngine.load({ dir: POLICIES });
  });

  it('decides the runbook commands like the Rego engine', async () => {
    const engine = await WasmPolicyEngine.load({ wasmPath: bundle });
    expect(engine.kind).toBe('wasm');
    expect(engine.decide(input('CHECK_INTEGRATION_STATUS', { service: 'gmail' }))).toMatchObject({
      action: 'allow',
      risk: 'LOW',
      alert: null,
    });
    expect(engine.decide(input('REFRESH_TOKEN', { service: 'gmail' }, 'LOW'))).toMatchObject({
      action: 'judge',
      risk: 'MEDIUM',
    });
    const blocked = engine.decide(input('CONNECT_INTEGRATION', { service: 'salesforce' }));
    expect(blocked).toMatchObject({
      action: 'block',
      risk: 'HIGH',
      reasons: ['New integrations require manual security and permissions review.'],
      alert: { severity: 'critical', teams: ['security', 'engineering'] },
      revision: engine.revision,
    });
    expect(blocked.evalMicros).toBeGreaterThanOrEqual(0);
  });

  it('agrees with the Rego engine on every representative command', async () => {
    const engine = await WasmPolicyEngine.load({ wasmPath: bundle });
    for (const c of POLICY_COMMANDS) {
      const { action, risk, reasons, alert } = engine.decide(c.input as PolicyInput);
      const r = rego.decide(c.input as PolicyInput);
      expect({ action, risk, reasons, alert }, c.name).toEqual({
        action: r.action,
        risk: r.risk,
        reasons: r.reasons,
        alert: r.alert,
      });
    }
  });

  it('has a 64-hex revision, stable across loads', async () => {
    const a = await WasmPolicyEngine.load({ wasmPath: bundle });
    const b = await WasmPolicyEngine.load({ wasmPath: bundle });
    expect(a.revision).toMatch(/^[0-9a-f]{64}$/);
    expect(b.revision).toBe(a.revision);
  });

  it('loads a bare policy.wasm with a separate data.json', async () => {
    const wasm = readTarGz(readFileSync(bundle)).find((e) => e.path === 'policy.wasm');
    expect(wasm).toBeDefined();
    const path = join(tempDir(), 'policy.wasm');
    writeFileSync(path, wasm?.bytes ?? Buffer.alloc(0));
    const engine = await WasmPolicyEngine.load({ wasmPath: path, dataPath: join(POLICIES, 'data.json') });
    expect(engine.decide(input('CONNECT_INTEGRATION', { service: 'x' })).action).toBe('block');
  });

  it('refuses an unknown entry point', async () => {
    const e = await orchestratorError(() =>
      WasmPolicyEngine.load({ wasmPath: bundle, entrypoint: 'nope/decision' }),
    );
    expect(e.code).toBe('ORC_ERR_POLICY_LOAD_FAILED');
    expect(e.message).toContain('orchestrator/decision');
  });

  it('reload() takes a rebuilt bundle and keeps the old module when the new one is broken', async () => {
    const dir = tempDir();
    const src = join(dir, 'policies');
    cpSync(POLICIES, src, { recursive: true });
    const path = join(dir, 'bundle.tar.gz');
    run('opa', ['build', '-t', 'wasm', '-e', 'orchestrator/decision', '-o', path, src]);
    const bus = new EventBus();
    const failed: OrchestratorEvents['policy.reload_failed'][] = [];
    const alerts: OrchestratorEvents['alert'][] = [];
    bus.on('policy.reload_failed', (e) => failed.push(e));
    bus.on('alert', (e) => alerts.push(e));
    const engine = await WasmPolicyEngine.load({ wasmPath: path, bus });
    const first = engine.revision;

    const data = join(src, 'data.json');
    writeFileSync(
      data,
      readFileSync(data, 'utf8').replace(
        '"CHECK_INTEGRATION_STATUS": "LOW"',
        '"CHECK_INTEGRATION_STATUS": "MEDIUM"',
      ),
    );
    run('opa', ['build', '-t', 'wasm', '-e', 'orchestrator/decision', '-o', path, src]);
    const ok = await engine.reload();
    expect(ok).toMatchObject({ ok: true, changed: true });
    expect(engine.revision).not.toBe(first);
    expect(engine.decide(input('CHECK_INTEGRATION_STATUS', {})).action).toBe('judge');

    const second = engine.revision;
    writeFileSync(path, 'garbage');
    const bad = await engine.reload();
    expect(bad).toMatchObject({ ok: false, changed: false, revision: second });
    expect(failed).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'policy_reload_failed', alert: { severity: 'high' } });
    expect(engine.decide(input('CHECK_INTEGRATION_STATUS', {})).revision).toBe(second);
  });
});
