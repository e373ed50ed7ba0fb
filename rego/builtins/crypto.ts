/**
 * Hash and HMAC builtins (hex output over the UTF-8 bytes of the string operands), and the
 * constant-time `crypto.hmac.equal`.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { argString, type BuiltinRegistry } from './registry.ts';

/** Registers this family's builtins. */
export function register(r: BuiltinRegistry): void {
  const cat = 'crypto';

  // Only OPA's names: a policy written here must also run on OPA (so no crypto.sha512).
  for (const [name, algo] of [
    ['crypto.md5', 'md5'],
    ['crypto.sha1', 'sha1'],
    ['crypto.sha256', 'sha256'],
  ] as const) {
    r.def(name, 1, cat, (a) => createHash(algo).update(argString(a, 0), 'utf8').digest('hex'));
  }

  for (const [name, algo] of [
    ['crypto.hmac.md5', 'md5'],
    ['crypto.hmac.sha1', 'sha1'],
    ['crypto.hmac.sha256', 'sha256'],
    ['crypto.hmac.sha512', 'sha512'],
  ] as const) {
    r.def(name, 2, cat, (a) => {
      const message = argString(a, 0);
      const key = argString(a, 1);
      return createHmac(algo, Buffer.from(key, 'utf8')).update(message, 'utf8').digest('hex');
    });
  }

  r.def('crypto.hmac.equal', 2, cat, (a) => {
    const x = Buffer.from(argString(a, 0), 'utf8');
    const y = Buffer.from(argString(a, 1), 'utf8');
    // Go's hmac.Equal: different lengths are unequal (the length is not secret).
    return x.length === y.length && timingSafeEqual(x, y);
  });
}
