/**
 * Types family: is_* and type_name. Expectations ported by hand from OPA's conformance cases
 * (typebuiltin/, typenamebuiltin/).
 */
import { describe, expect, it } from 'vitest';
import { makeObject, RegoObject, RegoSet, toRegoString, type Value } from '../../rego/value.ts';
import { caseTable, v } from '../support/builtin-harness.ts';

const { call, check } = caseTable();

const samples: [string, Value][] = [
  ['null', null],
  ['boolean', false],
  ['number', 1],
  ['number', 2.5],
  ['number', 18446744073709551616n],
  ['string', 'Hello'],
  ['array', [1, 2, 3]],
  ['object', makeObject([['a', 1]])],
  ['object', new RegoObject([[1, 2]])],
  ['set', new RegoSet([1, 2, 3])],
];
const checks: Record<string, string> = {
  is_null: 'null',
  is_boolean: 'boolean',
  is_number: 'number',
  is_string: 'string',
  is_array: 'array',
  is_object: 'object',
  is_set: 'set',
};

describe('is_*', () => {
  for (const [fn, type] of Object.entries(checks)) {
    for (const [t, x] of samples) {
      it(`${fn}(${toRegoString(x)}) is ${t === type}`, () => check([fn, [x], v(t === type)]));
    }
  }

  // typebuiltin/*.yaml
  it('conformance cases', () => {
    check(['is_string', ['OPA'], v(true)]);
    check(['is_string', [false], v(false)]);
    check(['is_set', [new RegoSet(['a', 'b'])], v(true)]);
    check(['is_set', [[1, 2, 3]], v(false)]);
    check(['is_object', ['foo'], v(false)]);
    expect([false, 1, 'Hey'].filter((x) => call('is_boolean', [x]) === true)).toEqual([false]);
  });
});

describe('type_name', () => {
  for (const [t, x] of samples)
    it(`type_name(${toRegoString(x)}) = ${t}`, () => check(['type_name', [x], v(t)]));
});
