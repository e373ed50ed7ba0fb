/**
 * Reading what `opa build -t wasm` writes: a gzipped tar with `/policy.wasm`, `/data.json` and
 * `/.manifest`, or a bare module. A tar reader is a few dozen lines, so none is a dependency.
 * OPA writes plain ustar entries; GNU long names and pax `path` records are handled too so a
 * re-packed bundle still works.
 *
 * @example
 * ```ts
 * const { wasm, data } = unpackPolicyFile(readFileSync('bundle.tar.gz'), 'orchestrator/decision');
 * const revision = revisionOf(wasm, data);
 * ```
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';

/** Largest uncompressed bundle accepted: a policy bundle is kilobytes; a gzip bomb is not. */
export const MAX_BUNDLE_BYTES = 256 * 1024 * 1024; // bytes

/** One regular file of a tar archive. */
export interface TarEntry {
  /** Path without a leading `/` or `./`, e.g. `policy.wasm`, `teams/payments/data.json`. */
  readonly path: string;
  readonly bytes: Buffer;
}

function cstring(b: Buffer, start = 0, length = b.length): string {
  const field = b.subarray(start, start + length);
  const nul = field.indexOf(0);
  return field.subarray(0, nul === -1 ? field.length : nul).toString('utf8');
}

function octal(b: Buffer, start: number, length: number, what: string): number {
  const text = cstring(b, start, length).trim();
  // GNU base-256 sizes (high bit set) only appear above 8 GiB: far beyond any policy bundle.
  if (!/^[0-7]+$/.test(text)) throw new Error(`tar: invalid ${what} field`);
  return Number.parseInt(text, 8);
}

function paxPath(body: Buffer): string | undefined {
  // Records are "<len> <key>=<value>\n"; only `path` matters here.
  let off = 0;
  let path: string | undefined;
  while (off < body.length) {
    const space = body.indexOf(0x20, off);
    if (space === -1) break;
    const len = Number.parseInt(body.subarray(off, space).toString('ascii'), 10);
    if (!Number.isSafeInteger(len) || len <= 0) break;
    const record = body.subarray(space + 1, off + len - 1).toString('utf8');
    if (record.startsWith('path=')) path = record.slice('path='.length);
    off += len;
  }
  return path;
}

function normalizePath(name: string): string | undefined {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  return parts.some((p) => p === '..') ? undefined : parts.join('/');
}

/**
 * Reads every regular file of a `.tar.gz`. Throws on a corrupt archive (bad checksum,
 * truncated entry) or one that inflates beyond `maxBytes`.
 *
 * @example
 * ```ts
 * const entries = readTarGz(readFileSync('bundle.tar.gz'));
 * entries.find((e) => e.path === 'policy.wasm');
 * ```
 */
export function readTarGz(gz: Buffer, maxBytes: number = MAX_BUNDLE_BYTES): TarEntry[] {
  const tar = gunzipSync(gz, { maxOutputLength: maxBytes });
  const entries: TarEntry[] = [];
  let off = 0;
  let longName: string | undefined;
  while (off + 512 <= tar.length) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
    if (sum !== octal(header, 148, 8, 'checksum')) throw new Error(`tar: bad header checksum at byte ${off}`);
    const size = octal(header, 124, 12, 'size');
    const type = String.fromCharCode(header[156]!);
    const body = tar.subarray(off + 512, off + 512 + size);
    if (body.length < size) throw new Error('tar: truncated entry');
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = cstring(body);
      continue;
    }
    if (type === 'x') {
      longName = paxPath(body) ?? longName;
      continue;
    }
    const ustar = cstring(header, 257, 6) === 'ustar';
    const prefix = ustar ? cstring(header, 345, 155) : '';
    const name = longName ?? (prefix ? `${prefix}/${cstring(header, 0, 100)}` : cstring(header, 0, 100));
    longName = undefined;
    if (type !== '0' && type !== '\0' && type !== '7') continue; // directories, links, pax globals
    const path = normalizePath(name);
    if (path !== undefined) entries.push({ path, bytes: Buffer.from(body) });
  }
  return entries;
}

export interface DataFile {
  readonly path: string;
  readonly bytes: Buffer;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Bundle data files sit at their document path (`a/b/data.json` is `data.a.b`), as OPA loads them. */
export function mergeData(files: readonly DataFile[]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const f of files) {
    let doc: unknown;
    try {
      doc = JSON.parse(f.bytes.toString('utf8'));
    } catch (e) {
      throw new Error(`${f.path}: ${(e as Error).message}`);
    }
    const at = f.path.split('/').slice(0, -1);
    for (let i = at.length - 1; i >= 0; i--) doc = { [at[i]!]: doc };
    if (!isRecord(doc)) throw new Error(`${f.path}: data at the root must be an object`);
    mergeInto(root, doc, f.path, 'data');
  }
  return root;
}

function mergeInto(into: Record<string, unknown>, from: Record<string, unknown>, file: string, path: string) {
  for (const [k, v] of Object.entries(from)) {
    const existing = into[k];
    // defineProperty, not assignment: a `__proto__` key in data must stay a plain key.
    if (!Object.hasOwn(into, k))
      Object.defineProperty(into, k, { value: v, enumerable: true, writable: true });
    else if (isRecord(existing) && isRecord(v)) mergeInto(existing, v, file, `${path}.${k}`);
    else throw new Error(`${file}: ${path}.${k} is already defined by another data file`);
  }
}

/** `path \0 byteLength \0 bytes` per file, module first, then data sorted by path. */
export function revisionOf(wasm: Buffer, data: readonly DataFile[]): string {
  const h = createHash('sha256');
  h.update(`policy.wasm\0${wasm.length}\0`).update(wasm);
  for (const f of [...data].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    h.update(`${f.path}\0${f.bytes.length}\0`).update(f.bytes);
  }
  return h.digest('hex');
}

export function unpackPolicyFile(file: Buffer, entrypoint: string): { wasm: Buffer; data: DataFile[] } {
  if (file[0] === 0x00 && file[1] === 0x61 && file[2] === 0x73 && file[3] === 0x6d)
    return { wasm: file, data: [] };
  if (file[0] !== 0x1f || file[1] !== 0x8b) throw new Error('neither a wasm module nor a .tar.gz bundle');
  const entries = readTarGz(file);
  const manifest = entries.find((e) => e.path === '.manifest');
  let modulePath = 'policy.wasm';
  if (manifest) {
    const m: unknown = JSON.parse(manifest.bytes.toString('utf8'));
    const listed = isRecord(m) && Array.isArray(m.wasm) ? m.wasm : [];
    const mine = listed.find((w): w is { module: string } => isRecord(w) && w.entrypoint === entrypoint);
    if (mine && typeof mine.module === 'string') modulePath = normalizePath(mine.module) ?? modulePath;
  }
  const wasm = entries.find((e) => e.path === modulePath);
  if (!wasm) throw new Error(`the bundle has no ${modulePath} (build it with opa build -t wasm)`);
  const unsupported = entries.find((e) => /(^|\/)data\.ya?ml$/.test(e.path));
  // Silently missing data would let the policy decide on defaults: refuse instead.
  if (unsupported)
    throw new Error(`${unsupported.path}: YAML data in bundles is not supported; use data.json`);
  const data = entries.filter((e) => e.path === 'data.json' || e.path.endsWith('/data.json'));
  return { wasm: wasm.bytes, data };
}
