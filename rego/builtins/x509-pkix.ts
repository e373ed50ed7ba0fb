/**
 * The pieces of Go's `crypto/x509` parser shared by certificates and certificate requests:
 * distinguished names (`pkix.Name`), attribute values and algorithm identifiers (public keys
 * are in x509-pubkey.ts). Values come back in the shape Go's `encoding/json` gives them (field names,
 * `[]byte` as base64, big integers as bigint), ready for `fromJSON`.
 */
import {
  asn1String,
  b64,
  bitString,
  bool,
  Der,
  type Element,
  generalizedTime,
  int64,
  intBig,
  oid,
  oidEqual,
  readOID,
  TAG,
  timeJSON,
  utcTime,
} from './x509-der.ts';

/** A parse failure; the message is Go's. */
export class X509Error extends Error {}

export function fail(message: string): never {
  throw new X509Error(message);
}

/** A tag and length as encoding/asn1 reads them, without requiring the contents to be there. */
function asn1Header(b: Uint8Array): { tag: number; len: number; hdr: number } | undefined {
  if (b.length < 2) return undefined;
  const first = b[1] as number;
  if ((first & 0x80) === 0) return { tag: b[0] as number, len: first, hdr: 2 };
  const n = first & 0x7f;
  if (n === 0 || n > 4 || b.length < 2 + n) return undefined;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + (b[2 + i] as number);
  return { tag: b[0] as number, len, hdr: 2 + n };
}

const FIELD_PARAMS =
  '{optional:false explicit:false application:false private:false defaultValue:<nil> tag:<nil> stringType:0 timeType:0 set:false omitEmpty:false}';

function tagMismatch(want: number, h: { tag: number; len: number; hdr: number }, type: string): string {
  const got = `{class:${h.tag >> 6} tag:${h.tag & 0x1f} length:${h.len} isCompound:${(h.tag & 0x20) !== 0}}`;
  return `asn1: structure error: tags don't match (${want} vs ${got}) ${FIELD_PARAMS} ${type} @${h.hdr}`;
}

/**
 * The error Go's encoding/asn1 gives when `der` does not unmarshal into a struct named `type`
 * whose first field is `first` (an int by default): approximated for the usual cases (not a SEQUENCE, truncated,
 * first field not an INTEGER).
 */
export function asn1StructError(der: Uint8Array, type: string, first = { tag: 2, name: 'int' }): string {
  const h = asn1Header(der);
  if (!h) return 'asn1: syntax error: sequence truncated';
  if (h.tag !== 0x30) return tagMismatch(16, h, type);
  if (der.length < h.hdr + h.len) return 'asn1: syntax error: data truncated';
  const inner = asn1Header(der.subarray(h.hdr, h.hdr + h.len));
  if (!inner) return 'asn1: syntax error: sequence truncated';
  if (inner.tag !== (first.tag === 16 ? 0x30 : first.tag)) return tagMismatch(first.tag, inner, first.name);
  return 'asn1: structure error: sequence truncated';
}

/** JSON-shaped output (objects, arrays, strings, numbers, bigints, booleans, null). */
export type J = unknown;

// ---------------------------------------------------------------------------------------------
// Names

/** readASN1Any: an attribute value as Go's encoding/json renders the Go value it parses to. */
export function readAny(e: Element): J {
  const { tag, body, full } = e;
  switch (tag) {
    case TAG.T61String:
    case TAG.PrintableString:
    case TAG.UTF8String:
    case TAG.BMPString:
    case TAG.IA5String:
    case TAG.NumericString: {
      const s = asn1String(tag, body);
      if (s instanceof Error) throw s;
      return s;
    }
    case TAG.INTEGER: {
      const i = int64(body);
      if (i === undefined) throw new Error('invalid ASN.1 integer');
      return i;
    }
    case TAG.BIT_STRING: {
      const bs = bitString(body);
      if (!bs) throw new Error('invalid ASN.1 BIT STRING');
      return { Bytes: b64(bs.bytes), BitLength: bs.bitLength };
    }
    case TAG.OCTET_STRING:
      return b64(body);
    case TAG.OID: {
      const o = oid(body);
      if (!o) throw new Error('invalid ASN.1 OBJECT IDENTIFIER');
      return o;
    }
    case TAG.UTCTime:
    case TAG.GeneralizedTime: {
      const t = tag === TAG.UTCTime ? utcTime(body) : generalizedTime(body);
      if (!t)
        throw new Error(tag === TAG.UTCTime ? 'x509: malformed UTCTime' : 'x509: malformed GeneralizedTime');
      return timeJSON(t);
    }
    case TAG.BOOLEAN: {
      const v = bool(body);
      if (v === undefined) throw new Error('invalid ASN.1 BOOLEAN');
      return v;
    }
    case TAG.NULL:
      return null;
    default:
      return {
        Class: tag >> 6,
        Tag: tag & 0x1f,
        IsCompound: (tag & 0x20) === 0x20,
        Bytes: b64(body),
        FullBytes: b64(full),
      };
  }
}

export interface AttributeTypeAndValue {
  readonly Type: number[];
  readonly Value: J;
}

const NAME_FIELDS: Record<number, string> = {
  6: 'Country',
  7: 'Locality',
  8: 'Province',
  9: 'StreetAddress',
  10: 'Organization',
  11: 'OrganizationalUnit',
  17: 'PostalCode',
};

/** parseName + pkix.Name.FillFromRDNSequence, on the whole Name element. */
export function parseName(full: Uint8Array): Record<string, J> {
  const seq = new Der(full).sub(TAG.SEQUENCE);
  if (!seq) fail('x509: invalid RDNSequence');
  const names: AttributeTypeAndValue[] = [];
  while (!seq.empty()) {
    const set = seq.sub(TAG.SET);
    if (!set) fail('x509: invalid RDNSequence');
    while (!set.empty()) {
      const atav = set.sub(TAG.SEQUENCE);
      if (!atav) fail('x509: invalid RDNSequence: invalid attribute');
      const type = readOID(atav);
      if (!type) fail('x509: invalid RDNSequence: invalid attribute type');
      const e = atav.readAny();
      let value: J;
      try {
        if (!e) throw new Error('invalid ASN.1 element');
        value = readAny(e);
      } catch (err) {
        fail(`x509: invalid RDNSequence: invalid attribute value: ${(err as Error).message}`);
      }
      names.push({ Type: type, Value: value });
    }
  }
  return fillName(names);
}

/** pkix.Name.FillFromRDNSequence over the flattened attributes. */
export function fillName(names: AttributeTypeAndValue[]): Record<string, J> {
  const out: Record<string, J> = {
    Country: null,
    Organization: null,
    OrganizationalUnit: null,
    Locality: null,
    Province: null,
    StreetAddress: null,
    PostalCode: null,
    SerialNumber: '',
    CommonName: '',
    Names: names.length > 0 ? names : null,
    ExtraNames: null,
  };
  for (const { Type: t, Value: v } of names) {
    if (typeof v !== 'string' || t.length !== 4 || t[0] !== 2 || t[1] !== 5 || t[2] !== 4) continue;
    const k = t[3] as number;
    if (k === 3) out.CommonName = v;
    else if (k === 5) out.SerialNumber = v;
    else {
      const field = NAME_FIELDS[k];
      if (field) out[field] = [...((out[field] as string[] | null) ?? []), v];
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Algorithms

export interface AlgorithmIdentifier {
  readonly algorithm: number[];
  /** The parameters element, or null when absent. */
  readonly params: Uint8Array | null;
}

/** parseAI on the contents of an AlgorithmIdentifier SEQUENCE. */
export function parseAI(body: Uint8Array): AlgorithmIdentifier {
  const d = new Der(body);
  const algorithm = readOID(d);
  if (!algorithm) fail('x509: malformed OID');
  if (d.empty()) return { algorithm, params: null };
  const e = d.readAny();
  if (!e) fail('x509: malformed parameters');
  return { algorithm, params: e.full };
}

const o = (s: string): number[] => s.split('.').map(Number);

export const OID = {
  rsa: o('1.2.840.113549.1.1.1'),
  dsa: o('1.2.840.10040.4.1'),
  ecdsa: o('1.2.840.10045.2.1'),
  ed25519: o('1.3.101.112'),
  rsaPSS: o('1.2.840.113549.1.1.10'),
  mgf1: o('1.2.840.113549.1.1.8'),
  sha256: o('2.16.840.1.101.3.4.2.1'),
  sha384: o('2.16.840.1.101.3.4.2.2'),
  sha512: o('2.16.840.1.101.3.4.2.3'),
};

/** Go's SignatureAlgorithm values, with what verification needs. */
export interface SigAlg {
  readonly id: number;
  readonly oid: number[];
  readonly pub: number;
  readonly hash: 'md2' | 'md5' | 'sha1' | 'sha256' | 'sha384' | 'sha512' | null;
  readonly pss?: boolean;
}

const SIG_ALGS: SigAlg[] = [
  { id: 1, oid: o('1.2.840.113549.1.1.2'), pub: 1, hash: 'md2' },
  { id: 2, oid: o('1.2.840.113549.1.1.4'), pub: 1, hash: 'md5' },
  { id: 3, oid: o('1.2.840.113549.1.1.5'), pub: 1, hash: 'sha1' },
  { id: 3, oid: o('1.3.14.3.2.29'), pub: 1, hash: 'sha1' },
  { id: 4, oid: o('1.2.840.113549.1.1.11'), pub: 1, hash: 'sha256' },
  { id: 5, oid: o('1.2.840.113549.1.1.12'), pub: 1, hash: 'sha384' },
  { id: 6, oid: o('1.2.840.113549.1.1.13'), pub: 1, hash: 'sha512' },
  { id: 7, oid: o('1.2.840.10040.4.3'), pub: 2, hash: 'sha1' },
  { id: 8, oid: o('2.16.840.1.101.3.4.3.2'), pub: 2, hash: 'sha256' },
  { id: 9, oid: o('1.2.840.10045.4.1'), pub: 3, hash: 'sha1' },
  { id: 10, oid: o('1.2.840.10045.4.3.2'), pub: 3, hash: 'sha256' },
  { id: 11, oid: o('1.2.840.10045.4.3.3'), pub: 3, hash: 'sha384' },
  { id: 12, oid: o('1.2.840.10045.4.3.4'), pub: 3, hash: 'sha512' },
  { id: 13, oid: OID.rsaPSS, pub: 1, hash: 'sha256', pss: true },
  { id: 14, oid: OID.rsaPSS, pub: 1, hash: 'sha384', pss: true },
  { id: 15, oid: OID.rsaPSS, pub: 1, hash: 'sha512', pss: true },
  { id: 16, oid: OID.ed25519, pub: 4, hash: null },
];

export function sigAlgDetails(id: number): SigAlg | undefined {
  return SIG_ALGS.find((a) => a.id === id);
}

const isNullOrAbsent = (p: Uint8Array | null): boolean =>
  p === null || p.length === 0 || (p.length === 2 && p[0] === 5 && p[1] === 0);

/** An explicitly tagged AlgorithmIdentifier inside RSASSA-PSS-params. */
function explicitAI(d: Der, n: number): AlgorithmIdentifier | undefined {
  const inner = d.sub(0xa0 | n)?.read(TAG.SEQUENCE);
  return inner ? parseAI(inner) : undefined;
}

/** getSignatureAlgorithmFromAI: Go's SignatureAlgorithm number (0 when unknown). */
export function signatureAlgorithm(ai: AlgorithmIdentifier): number {
  if (oidEqual(ai.algorithm, OID.ed25519) && ai.params !== null) return 0;
  if (!oidEqual(ai.algorithm, OID.rsaPSS)) {
    return SIG_ALGS.find((a) => oidEqual(a.oid, ai.algorithm))?.id ?? 0;
  }
  try {
    const d = ai.params ? new Der(ai.params).sub(TAG.SEQUENCE) : undefined;
    if (!d) return 0;
    const hash = explicitAI(d, 0);
    const mgf = explicitAI(d, 1);
    const saltBody = d.sub(0xa2)?.read(TAG.INTEGER);
    const salt = saltBody ? intBig(saltBody) : undefined;
    let trailer = 1n;
    if (d.peekTag(0xa3)) trailer = intBig(d.sub(0xa3)?.read(TAG.INTEGER) ?? new Uint8Array()) ?? 0n;
    if (!hash || !mgf || salt === undefined || !mgf.params) return 0;
    const mgfHashBody = new Der(mgf.params).read(TAG.SEQUENCE);
    if (!mgfHashBody) return 0;
    const mgfHash = parseAI(mgfHashBody);
    if (
      !isNullOrAbsent(hash.params) ||
      !oidEqual(mgf.algorithm, OID.mgf1) ||
      !oidEqual(mgfHash.algorithm, hash.algorithm) ||
      !isNullOrAbsent(mgfHash.params) ||
      trailer !== 1n
    ) {
      return 0;
    }
    if (oidEqual(hash.algorithm, OID.sha256) && salt === 32n) return 13;
    if (oidEqual(hash.algorithm, OID.sha384) && salt === 48n) return 14;
    if (oidEqual(hash.algorithm, OID.sha512) && salt === 64n) return 15;
  } catch {
    return 0;
  }
  return 0;
}

/** getPublicKeyAlgorithmFromOID */
export function publicKeyAlgorithm(algorithm: number[]): number {
  if (oidEqual(algorithm, OID.rsa)) return 1;
  if (oidEqual(algorithm, OID.dsa)) return 2;
  if (oidEqual(algorithm, OID.ecdsa)) return 3;
  if (oidEqual(algorithm, OID.ed25519)) return 4;
  return 0;
}
