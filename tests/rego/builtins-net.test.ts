import { describe, expect, it } from 'vitest';
import { BuiltinError } from '../../rego/errors.ts';
import { fromJSON, RegoSet, type Value } from '../../rego/value.ts';
import { BUILTIN, expectCanonical, fixedClockHarness, TYPE } from '../support/builtin-harness.ts';

const { call, expectError } = fixedClockHarness();

/** A JS literal as a Value (null-prototype objects). */
const v = (x: unknown): Value => fromJSON(x);

describe('net.cidr_contains', () => {
  it.each([
    ['10.0.0.0/8', '10.1.0.0/24', true], // conformance netcidrcontains-0092
    ['2001:4860:4860::8888/32', '2001:4860:4860:1234::8888/40', true], // 0096
    ['2001:4860:4860::8888/32', '2001:4860:4860:1234:5678:1234:5678:8888/128', true], // 0097
    ['10.0.0.0/8', '10.1.2.3', true], // 0102
    ['10.0.0.0/8', '11.1.2.3', false],
    ['10.0.0.0/8', '10.0.0.0/7', false],
    ['10.0.0.0/8', '10.255.255.255/32', true],
    ['10.0.0.0/8', '::ffff:10.1.2.3', true], // IPv4-mapped IPv6 matches IPv4
    ['10.0.0.0/8', '::1', false],
    ['::/0', '10.0.0.1', false],
    ['0.0.0.0/0', '255.255.255.255', true],
    ['192.168.1.5/24', '192.168.1.200', true], // host bits of the network are ignored
  ])('cidr_contains(%j, %j) = %j', (a, b, want) => {
    expect(call('net.cidr_contains', a, b)).toBe(want);
    expect(call('net.cidr_overlap', a, b)).toBe(want);
  });

  it('errors', () => {
    // conformance netcidrcontains-0101: malformed b
    expectError(
      BUILTIN,
      'not a valid textual representation of an IP address or CIDR: not-a-cidr',
      'net.cidr_contains',
      '192.168.1.0/28',
      'not-a-cidr',
    );
    expectError(BUILTIN, 'invalid CIDR address: 10.0.0.1', 'net.cidr_contains', '10.0.0.1', '10.0.0.1');
    expectError(TYPE, 'operand 1 must be string but got number', 'net.cidr_contains', 1, '10.0.0.1');
    // OPA names operand 1 for the second operand too.
    expectError(TYPE, 'operand 1 must be string but got number', 'net.cidr_contains', '10.0.0.0/8', 1);
  });
});

describe('net.cidr_intersects', () => {
  it.each([
    ['fd1e:5bfe:8af3:9ddc::/64', 'fd1e:5bfe:8af3:9ddc:1111::/72', true], // conformance 0088
    ['fd1e:5bfe:8af3:9ddc::/64', '2001:4860:4860::8888/32', false], // 0089
    ['10.0.0.0/8', '10.1.0.0/16', true],
    ['10.1.0.0/16', '10.0.0.0/8', true],
    ['10.0.0.0/16', '10.1.0.0/16', false],
    ['10.0.0.0/8', '::/0', false],
  ])('cidr_intersects(%j, %j) = %j', (a, b, want) => {
    expect(call('net.cidr_intersects', a, b)).toBe(want);
  });

  it('errors', () => {
    // conformance netcidrintersects-0091
    expectError(
      BUILTIN,
      'invalid CIDR address: not-a-cidr',
      'net.cidr_intersects',
      '192.168.1.0/28',
      'not-a-cidr',
    );
    expectError(TYPE, 'operand 1 must be string but got null', 'net.cidr_intersects', '10.0.0.0/8', null);
  });
});

describe('net.cidr_is_valid', () => {
  it.each([
    ['192.168.0.0/30', true],
    ['192.168.0.500/30', false],
    ['::/0', true],
    ['1.2.3.4/33', false],
    ['1.2.3.4', false],
    ['01.2.3.4/8', false], // no leading zeros in IPv4 fields
    ['1.2.3.4/08', true], // leading zeros in the prefix length are accepted
    ['fe80::1%eth0/64', false],
    ['1:2:3:4:5:6:7:8/64', true],
    ['1:2:3:4:5:6:7::/64', true],
    ['1::2:3:4:5:6:7:8/64', false],
    ['::ffff:1.2.3.4/120', true],
    ['1:2:3:4:5:6:1.2.3.4/96', true],
    ['12345::/16', false],
    ['1.2.3.4/-1', false],
  ])('%j -> %j', (s, want) => {
    expect(call('net.cidr_is_valid', s)).toBe(want);
  });

  it('is false for non-strings', () => {
    expect(call('net.cidr_is_valid', 1)).toBe(false);
  });
});

describe('net.cidr_expand', () => {
  it.each([
    ['1.1.0.0/30', ['1.1.0.0', '1.1.0.1', '1.1.0.2', '1.1.0.3']],
    ['1.1.0.0/32', ['1.1.0.0']],
    ['192.168.1.5/31', ['192.168.1.4', '192.168.1.5']],
    ['2002::1234:abcd:ffff:c0a8:101/128', ['2002::1234:abcd:ffff:c0a8:101']],
    ['2002::1234:abcd:ffff:c0a8:101/127', ['2002::1234:abcd:ffff:c0a8:100', '2002::1234:abcd:ffff:c0a8:101']],
    ['::/127', ['::', '::1']],
    ['::ffff:10.0.0.0/127', ['10.0.0.0', '10.0.0.1']],
  ])('%s', (cidr, want) => {
    expectCanonical(call('net.cidr_expand', cidr), new RegoSet(want));
  });

  it('expands up to the limit and refuses more', () => {
    expect((call('net.cidr_expand', '10.0.0.0/16') as RegoSet).size).toBe(65536);
    expectError(
      BUILTIN,
      '10.0.0.0/15 has 131072 addresses, more than the 65536 net.cidr_expand allows',
      'net.cidr_expand',
      '10.0.0.0/15',
    );
    expect(() => call('net.cidr_expand', '::/0')).toThrow(BuiltinError);
  });

  it('errors', () => {
    expectError(BUILTIN, 'invalid CIDR address: x', 'net.cidr_expand', 'x');
    expectError(TYPE, 'operand 1 must be string but got number', 'net.cidr_expand', 1);
  });
});

describe('net.cidr_merge', () => {
  // Cases of OPA's netcidrmerge conformance tests.
  it.each([
    [['192.0.128.0/24'], ['192.0.128.0/24']],
    [['192.0.128.0/24', '192.0.128.0/24'], ['192.0.128.0/24']],
    [['192.0.128.0/24', '0.0.0.0/0'], ['0.0.0.0/0']],
    [['192.0.128.0/24', '192.0.129.0/24'], ['192.0.128.0/23']],
    [['192.0.2.112/30', '192.0.2.116/31', '192.0.2.118/31'], ['192.0.2.112/29']],
    [
      ['192.0.129.0/24', '192.0.130.0/24'],
      ['192.0.129.0/24', '192.0.130.0/24'],
    ],
    [
      ['192.0.2.112/30', '192.0.2.116/32', '192.0.2.118/31'],
      ['192.0.2.112/30', '192.0.2.116/32', '192.0.2.118/31'],
    ],
    [
      ['192.0.2.112/31', '192.0.2.116/31', '192.0.2.118/31'],
      ['192.0.2.112/31', '192.0.2.116/30'],
    ],
    [
      ['192.0.1.254/31', ...Array.from({ length: 16 }, (_, i) => `192.0.2.${i * 16}/28`), '192.0.3.0/28'],
      ['192.0.1.254/31', '192.0.2.0/24', '192.0.3.0/28'],
    ],
    [['::/0', 'fe80::1/128'], ['::/0']],
    [['::/0', '::192.0.2.0/124', 'ff00::101/128'], ['::/0']],
    [
      ['fe80::/120', '192.0.2.0/24', '192.0.3.0/24', '192.0.4.0/25', '192.0.4.128/25'],
      ['192.0.2.0/23', '192.0.4.0/24', 'fe80::/120'],
    ],
    [[], []],
    // A bare IPv4 address gets its classful default mask, as in OPA.
    [['192.0.2.112', '192.0.2.116/31', '192.0.2.118/31'], ['192.0.2.0/24']],
    [['192.0.128.0', '192.0.129.0'], ['192.0.128.0/23']],
    [['192.0.2.112'], ['192.0.2.112/24']],
    [['2601:600:8a80:207e:a57d:7567:e2c9:e7b3/128'], ['2601:600:8a80:207e:a57d:7567:e2c9:e7b3/128']],
    [
      ['2601:600:8a80:207e:a57d:7567:e2c9:e7b3/64', '2601:600:8a80:207e:a57d:7567:e2c9:e7b3/128'],
      ['2601:600:8a80:207e::/64'],
    ],
    [
      ['10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/32'],
      ['10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/32'],
    ],
    [
      ['10.0.0.1/32', '10.0.0.2/32', '10.0.0.3/32', '10.0.0.4/32'],
      ['10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/32'],
    ],
  ])('%j', (input, want) => {
    expectCanonical(call('net.cidr_merge', v(input)), new RegoSet(want));
  });

  it('accepts sets', () => {
    const s = new RegoSet(['192.0.2.112/30', '192.0.2.116/31', '192.0.2.118/31']);
    expectCanonical(call('net.cidr_merge', s), new RegoSet(['192.0.2.112/29']));
  });

  it('errors', () => {
    expectError(BUILTIN, 'invalid CIDR address: foo', 'net.cidr_merge', v(['foo']));
    expectError(
      BUILTIN,
      'IPv6 invalid: needs prefix length',
      'net.cidr_merge',
      v(['2601:600:8a80:207e:a57d:7567:e2c9:e7b3']),
    );
    expectError(BUILTIN, 'element must be string', 'net.cidr_merge', v([1]));
    expectError(BUILTIN, 'operand must be an array', 'net.cidr_merge', 'x');
  });
});

describe('net.cidr_contains_matches', () => {
  it('OPA documentation examples', () => {
    expectCanonical(
      call(
        'net.cidr_contains_matches',
        v([['1.1.0.0/16', 'foo'], '1.1.2.0/24']),
        v({ x: '1.1.1.128', y: ['1.1.254.254', 'bar'] }),
      ),
      new RegoSet([v([0, 'x']), v([0, 'y'])]),
    );
    expectCanonical(
      call(
        'net.cidr_contains_matches',
        new RegoSet([v(['1.1.2.0/24', 'foo', 1]), '1.1.0.0/16']),
        v({ x: '1.1.1.128', y: ['1.1.254.254', 'bar'] }),
      ),
      new RegoSet([v(['1.1.0.0/16', 'x']), v(['1.1.0.0/16', 'y'])]),
    );
    expectCanonical(
      call('net.cidr_contains_matches', '1.1.0.0/16', '1.1.1.1'),
      new RegoSet([v(['1.1.0.0/16', '1.1.1.1'])]),
    );
    expectCanonical(
      call(
        'net.cidr_contains_matches',
        v(['1.1.0.0/16', '10.0.0.0/8']),
        v(['10.1.1.1', '1.1.2.3/24', '8.8.8.8']),
      ),
      new RegoSet([v([0, 1]), v([1, 0])]),
    );
  });

  it('errors', () => {
    expectError(
      BUILTIN,
      'operand 1: element must be string or non-empty array',
      'net.cidr_contains_matches',
      v([[]]),
      '1.1.1.1',
    );
    expectError(
      BUILTIN,
      'operand 2: element must be string or non-empty array',
      'net.cidr_contains_matches',
      '1.1.0.0/16',
      v({ a: 1 }),
    );
    expectError(
      TYPE,
      'operand 1 must be string but got number',
      'net.cidr_contains_matches',
      v([[1]]),
      '1.1.1.1',
    );
  });
});
