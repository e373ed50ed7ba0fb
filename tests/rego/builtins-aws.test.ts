/**
 * providers.aws.sign_req (AWS Signature Version 4). Expectations ported by hand from OPA's
 * conformance cases (v1/test/cases/testdata/v1/providers-aws/aws-sign_req.yaml); the error
 * messages follow OPA's v1/topdown/providers.go and Go's net/url.
 */
import { describe, expect, it } from 'vitest';
import { register as aws } from '../../rego/builtins/aws.ts';
import { compile } from '../../rego/index.ts';
import { fromJSON, toRegoString, type Value } from '../../rego/value.ts';
import { expectJSON, expectThrows, familyRegistry, newCtx } from '../support/builtin-harness.ts';

const r = familyRegistry(aws);
const ctx = newCtx();

function sign(req: Value, config: Value, ns: Value = 1451311705000000000n): Value | undefined {
  return r.get('providers.aws.sign_req')?.fn([req, config, ns], ctx);
}

const CONFIG = {
  aws_access_key: 'MYAWSACCESSKEYGOESHERE',
  aws_secret_access_key: 'MYAWSSECRETACCESSKEYGOESHERE',
  aws_service: 's3',
  aws_region: 'us-east-1',
};
const config = (extra: Record<string, unknown> = {}): Value => fromJSON({ ...CONFIG, ...extra });
const CRED = 'AWS4-HMAC-SHA256 Credential=MYAWSACCESSKEYGOESHERE/20151228/us-east-1/s3/aws4_request';
const EMPTY_SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const BODY_SHA = 'bacff6243c850423883052ac3c336fd645994442933408dfd3f9e858e69bda07';
const RAW_BODY_SHA = '22906461e2a98a3e780d0fd260e341bed5e544661e97c5936fc7f3af11aaad8b';
const DATE = '20151228T140825Z';
const RAW_BODY = '{"example": {1, 2, 3, 4}}';

describe('providers.aws.sign_req (OPA conformance: providers-aws/aws-sign_req.yaml)', () => {
  it('no body', () =>
    expectJSON(sign(fromJSON({ method: 'get', url: 'http://example.com' }), config()), {
      headers: {
        Authorization: `${CRED},SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=0047a7016c81e5c7f29cd522f97e911e04fc472fced0aee7916cbc287ad6c8e3`,
        host: 'example.com',
        'x-amz-content-sha256': EMPTY_SHA,
        'x-amz-date': DATE,
      },
      method: 'get',
      url: 'http://example.com',
    }));

  it('with headers, no body', () =>
    expectJSON(
      sign(fromJSON({ method: 'get', url: 'http://example.com', headers: { foo: 'bar' } }), config()),
      {
        headers: {
          Authorization: `${CRED},SignedHeaders=foo;host;x-amz-content-sha256;x-amz-date,Signature=8f1dc7c9b9978356a0d0989fd26a95307f4f8a4aa264d8220647b7097d839952`,
          foo: 'bar',
          host: 'example.com',
          'x-amz-content-sha256': EMPTY_SHA,
          'x-amz-date': DATE,
        },
        method: 'get',
        url: 'http://example.com',
      },
    ));

  it('session token', () =>
    expectJSON(
      sign(
        fromJSON({ method: 'get', url: 'http://example.com' }),
        config({ aws_session_token: 'MYAWSSECURITYTOKENGOESHERE' }),
      ),
      {
        headers: {
          Authorization: `${CRED},SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,Signature=23c31bda8a74630c0a94f6b82a3511e7e74728df98e6f54ed0840488dbbdc8d1`,
          host: 'example.com',
          'x-amz-content-sha256': EMPTY_SHA,
          'x-amz-date': DATE,
          'x-amz-security-token': 'MYAWSSECURITYTOKENGOESHERE',
        },
        method: 'get',
        url: 'http://example.com',
      },
    ));

  // The body cases go through the evaluator, as the sets in them need Rego syntax.
  const evalSign = (req: string, cfg: string): Value | undefined => {
    const policy = compile([
      {
        name: 'aws.rego',
        text: `package p\nx := providers.aws.sign_req(${req}, ${cfg}, 1451311705000000000)`,
      },
    ]);
    return policy.query('x = data.p.x', { strictBuiltinErrors: true })[0]?.x;
  };
  const cfg = (extra = '') =>
    `{"aws_access_key": "MYAWSACCESSKEYGOESHERE", "aws_secret_access_key": "MYAWSSECRETACCESSKEYGOESHERE", "aws_service": "s3", "aws_region": "us-east-1"${extra}}`;
  const headersOf = (v: Value | undefined): unknown => {
    const h = (v as Record<string, Value>).headers as Value;
    return JSON.parse(JSON.stringify(h));
  };

  it('body: the SHA-256 of its JSON (sets as arrays)', () => {
    const got = evalSign(
      `{"method": "get", "url": "http://example.com", "body": {"example": {1, 2, 3, 4}}}`,
      cfg(),
    );
    expect(headersOf(got)).toEqual({
      Authorization: `${CRED},SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=5fb06ab1cfd74c8fcb3af95b8cce696708cf6155d971dac10f254d79799c6e88`,
      host: 'example.com',
      'x-amz-content-sha256': BODY_SHA,
      'x-amz-date': DATE,
    });
    expect(toRegoString((got as Record<string, Value>).body as Value)).toBe('{"example": {1, 2, 3, 4}}');
  });

  it('raw_body, which wins over body', () => {
    const want = {
      Authorization: `${CRED},SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=5bf26e169cb8b02330dba39d53932532438fc856c2f10537689a09ed807c7195`,
      host: 'example.com',
      'x-amz-content-sha256': RAW_BODY_SHA,
      'x-amz-date': DATE,
    };
    const raw = JSON.stringify(RAW_BODY);
    expect(
      headersOf(evalSign(`{"method": "get", "url": "http://example.com", "raw_body": ${raw}}`, cfg())),
    ).toEqual(want);
    expect(
      headersOf(
        evalSign(
          `{"method": "get", "url": "http://example.com", "body": {"example": {1, 2, 3, 4}}, "raw_body": ${raw}}`,
          cfg(),
        ),
      ),
    ).toEqual(want);
  });

  const withFoo = (payloadSigning: boolean, signature: string, sha: string) => ({
    Authorization: `${CRED},SignedHeaders=foo;host;x-amz-content-sha256;x-amz-date,Signature=${signature}`,
    foo: 'bar',
    host: 'example.com',
    'x-amz-content-sha256': payloadSigning ? sha : 'UNSIGNED-PAYLOAD',
    'x-amz-date': DATE,
  });

  it('disable_payload_signing, no body', () => {
    const req = `{"method": "get", "url": "https://example.com", "headers": {"foo": "bar"}}`;
    expect(headersOf(evalSign(req, cfg(`, "disable_payload_signing": false`)))).toEqual(
      withFoo(true, '8f1dc7c9b9978356a0d0989fd26a95307f4f8a4aa264d8220647b7097d839952', EMPTY_SHA),
    );
    expect(headersOf(evalSign(req, cfg(`, "disable_payload_signing": true`)))).toEqual(
      withFoo(false, 'c6e6db654e92172f71e18c714c123711de069ac6fd7df1348e5b28fd05532028', EMPTY_SHA),
    );
  });

  it('disable_payload_signing, with body', () => {
    const req = `{"method": "get", "url": "https://example.com", "headers": {"foo": "bar"}, "body": {"example": {1, 2, 3, 4}}}`;
    expect(headersOf(evalSign(req, cfg(`, "disable_payload_signing": false`)))).toEqual(
      withFoo(true, 'f6703a8727ec0a32f81b225a002f622e511e8a7d2ca8914894fcbb7a71d8d9d8', BODY_SHA),
    );
    expect(headersOf(evalSign(req, cfg(`, "disable_payload_signing": true`)))).toEqual(
      withFoo(false, 'c6e6db654e92172f71e18c714c123711de069ac6fd7df1348e5b28fd05532028', BODY_SHA),
    );
  });

  it('an existing x-amz-content-sha256 is signed with its old value, then replaced', () => {
    const req = `{"method": "get", "url": "https://example.com", "headers": {"foo": "bar", "x-amz-content-sha256": "existing-value"}, "body": {"example": {1, 2, 3, 4}}}`;
    expect(headersOf(evalSign(req, cfg(`, "disable_payload_signing": false`)))).toEqual(
      withFoo(true, '42bcac7fc6d170e09be72fdf38b62e59361265bc59d5f9156f0d6faf889e98ba', BODY_SHA),
    );
    expect(headersOf(evalSign(req, cfg(`, "disable_payload_signing": true`)))).toEqual(
      withFoo(false, 'edcd3ca3fd3acdfbcecad1a1d8062dbc6562d90352e294c336f9727397f9c383', BODY_SHA),
    );
  });
});

describe('providers.aws.sign_req details', () => {
  const req = (o: Record<string, unknown>) =>
    fromJSON({ method: 'GET', url: 'https://example.com/a b/%7e?x=1', ...o });
  const headers = (v: Value | undefined) => (v as Record<string, Value>).headers as Record<string, Value>;

  it('ignored headers are kept but not signed; other services get no content hash', () => {
    const got = headers(
      sign(req({ headers: { 'User-Agent': 'x', 'X-Custom': 'y' } }), config({ aws_service: 'execute-api' })),
    );
    expect(got['User-Agent']).toBe('x');
    expect(got['X-Custom']).toBe('y');
    expect(got['x-amz-content-sha256']).toBeUndefined();
    expect(got.Authorization).toMatch(/SignedHeaders=host;x-amz-date;x-custom,Signature=[0-9a-f]{64}$/);
    expect(got.Authorization).toContain('/us-east-1/execute-api/aws4_request,');
  });

  it('host keeps its port; the time is UTC', () => {
    const got = headers(sign(fromJSON({ method: 'GET', url: 'http://example.com:8080/x' }), config(), 0));
    expect(got.host).toBe('example.com:8080');
    expect(got['x-amz-date']).toBe('19700101T000000Z');
    const before = headers(sign(fromJSON({ method: 'GET', url: 'http://e.com' }), config(), -1));
    expect(before['x-amz-date']).toBe('19691231T235959Z');
  });

  it('errors worded as OPA', () => {
    expectThrows(() => sign(1, config()), 'eval_type_error', 'operand 1 must be object but got number');
    expectThrows(() => sign(req({}), 'x'), 'eval_type_error', 'operand 1 must be object but got string');
    expectThrows(
      () => sign(req({}), fromJSON({ aws_access_key: 'a', aws_secret_access_key: 'b' })),
      'eval_type_error',
      'operand 2 missing required AWS config parameters(s): {"aws_region", "aws_service"}',
    );
    expectThrows(
      () => sign(req({}), config({ aws_region: 1 })),
      'eval_type_error',
      'operand 2 invalid values for required AWS config parameters(s): {"aws_region"}',
    );
    expectThrows(
      () => sign(req({}), config(), 'x'),
      'eval_type_error',
      'operand 1 must be number but got string',
    );
    expectThrows(
      () => sign(req({}), config(), 1.5),
      'eval_type_error',
      'operand 3 could not convert time_ns value into a unix timestamp',
    );
    expectThrows(
      () => sign(req({}), config(), 2n ** 63n),
      'eval_type_error',
      'operand 3 could not convert time_ns value into a unix timestamp',
    );
    expectThrows(
      () => sign(req({ bogus: 1 }), config()),
      'eval_type_error',
      'operand 1 invalid request parameters(s): {"bogus"}',
    );
    expectThrows(
      () => sign(fromJSON({ url: 'http://x' }), config()),
      'eval_type_error',
      'operand 1 missing required request parameters(s): {"method"}',
    );
    expectThrows(
      () => sign(req({ headers: [] }), config()),
      'eval_type_error',
      'operand 0 must be object but got array',
    );
    expectThrows(
      () => sign(fromJSON({ method: 1, url: 2 }), config()),
      'eval_type_error',
      'operand 1 invalid values for required request parameters(s): {"method", "url"}',
    );
    expectThrows(
      () => sign(req({}), config({ disable_payload_signing: 'yes' })),
      'eval_type_error',
      "operand 2 invalid value for 'disable_payload_signing' in AWS config",
    );
  });

  it("URL errors are Go's url.Parse errors", () => {
    const bad = (url: string, message: string) =>
      expectThrows(() => sign(fromJSON({ method: 'GET', url }), config()), 'eval_builtin_error', message);
    bad('http://[::1/x', `parse "http://[::1/x": missing ']' in host`);
    bad('http://host:port/', `parse "http://host:port/": invalid port ":port" after host`);
    bad('http://h/%zz', `parse "http://h/%zz": invalid URL escape "%zz"`);
    bad('http://a b/', `parse "http://a b/": invalid character " " in host name`);
    bad('http://h/\n', `parse "http://h/\\n": net/url: invalid control character in URL`);
    bad(':x', `parse ":x": missing protocol scheme`);
    bad('1a:b/c', `parse "1a:b/c": first path segment in URL cannot contain colon`);
  });
});

describe('providers.aws.sign_req canonical request', () => {
  // AWS's own SigV4 test suite (get-vanilla, get-utf8): same key, date and request, so the
  // same signature (AWS writes ", " between the Authorization parts, OPA ",").
  const vanilla = (url: string): Value =>
    (
      (
        sign(
          fromJSON({ method: 'GET', url }),
          fromJSON({
            aws_access_key: 'AKIDEXAMPLE',
            aws_secret_access_key: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
            aws_service: 'service',
            aws_region: 'us-east-1',
          }),
          1440938160000000000n,
        ) as Record<string, Value>
      ).headers as Record<string, Value>
    ).Authorization as Value;
  it('matches the AWS test suite', () => {
    const cred =
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request,SignedHeaders=host;x-amz-date';
    expect(vanilla('https://example.amazonaws.com/')).toBe(
      `${cred},Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31`,
    );
    expect(vanilla('https://example.amazonaws.com/\u1234')).toBe(
      `${cred},Signature=8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85`,
    );
  });

  // Go's EscapedPath: the path as written when it is a valid escaping, else re-escaped.
  it('signs the escaped path and the raw query', () => {
    const a = sign(fromJSON({ method: 'GET', url: 'https://example.com/a b/%7e?x=1' }), config());
    const b = sign(fromJSON({ method: 'GET', url: 'https://example.com/a%20b/%7e?x=1' }), config());
    const c = sign(fromJSON({ method: 'GET', url: 'https://example.com/a%20b/~?x=1' }), config());
    const auth = (v: Value | undefined) =>
      ((v as Record<string, Value>).headers as Record<string, Value>).Authorization;
    // "/a b/%7e" is not a valid escaping, so Go re-escapes its decoded form: "/a%20b/~";
    // "/a%20b/%7e" is, so it is signed as written.
    expect(auth(a)).toBe(auth(c));
    expect(auth(a)).not.toBe(auth(b));
  });
});
