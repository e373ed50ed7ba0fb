/**
 * docs/builtins.md must match what scripts/gen-builtins-doc.ts generates from OPA's catalogue and
 * the default registry. When this fails, run `npx node scripts/gen-builtins-doc.ts`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createDefaultRegistry } from '../../rego/builtins/index.ts';
import { OPA_BUILTINS } from '../../rego/builtins/opa-catalog.ts';
import { BUILTINS_DOC_PATH, renderBuiltinsDoc } from '../../scripts/gen-builtins-doc.ts';

describe('OPA catalogue', () => {
  it('lists each builtin once', () => {
    const names = OPA_BUILTINS.map((b) => b.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('includes well-known builtins, including ones this library will not implement', () => {
    const names = new Set(OPA_BUILTINS.map((b) => b.name));
    for (const n of [
      'plus',
      'count',
      'walk',
      'http.send',
      'net.lookup_ip_addr',
      'io.jwt.decode',
      'opa.runtime',
      'print',
    ]) {
      expect(names.has(n)).toBe(true);
    }
  });

  it('has a category for every builtin', () => {
    for (const b of OPA_BUILTINS) expect(b.category).toMatch(/^[a-z][a-z.]*$/);
  });
});

describe('docs/builtins.md', () => {
  it('is up to date (regenerate with `npx node scripts/gen-builtins-doc.ts`)', () => {
    expect(readFileSync(BUILTINS_DOC_PATH, 'utf8')).toBe(renderBuiltinsDoc());
  });

  it('lists every registered builtin, either in a category table or as not in the catalogue', () => {
    const doc = renderBuiltinsDoc();
    for (const b of createDefaultRegistry().all()) expect(doc).toContain(`| \`${b.name}\` |`);
  });
});
