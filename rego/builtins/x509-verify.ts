/**
 * Chain verification as OPA does it (`verifyX509CertificateChain`): the first certificate is
 * the only root, the last is the leaf, the others are intermediates, and Go's
 * `Certificate.Verify` (Go 1.24) builds and checks the chain: signatures (SHA-1 and MD5
 * refused), validity at the evaluation time, CA and path-length constraints, name
 * constraints, unhandled critical extensions, the DNS name and the extended key usages.
 * Certificate policies (Go 1.24's policy-tree check) are not validated.
 */
import { constants, createPublicKey, type KeyObject, verify as cryptoVerify } from 'node:crypto';
import type { Certificate } from './x509-cert.ts';
import { type GoTime, timeNs, timeRFC3339 } from './x509-der.ts';
import { checkNameConstraints, verifyHostname } from './x509-match.ts';
import { fail, sigAlgDetails, X509Error } from './x509-pkix.ts';

export interface VerifyOptions {
  readonly dnsName: string;
  /** Nanoseconds since the epoch. */
  readonly now: bigint;
  /** Go ExtKeyUsage values; empty means server authentication. */
  readonly keyUsages: readonly number[];
  readonly maxConstraintComparisons: number;
}

const LEAF = 0;
const INTERMEDIATE = 1;
const ROOT = 2;
const KEY_USAGE_CERT_SIGN = 1 << 5;
const SAN = '2.5.29.17';
const NAME_CONSTRAINTS = '2.5.29.30';

const hasExt = (c: Certificate, id: string): Uint8Array | undefined =>
  c.extensions?.find((e) => e.id.join('.') === id)?.value;
const same = (a: Uint8Array | null, b: Uint8Array | null): boolean =>
  Buffer.from(a ?? new Uint8Array()).equals(b ?? new Uint8Array());

/** checkSignature with allowSHA1 = false. */
function checkSignature(child: Certificate, parent: Certificate): void {
  const d = sigAlgDetails(child.sigAlg);
  if (!d || d.hash === 'md2' || (d.hash === null && d.pub !== 4)) {
    fail('x509: cannot verify signature: algorithm unimplemented');
  }
  if (d.hash === 'md5' || d.hash === 'sha1') fail('x509: cannot verify signature: insecure algorithm');
  if (parent.pubAlg !== d.pub) fail('x509: signature algorithm specifies a different public key type');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(parent.rawSPKI), format: 'der', type: 'spki' });
  } catch {
    fail('x509: cannot verify signature: algorithm unimplemented');
  }
  if (d.pub === 1 && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 1024) {
    fail('crypto/rsa: 1024-bit or larger RSA keys are required');
  }
  const data = Buffer.from(child.rawTBS);
  const sig = Buffer.from(child.signature);
  let ok = false;
  try {
    if (d.pub === 1) {
      const padding = d.pss ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING;
      ok = cryptoVerify(d.hash, data, { key, padding, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, sig);
    } else {
      ok = cryptoVerify(d.hash, data, key, sig);
    }
  } catch {
    ok = false;
  }
  if (!ok) fail('x509: verification failure');
}

/** CheckSignatureFrom */
function checkSignatureFrom(child: Certificate, parent: Certificate): void {
  if ((parent.version === 3 && !parent.bcValid) || (parent.bcValid && !parent.isCA)) {
    fail('x509: invalid signature: parent certificate cannot sign this kind of certificate');
  }
  if (parent.keyUsage !== 0 && (parent.keyUsage & KEY_USAGE_CERT_SIGN) === 0) {
    fail('x509: invalid signature: parent certificate cannot sign this kind of certificate');
  }
  if (parent.pubAlg === 0) fail('x509: cannot verify signature: algorithm unimplemented');
  checkSignature(child, parent);
}

const nowText = (now: bigint): string => {
  const sec = Number(now / 1_000_000_000n);
  return timeRFC3339({ sec, nsec: 0, offset: 0 });
};

/** isValid */
function isValid(c: Certificate, certType: number, chain: Certificate[], opts: VerifyOptions): void {
  if (c.unhandledCritical) fail('x509: unhandled critical extension');
  const child = chain[chain.length - 1];
  if (child && !same(child.rawIssuer, c.rawSubject)) {
    fail('x509: issuer name does not match subject from issuing certificate');
  }
  const expired = (t: GoTime, rel: string): never =>
    fail(
      `x509: certificate has expired or is not yet valid: current time ${nowText(opts.now)} is ${rel} ${timeRFC3339(t)}`,
    );
  if (opts.now < timeNs(c.notBefore)) expired(c.notBefore, 'before');
  if (opts.now > timeNs(c.notAfter)) expired(c.notAfter, 'after');
  if (certType !== LEAF && hasExt(c, NAME_CONSTRAINTS))
    checkNameConstraints(c, chain, opts.maxConstraintComparisons);
  if (certType === INTERMEDIATE && (!c.bcValid || !c.isCA)) {
    fail('x509: certificate is not authorized to sign other certificates');
  }
  if (c.bcValid && c.maxPathLen >= 0 && chain.length - 1 > c.maxPathLen) {
    fail('x509: too many intermediates for path length constraint');
  }
}

/** alreadyInChain: same subject, public key and SAN extension. */
function alreadyInChain(candidate: Certificate, chain: Certificate[]): boolean {
  const cs = hasExt(candidate, SAN);
  return chain.some((c) => {
    if (!same(c.rawSubject, candidate.rawSubject) || !same(c.rawSPKI, candidate.rawSPKI)) return false;
    const s = hasExt(c, SAN);
    if (!cs && !s) return true;
    return !!cs && !!s && same(cs, s);
  });
}

/** CertPool.findPotentialParents: matching key IDs first, then one missing, then mismatched. */
function potentialParents(pool: Certificate[], c: Certificate): Certificate[] {
  const byName = pool.filter((p) => same(p.rawSubject, c.rawIssuer));
  const match = byName.filter((p) => same(p.subjectKeyId, c.authorityKeyId));
  const one = byName.filter(
    (p) => !match.includes(p) && (p.subjectKeyId === null) !== (c.authorityKeyId === null),
  );
  return [...match, ...one, ...byName.filter((p) => !match.includes(p) && !one.includes(p))];
}

interface Pools {
  readonly roots: Certificate[];
  readonly intermediates: Certificate[];
  sigChecks: number;
}

function buildChains(
  c: Certificate,
  chain: Certificate[],
  pools: Pools,
  opts: VerifyOptions,
): Certificate[][] {
  const chains: Certificate[][] = [];
  let hint: Error | undefined;
  let err: Error | undefined;
  const consider = (certType: number, candidate: Certificate): void => {
    if (candidate.publicKey === null || alreadyInChain(candidate, chain)) return;
    if (++pools.sigChecks > 100) {
      err = new X509Error('x509: signature check attempts limit reached while verifying certificate chain');
      return;
    }
    try {
      checkSignatureFrom(c, candidate);
      isValid(candidate, certType, chain, opts);
    } catch (e) {
      if (!(e instanceof X509Error)) throw e;
      hint ??= e;
      return;
    }
    if (certType === ROOT) {
      chains.push([...chain, candidate]);
      return;
    }
    try {
      chains.push(...buildChains(candidate, [...chain, candidate], pools, opts));
    } catch (e) {
      if (!(e instanceof X509Error)) throw e;
      err = e;
    }
  };
  for (const r of potentialParents(pools.roots, c)) consider(ROOT, r);
  for (const i of potentialParents(pools.intermediates, c)) consider(INTERMEDIATE, i);
  if (chains.length > 0) return chains;
  if (err) throw err;
  let msg = 'x509: certificate signed by unknown authority';
  if (hint) msg += ` (possibly because of "${hint.message}")`;
  fail(msg);
}

/** checkChainForKeyUsage: every certificate with EKUs must keep some requested usage. */
function chainAllowsUsage(chain: Certificate[], keyUsages: readonly number[]): boolean {
  const usages = [...keyUsages];
  let remaining = usages.length;
  for (let i = chain.length - 1; i >= 0; i--) {
    const c = chain[i] as Certificate;
    if (!c.extKeyUsage && !c.unknownExtKeyUsage) continue;
    if (c.extKeyUsage?.includes(0)) continue;
    for (let j = 0; j < usages.length; j++) {
      const u = usages[j] as number;
      if (u === -1 || c.extKeyUsage?.includes(u)) continue;
      usages[j] = -1;
      if (--remaining <= 0) return false;
    }
  }
  return true;
}

/**
 * OPA's verifyX509CertificateChain: the verified chain, leaf first. Throws X509Error (OPA then
 * answers `[false, []]`).
 */
export function verifyChain(certs: Certificate[], opts: VerifyOptions): Certificate[] {
  if (certs.length < 2) fail('operand 1 must supply at least two certificates to be able to verify');
  const leaf = certs[certs.length - 1] as Certificate;
  const dedup = (list: Certificate[]): Certificate[] =>
    list.filter((c, i) => list.findIndex((x) => same(x.raw, c.raw)) === i);
  const pools: Pools = {
    roots: [certs[0] as Certificate],
    intermediates: dedup(certs.slice(1, -1)),
    sigChecks: 0,
  };
  isValid(leaf, LEAF, [], opts);
  if (opts.dnsName !== '') verifyHostname(leaf, opts.dnsName);
  const chains = pools.roots.some((r) => same(r.raw, leaf.raw))
    ? [[leaf]]
    : buildChains(leaf, [leaf], pools, opts);
  const usages = opts.keyUsages.length > 0 ? opts.keyUsages : [1];
  if (usages.includes(0)) return chains[0] as Certificate[];
  const ok = chains.filter((ch) => chainAllowsUsage(ch, usages));
  if (ok.length === 0) fail('x509: certificate specifies an incompatible key usage');
  return ok[0] as Certificate[];
}
