import { describe, expect, it } from 'vitest';
import { fixedClockHarness } from '../support/builtin-harness.ts';

const { call, expectError } = fixedClockHarness();

describe('hashes', () => {
  it.each([
    ['crypto.md5', 'hello', '5d41402abc4b2a76b9719d911017c592'],
    ['crypto.sha1', 'hello', 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d'],
    ['crypto.sha256', 'hello', '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824'],
    ['crypto.md5', '', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['crypto.sha256', 'é', '4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c'],
  ])('%s(%j)', (name, input, want) => {
    expect(call(name, input)).toBe(want);
  });

  it('type errors', () => {
    expectError('eval_type_error', 'operand 1 must be string but got number', 'crypto.sha256', 1);
  });
});

describe('hmac', () => {
  // RFC 4231 test case 2 (key "Jefe").
  const msg = 'what do ya want for nothing?';
  it.each([
    ['crypto.hmac.md5', '750c783e6ab0b503eaa86e310a5db738'],
    ['crypto.hmac.sha1', 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79'],
    ['crypto.hmac.sha256', '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'],
    [
      'crypto.hmac.sha512',
      '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
    ],
  ])('%s', (name, want) => {
    expect(call(name, msg, 'Jefe')).toBe(want);
  });

  it('type errors name the operand', () => {
    expectError('eval_type_error', 'operand 1 must be string but got number', 'crypto.hmac.sha256', 1, 'k');
    expectError('eval_type_error', 'operand 2 must be string but got null', 'crypto.hmac.sha256', 'm', null);
  });

  it('crypto.hmac.equal', () => {
    expect(call('crypto.hmac.equal', 'abc', 'abc')).toBe(true);
    expect(call('crypto.hmac.equal', 'abc', 'abd')).toBe(false);
    expect(call('crypto.hmac.equal', 'abc', 'abcd')).toBe(false);
    expect(call('crypto.hmac.equal', '', '')).toBe(true);
    expectError('eval_type_error', 'operand 2 must be string but got number', 'crypto.hmac.equal', 'a', 1);
  });
});
