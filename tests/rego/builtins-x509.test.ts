/**
 * X.509 family: crypto.x509.parse_certificates, parse_and_verify_certificates[_with_options],
 * parse_certificate_request, parse_keypair, parse_rsa_private_key, crypto.parse_private_keys.
 * Expectations ported by hand from OPA's conformance cases (cryptox509parsecertificates,
 * cryptox509parsecertificaterequest, cryptox509parsekeypair, cryptox509parsersaprivatekey) and
 * OPA's v1/topdown/crypto_test.go (whose certificate chain and keys are used below); field
 * values were checked against Go's encoding/json of crypto/x509's structs.
 */
import { describe, expect, it } from 'vitest';
import { createDefaultRegistry } from '../../rego/builtins/index.ts';
import { register as x509 } from '../../rego/builtins/x509.ts';
import { fromJSON, objGet, type PlainObject, type Value } from '../../rego/value.ts';
import {
  BUILTIN,
  builtinCaller,
  evalPolicyX,
  expectJSON,
  expectThrows,
  expectThrowsContaining,
  familyRegistry,
  newCtx,
} from '../support/builtin-harness.ts';

const call = builtinCaller(familyRegistry(x509));
const full = createDefaultRegistry();

/** 2025-01-01T00:00:00Z, inside the validity of the crypto_test.go chain (2021–2031). */
const NOW_2025 = 1_735_689_600_000_000_000n;
const at = (ns: bigint) => newCtx(ns);

/** `.field` of an object value. */
const get = (v: Value | undefined, ...path: (string | number)[]): Value | undefined => {
  let cur = v;
  for (const p of path) {
    if (cur === undefined) return undefined;
    cur = typeof p === 'number' ? (cur as Value[])[p] : objGet(cur as PlainObject, p);
  }
  return cur;
};
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const derOf = (pem: string): string => pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s/g, '');

// crypto_test.go: an ECDSA P-256 chain, root first (OPA's order for verification).
const ROOT_CA = `-----BEGIN CERTIFICATE-----
MIIBoDCCAUagAwIBAgIRAJXcMYZALXooNq/VV/grXhMwCgYIKoZIzj0EAwIwLjER
MA8GA1UEChMIT1BBIFRlc3QxGTAXBgNVBAMTEE9QQSBUZXN0IFJvb3QgQ0EwHhcN
MjEwNzAxMTc0MTUzWhcNMzEwNjI5MTc0MTUzWjAuMREwDwYDVQQKEwhPUEEgVGVz
dDEZMBcGA1UEAxMQT1BBIFRlc3QgUm9vdCBDQTBZMBMGByqGSM49AgEGCCqGSM49
AwEHA0IABFqhdZA5LjsJgzsBvhgzfayZFOk+C7PmGCi7xz6zOC3xWORJZSNOyZeJ
YzSKFmoMZkcFMfslTW1jp9fwe1xl3HWjRTBDMA4GA1UdDwEB/wQEAwIBBjASBgNV
HRMBAf8ECDAGAQH/AgEBMB0GA1UdDgQWBBTch60qxQvLl+AfDfcaXmjvT8GvpzAK
BggqhkjOPQQDAgNIADBFAiBqraIP0l2U0oNuH0+rf36hDks94wSB5EGlGH3lYNMR
ugIhANkbukX5hOP8pJDRWP/pYuv6MBnRY4BS8gpp9Vu31qOb
-----END CERTIFICATE-----`;
const INTERMEDIATE_CA = `-----BEGIN CERTIFICATE-----
MIIByDCCAW6gAwIBAgIQC0k4DPGrh9me73EJX5zntTAKBggqhkjOPQQDAjAuMREw
DwYDVQQKEwhPUEEgVGVzdDEZMBcGA1UEAxMQT1BBIFRlc3QgUm9vdCBDQTAeFw0y
MTA3MDExNzQxNTNaFw0zMTA2MjkxNzQxNTNaMDYxETAPBgNVBAoTCE9QQSBUZXN0
MSEwHwYDVQQDExhPUEEgVGVzdCBJbnRlcm1lZGlhdGUgQ0EwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAARvXQa7fy476gDI81nqLYb2SnD459WxBmU0hk2bA3ZuNtI+
H20KXz6ISmxH3MZ2WBm6rOy7y4Gn+WMCJuxzcl5jo2YwZDAOBgNVHQ8BAf8EBAMC
AQYwEgYDVR0TAQH/BAgwBgEB/wIBADAdBgNVHQ4EFgQUuslZNjJl0V8I1Gj17IID
ALy/9WEwHwYDVR0jBBgwFoAU3IetKsULy5fgHw33Gl5o70/Br6cwCgYIKoZIzj0E
AwIDSAAwRQIgUwsYApW9Tsm6AstWswaKGie0srB4FUkUbfKwWmUI2JgCIQCBTySN
MF+EiQAMKyz/N9KUuXEckC356WvKcyJaYYcV0w==
-----END CERTIFICATE-----`;
const LEAF = `-----BEGIN CERTIFICATE-----
MIIB8zCCAZqgAwIBAgIRAID4gPKg7DDiuOfzUYFSXLAwCgYIKoZIzj0EAwIwNjER
MA8GA1UEChMIT1BBIFRlc3QxITAfBgNVBAMTGE9QQSBUZXN0IEludGVybWVkaWF0
ZSBDQTAeFw0yMTA3MDUxNzQ5NTBaFw0zNjA3MDExNzQ5NDdaMCUxIzAhBgNVBAMT
Gm5vdGFyZWFsc2l0ZS5vcGEubG9jYWxob3N0MFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAE1YSXZXeaGGL+XeYyoPi/QdA39Ds4fgxSHJTMh+js393kByPm2PNtFkem
tUii3KCRJw3SEh3z0JWr/9y4+ua2L6OBmTCBljAOBgNVHQ8BAf8EBAMCB4AwHQYD
VR0lBBYwFAYIKwYBBQUHAwEGCCsGAQUFBwMCMB0GA1UdDgQWBBRL0P0g17viZHo9
CnXe3ZQJm48LXTAfBgNVHSMEGDAWgBS6yVk2MmXRXwjUaPXsggMAvL/1YTAlBgNV
HREEHjAcghpub3RhcmVhbHNpdGUub3BhLmxvY2FsaG9zdDAKBggqhkjOPQQDAgNH
ADBEAiAtmZewL94ijN0YwUGaJM9BXCaoTQPwkzugqjCj+K912QIgKKFvbPu4asrE
nwy7dzejHmQUcZ/aUNbc4VTbiv15ESk=
-----END CERTIFICATE-----`;
const CHAIN = [ROOT_CA, INTERMEDIATE_CA, LEAF].join('\n');

// crypto_test.go: a self-signed P-256 certificate (O=Acme Co) and its SEC 1 key.
const EC_CERT = `-----BEGIN CERTIFICATE-----
MIIBhTCCASugAwIBAgIQIRi6zePL6mKjOipn+dNuaTAKBggqhkjOPQQDAjASMRAw
DgYDVQQKEwdBY21lIENvMB4XDTE3MTAyMDE5NDMwNloXDTE4MTAyMDE5NDMwNlow
EjEQMA4GA1UEChMHQWNtZSBDbzBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABD0d
7VNhbWvZLWPuj/RtHFjvtJBEwOkhbN/BnnE8rnZR8+sbwnc/KhCk3FhnpHZnQz7B
5aETbbIgmuvewdjvSBSjYzBhMA4GA1UdDwEB/wQEAwICpDATBgNVHSUEDDAKBggr
BgEFBQcDATAPBgNVHRMBAf8EBTADAQH/MCkGA1UdEQQiMCCCDmxvY2FsaG9zdDo1
NDUzgg4xMjcuMC4wLjE6NTQ1MzAKBggqhkjOPQQDAgNIADBFAiEA2zpJEPQyz6/l
Wf86aX6PepsntZv2GYlA5UpabfT2EZICICpJ5h/iI+i341gBmLiAFQOyTDT+/wQc
6MF9+Yw1Yy0t
-----END CERTIFICATE-----`;
const EC_KEY = `-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY/PuoAoGCCqGSM49
AwEHoUQDQgAEPR3tU2Fta9ktY+6P9G0cWO+0kETA6SFs38GecTyudlHz6xvCdz8q
EKTcWGekdmdDPsHloRNtsiCa697B2O9IFA==
-----END EC PRIVATE KEY-----`;
/** The Go JSON of EC_KEY (*ecdsa.PrivateKey). */
const EC_KEY_GO = {
  Curve: {},
  X: 27643960290277891170103245021185020495249821307705407483392662973021273618001n,
  Y: 110327422855895816465826200787795388029668709150142808160487206021347429795860n,
  D: 62801316849998221354359568428021365747636140843539289250489183988286759367662n,
};
const ED25519_KEY = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJHG93jlLLLTF6Stky5+8Q7mMpgCkYYTO12NDAzlJn3w
-----END PRIVATE KEY-----
`;

/** A certificate request for EC_KEY (O=Acme Co, CN=csr.example.com) with DNS, IP and URI SANs. */
const CSR = `-----BEGIN CERTIFICATE REQUEST-----
MIIBMjCB2QIBADAsMRAwDgYDVQQKDAdBY21lIENvMRgwFgYDVQQDDA9jc3IuZXhh
bXBsZS5jb20wWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQ9He1TYW1r2S1j7o/0
bRxY77SQRMDpIWzfwZ5xPK52UfPrG8J3PyoQpNxYZ6R2Z0M+weWhE22yIJrr3sHY
70gUoEswSQYJKoZIhvcNAQkOMTwwOjA4BgNVHREEMTAvgg9jc3IuZXhhbXBsZS5j
b22HBAoAAAGGFnNwaWZmZTovL2V4YW1wbGUuY29tL3gwCgYIKoZIzj0EAwIDSAAw
RQIgJdpPTwugVmzaj/BIvTvoAdeR0IRTnSaH5nXSc8gyY40CIQCg5vuAA97Upt9d
Ok/y7sIJOGRuiBNa0geIQySKivqYbw==
-----END CERTIFICATE REQUEST-----`;

/** Conformance vector (cryptox509parsecertificates 0120): Let's Encrypt leaf for openpolicyagent.org. */
const LE_CERT = `-----BEGIN CERTIFICATE-----
MIIFdzCCBF+gAwIBAgISA3NriAEus/+cvflvhVQOW5zTMA0GCSqGSIb3DQEBCwUA
MEoxCzAJBgNVBAYTAlVTMRYwFAYDVQQKEw1MZXQncyBFbmNyeXB0MSMwIQYDVQQD
ExpMZXQncyBFbmNyeXB0IEF1dGhvcml0eSBYMzAeFw0yMDA3MTAxNjAwMzBaFw0y
MDEwMDgxNjAwMzBaMB4xHDAaBgNVBAMTE29wZW5wb2xpY3lhZ2VudC5vcmcwggEi
MA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQCyy8HZXVTJ2TSHXYnoL+CKYpo4
wz1wowUcdt/XBgN08f37NxaNk+VAj8GD2s6zhoHLShyYS2PVosf7xumvyG914PLp
IHO9WmCaZMqwEyvMM/VE9dBkKfaTo78BT6aXyJmnkjpeFmBOGs3uP5bUARj3Onnr
7Aos9j45rgrytpelYTMlLi6jVtBv5RIZuMoJ15W252t8eIgsOq57ad0Bobeyy4Tu
GhveP0V3vUJvI3ibqH5E9cWzI2f8UtoirUNf0J3tcng8JqSOuuzWDYWrRDAzQbJY
qKzvVDcN+ptqV7GZ6JuqHhdwgDeqBOsveDbzAAyYSVPJjRWYea8MxlM7OXbtAgMB
AAGjggKBMIICfTAOBgNVHQ8BAf8EBAMCBaAwHQYDVR0lBBYwFAYIKwYBBQUHAwEG
CCsGAQUFBwMCMAwGA1UdEwEB/wQCMAAwHQYDVR0OBBYEFHDweb6KprSvWrw/vR6k
wTVpudPtMB8GA1UdIwQYMBaAFKhKamMEfd265tE5t6ZFZe/zqOyhMG8GCCsGAQUF
BwEBBGMwYTAuBggrBgEFBQcwAYYiaHR0cDovL29jc3AuaW50LXgzLmxldHNlbmNy
eXB0Lm9yZzAvBggrBgEFBQcwAoYjaHR0cDovL2NlcnQuaW50LXgzLmxldHNlbmNy
eXB0Lm9yZy8wNwYDVR0RBDAwLoITb3BlbnBvbGljeWFnZW50Lm9yZ4IXd3d3Lm9w
ZW5wb2xpY3lhZ2VudC5vcmcwTAYDVR0gBEUwQzAIBgZngQwBAgEwNwYLKwYBBAGC
3xMBAQEwKDAmBggrBgEFBQcCARYaaHR0cDovL2Nwcy5sZXRzZW5jcnlwdC5vcmcw
ggEEBgorBgEEAdZ5AgQCBIH1BIHyAPAAdgBep3P531bA57U2SH3QSeAyepGaDISh
EhKEGHWWgXFFWAAAAXM5q9vDAAAEAwBHMEUCIQCRHqgrtl07Y6TryfMmQN6TNKRV
m1LTy9vI3Mh/krbSQQIgYgVAKwXRoPR+BN1pcJbJv3Aivbh6E7L987rMSEQk5VoA
dgCyHgXMi6LNiiBOh2b5K7mKJSBna9r6cOeySVMt74uQXgAAAXM5q9uuAAAEAwBH
MEUCIQDdruTutQ/UchckqYQ+2p9mutnrSnnQXa8xLA41YGzZHgIgXXETFbGfns2C
7YJ8cDoYYAjmdzMg8k7hKXQGu/KsAb4wDQYJKoZIhvcNAQELBQADggEBAGk9p5yt
OaDIPRPk5ImpH1f6f010mULWPV5Pjn6kzMHP9z5ndMz++1NOvHV4GVBCoeuKq1bp
FCD+IgA9pcJAEXQ/u4GpmbAKUZzmfMIb89aRgnJp0mx9Y4BBd45ExUWs8w4cfgFZ
yZUeHvWs1anpAcR2FIZpAVMQCaIgjOt2ddR1xv4acCw+mD/B9oKfGZEUgyIANvpB
IDabggLSwFa9OKKXRBVRAafo7Oac21HQU7E3sXphaHZGfn2F27dD/qoqUcLqr4lC
c7lNE0YGp6r+aPo9VLcH2V0lN4t+1VbVArwKznsNdcQnwKBetgqvZrgLg4+qjo4y
uixJY38XU/b7baU=
-----END CERTIFICATE-----`;

/** Conformance vector (raw-uris): base64 of a PEM certificate with a spiffe:// URI SAN. */
const SPIFFE_CERT_B64 =
  'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIxekNDQVh5Z0F3SUJBZ0lJZGxpT1dVY1NXM3N3Q2dZSUtvWkl6ajBF' +
  'QXdJd1BURUxNQWtHQTFVRUJoTUMKUjBJeEVEQU9CZ05WQkFvVEIwVjRZVzF3YkdVeEhEQWFCZ05WQkFVVEV6RTFPREV4Tnpn' +
  'NU56UTJPRFkxTmpneQpOalF3SUJjTk1qTXhNVEl3TVRZMU5USTRXaGdQTWpFeU1qRXdNamN4TmpVMU1qaGFNRDB4Q3pBSkJn' +
  'TlZCQVlUCkFrZENNUkF3RGdZRFZRUUtFd2RGZUdGdGNHeGxNUnd3R2dZRFZRUUZFeE00TlRJM056SXlOREE0TlRJeE5qVXoK' +
  'TVRFMU1Ga3dFd1lIS29aSXpqMENBUVlJS29aSXpqMERBUWNEUWdBRXp0UDNrQnNpQXY4UUF5eWxUalJZSFlWegpjWTB5YmpB' +
  'dC9VbWpZb3Fxb0o4SEtIdXF1ckRaUmVwa05qUXdwV3pmZndZZ0xaNk42SisyVUlPdlZ0TDZEcU5rCk1HSXdEZ1lEVlIwUEFR' +
  'SC9CQVFEQWdlQU1CMEdBMVVkSlFRV01CUUdDQ3NHQVFVRkJ3TUNCZ2dyQmdFRkJRY0QKQVRBTUJnTlZIUk1CQWY4RUFqQUFN' +
  'Q01HQTFVZEVRUWNNQnFHR0hOd2FXWm1aVG92TDJWNFlXMXdiR1V1WTI5dApMMjl3WVRBS0JnZ3Foa2pPUFFRREFnTkpBREJH' +
  'QWlFQXlRNDhPd25lTHkzMjZqYitEUjd5RjJhcS94Wnl1cW9qCitUU3ZLVVB5NEU0Q0lRQ0VMUlp3K0dWTjhJR0drVGV4MGxx' +
  'TDNxY21mWldJbm15VitrbnQ0d3p3L3c9PQotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==';

/** Conformance vector (cryptox509parsersaprivatekey): an RSA-2048 PKCS #1 key and its JWK. */
const RSA_KEY = `-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEA9D/bK4171aiTNUkrUCHKGMLSQooV+o3wdz2889h9iv0HhhBJ
CAGU54K3duB8ofHpmYL50QodcR4RLw1vSkaI+FPdPDMyKxKj/YcmofJjz4kW+Iqw
FbBcbMnKnEVzye+CyW9YYOTu0xWtcgen80zGp2opG0GZX86hBjjXJnjOdrJTk6x2
NAiJIbjsQevysmj+2MyqVm8widxw0x+rGhTaCD+ZXWitN0a0WO1aaA8c/7i99I9z
he2peKvXzEtMaqYO9ptHcYmq2z0QWvZuJVMv5Yn0mScLWyh91R099IOtn6sNaMMs
OyTpi7E/2IlVgI2uKGPEopKkMFV8Fl2YaAbo7wIDAQABAoIBAAyMZ08ygqU0dvOq
4a3JPp/NCo5el8h6mFsX8eg5PCHy4/sQRSBDLIpEXfaei+iqDA1V/E2wDlksaUeY
khony4uui1Q3cSFjYMd6tRJm6JfV/DcisO88U1NHfsBOlSdPxdFhhhHcUSTJHVMZ
b5iBXkdlnd0HnsCcVguCyhLw6/KPFyiA+NYRz68flxze7admyVp5C6i/HbMPq8Pr
MilBUvOFtxuaGeJBAiavuzUe9I70dRwpe424tMvisSA8h7Xbm8BeN/PJHDV/2JrI
URgQ563yQ5So/Qg8AgxXRkpgWM9zAh7r31PBO86vq/B4ZbON/TtWdcZVsAcVB4Pk
tqc8JNkCgYEA+g8V+y92SETdcwUkbd5O9Fg5CkfdsALsBXVH6FunrCUV5HS9l5o6
MMBbJ/08odW/bP5BmOa4A/Hbk9uG/UfQn2KQ3HCgPlxUEwQO07R1/FcQOe4xmyG6
JpDgQ30viE1RtlCkceQWUeitCIqZsYu0i8sLZLWJH+V/07OB4G17ELMCgYEA+g1v
hrlAFNhZvrIX/zcP3xF2pZ+AqkFXdL/tWQZkWAVToONn/LlXTH71C/TO2x+OaQRm
qX1bA9Zhyjf1gYQN9RenjUswvggk0aY2Tk28wUqowMGSsjQHmZ20EphHNMWNJpdS
fKFfrQIFKCnLlpQVNz+j3bLWZUnq+jPaYnJP7NUCgYEA48qcVo7c7Ga3aNEVZ3St
bg90HrZq760pvqshDz13V+0MrWnfUFxxh/mi0KHy+uYRlMNllFkQ5p8LTP0dUlt6
Y8dReU6r20MWX6BBtX9eP7o8ENm4nL4zqnAtq609gKgWuMNrmkiSQJl6Dx7bdY5z
sSkNPvfUa5cQRBTxSjXRdtsCgYBHrzpdwRXh4/Q2ew/uFnbyWCtPZ96W8IyF58+/
SdnSchR7dzYEeY3RXEQb3V6/6tgEu0JDLLC+9OKr+kbjjlwB+3oJQ5kBoYwMnj3L
TPXj4+dk+xl3BPt4yoEpI4amVkwU2CTJnemzy3R3AyReUq2SXSg5El/sQbifaeYd
eu/20QKBgH/5IZHGBKiRAe1ww2FzOpDtL8VXXTe3EAXKutfajrHTqPz9+lXknX/D
UMosh264nYXYS29WqxhJVutbE9u8e0VpuY1qIN9/3R0WKfTLTMUFlZtbqTepvsy1
W2UbK732I4Nfp0/mtUvOSdMZO8dxbSdEeMnw/Ec8QgxK9a1rRu9+
-----END RSA PRIVATE KEY-----`;

const RSA_JWK = {
  kty: 'RSA',
  n:
    '9D_bK4171aiTNUkrUCHKGMLSQooV-o3wdz2889h9iv0HhhBJCAGU54K3duB8ofHpmYL50QodcR4RLw1vSkaI-FPdPD' +
    'MyKxKj_YcmofJjz4kW-IqwFbBcbMnKnEVzye-CyW9YYOTu0xWtcgen80zGp2opG0GZX86hBjjXJnjOdrJTk6x2NAiJ' +
    'IbjsQevysmj-2MyqVm8widxw0x-rGhTaCD-ZXWitN0a0WO1aaA8c_7i99I9zhe2peKvXzEtMaqYO9ptHcYmq2z0QWv' +
    'ZuJVMv5Yn0mScLWyh91R099IOtn6sNaMMsOyTpi7E_2IlVgI2uKGPEopKkMFV8Fl2YaAbo7w',
  e: 'AQAB',
  d:
    'DIxnTzKCpTR286rhrck-n80Kjl6XyHqYWxfx6Dk8IfLj-xBFIEMsikRd9p6L6KoMDVX8TbAOWSxpR5iSGifLi66LVD' +
    'dxIWNgx3q1Embol9X8NyKw7zxTU0d-wE6VJ0_F0WGGEdxRJMkdUxlvmIFeR2Wd3QeewJxWC4LKEvDr8o8XKID41hHP' +
    'rx-XHN7tp2bJWnkLqL8dsw-rw-syKUFS84W3G5oZ4kECJq-7NR70jvR1HCl7jbi0y-KxIDyHtdubwF4388kcNX_Yms' +
    'hRGBDnrfJDlKj9CDwCDFdGSmBYz3MCHuvfU8E7zq-r8Hhls439O1Z1xlWwBxUHg-S2pzwk2Q',
  p:
    '-g8V-y92SETdcwUkbd5O9Fg5CkfdsALsBXVH6FunrCUV5HS9l5o6MMBbJ_08odW_bP5BmOa4A_Hbk9uG_UfQn2KQ3H' +
    'CgPlxUEwQO07R1_FcQOe4xmyG6JpDgQ30viE1RtlCkceQWUeitCIqZsYu0i8sLZLWJH-V_07OB4G17ELM',
  q:
    '-g1vhrlAFNhZvrIX_zcP3xF2pZ-AqkFXdL_tWQZkWAVToONn_LlXTH71C_TO2x-OaQRmqX1bA9Zhyjf1gYQN9RenjU' +
    'swvggk0aY2Tk28wUqowMGSsjQHmZ20EphHNMWNJpdSfKFfrQIFKCnLlpQVNz-j3bLWZUnq-jPaYnJP7NU',
  dp:
    '48qcVo7c7Ga3aNEVZ3Stbg90HrZq760pvqshDz13V-0MrWnfUFxxh_mi0KHy-uYRlMNllFkQ5p8LTP0dUlt6Y8dReU' +
    '6r20MWX6BBtX9eP7o8ENm4nL4zqnAtq609gKgWuMNrmkiSQJl6Dx7bdY5zsSkNPvfUa5cQRBTxSjXRdts',
  dq:
    'R686XcEV4eP0NnsP7hZ28lgrT2felvCMhefPv0nZ0nIUe3c2BHmN0VxEG91ev-rYBLtCQyywvvTiq_pG445cAft6CU' +
    'OZAaGMDJ49y0z14-PnZPsZdwT7eMqBKSOGplZMFNgkyZ3ps8t0dwMkXlKtkl0oORJf7EG4n2nmHXrv9tE',
  qi:
    'f_khkcYEqJEB7XDDYXM6kO0vxVddN7cQBcq619qOsdOo_P36VeSdf8NQyiyHbridhdhLb1arGElW61sT27x7RWm5jW' +
    'og33_dHRYp9MtMxQWVm1upN6m-zLVbZRsrvfYjg1-nT-a1S85J0xk7x3FtJ0R4yfD8RzxCDEr1rWtG734',
};
const SAN_SEQ = 'MC+CD2Nzci5leGFtcGxlLmNvbYcECgAAAYYWc3BpZmZlOi8vZXhhbXBsZS5jb20veA==';
const cns = (certs: Value | undefined): Value[] =>
  (certs as Value[]).map((c) => get(c, 'Subject', 'CommonName') as Value);

describe('crypto.x509.parse_certificates', () => {
  it('conformance: PEM, single certificate', () => {
    expectJSON(cns(call('crypto.x509.parse_certificates', [LE_CERT])), ['openpolicyagent.org']);
    const [c] = call('crypto.x509.parse_certificates', [LE_CERT]) as Value[];
    expectJSON(get(c, 'Issuer', 'CommonName'), "Let's Encrypt Authority X3");
    expectJSON(get(c, 'DNSNames'), ['openpolicyagent.org', 'www.openpolicyagent.org']);
    expectJSON(get(c, 'OCSPServer'), ['http://ocsp.int-x3.letsencrypt.org']);
    expectJSON(get(c, 'IssuingCertificateURL'), ['http://cert.int-x3.letsencrypt.org/']);
    expectJSON(get(c, 'PolicyIdentifiers'), [
      [2, 23, 140, 1, 2, 1],
      [1, 3, 6, 1, 4, 1, 44947, 1, 1, 1],
    ]);
    expectJSON(get(c, 'Policies'), ['2.23.140.1.2.1', '1.3.6.1.4.1.44947.1.1.1']);
    expectJSON([get(c, 'SignatureAlgorithm'), get(c, 'PublicKeyAlgorithm')] as Value[], [4, 1]);
    expectJSON(get(c, 'PublicKey', 'E'), 65537);
  });

  it('conformance: base64 of a PEM chain, in order', () => {
    expectJSON(cns(call('crypto.x509.parse_certificates', [b64(CHAIN)])), [
      'OPA Test Root CA',
      'OPA Test Intermediate CA',
      'notarealsite.opa.localhost',
    ]);
  });

  it('conformance: invalid DER', () => {
    expectThrows(
      () => call('crypto.x509.parse_certificates', ['YmFkc3RyaW5n']),
      BUILTIN,
      'x509: malformed certificate',
    );
  });

  it('conformance: URIStrings, and null without URI SANs', () => {
    const [c] = call('crypto.x509.parse_certificates', [SPIFFE_CERT_B64]) as Value[];
    expectJSON(get(c, 'URIStrings'), ['spiffe://example.com/opa']);
    expectJSON(get(c, 'URIs', 0), {
      Scheme: 'spiffe',
      Opaque: '',
      User: null,
      Host: 'example.com',
      Path: '/opa',
      RawPath: '',
      OmitHost: false,
      ForceQuery: false,
      RawQuery: '',
      Fragment: '',
      RawFragment: '',
    });
    expectJSON(get(call('crypto.x509.parse_certificates', [ROOT_CA]), 0, 'URIStrings'), null);
  });

  it("Go's x509.Certificate fields", () => {
    const [root, , leaf] = call('crypto.x509.parse_certificates', [CHAIN]) as Value[];
    expectJSON(get(leaf, 'Subject'), {
      Country: null,
      Organization: null,
      OrganizationalUnit: null,
      Locality: null,
      Province: null,
      StreetAddress: null,
      PostalCode: null,
      SerialNumber: '',
      CommonName: 'notarealsite.opa.localhost',
      Names: [{ Type: [2, 5, 4, 3], Value: 'notarealsite.opa.localhost' }],
      ExtraNames: null,
    });
    expectJSON(get(leaf, 'Issuer', 'Organization'), ['OPA Test']);
    expectJSON(get(leaf, 'SerialNumber'), 171431488452833603770070317127842290864n);
    expectJSON(get(leaf, 'PublicKey'), {
      Curve: {},
      X: 96576905460035020034290822869068922144288393701788081163886800167733901975517n,
      Y: 103139945191195651052170264999952632556322788874306644111995794687890387547695n,
    });
    const pick = (c: Value | undefined, keys: string[]) => keys.map((k) => get(c, k) as Value);
    const keys = ['Version', 'SignatureAlgorithm', 'PublicKeyAlgorithm', 'NotBefore', 'NotAfter', 'KeyUsage'];
    expectJSON(pick(leaf, keys), [3, 10, 3, '2021-07-05T17:49:50Z', '2036-07-01T17:49:47Z', 1]);
    expectJSON(pick(leaf, ['ExtKeyUsage', 'BasicConstraintsValid', 'IsCA', 'MaxPathLen', 'DNSNames']), [
      [1, 2],
      false,
      false,
      0,
      ['notarealsite.opa.localhost'],
    ]);
    expectJSON(pick(leaf, ['SubjectKeyId', 'AuthorityKeyId']), [
      'S9D9INe74mR6PQp13t2UCZuPC10=',
      'uslZNjJl0V8I1Gj17IIDALy/9WE=',
    ]);
    expectJSON(pick(root, ['KeyUsage', 'BasicConstraintsValid', 'IsCA', 'MaxPathLen', 'AuthorityKeyId']), [
      96,
      true,
      true,
      1,
      null,
    ]);
    expectJSON(get(leaf, 'Raw'), derOf(LEAF));
    expectJSON(get(leaf, 'Extensions', 0), { Id: [2, 5, 29, 15], Critical: true, Value: 'AwIHgA==' });
    for (const k of [
      'EmailAddresses',
      'IPAddresses',
      'URIs',
      'CRLDistributionPoints',
      'UnhandledCriticalExtensions',
    ]) {
      expectJSON(get(leaf, k), null);
    }
  });

  it('base64 DER, and concatenated DER', () => {
    expectJSON(cns(call('crypto.x509.parse_certificates', [derOf(LEAF)])), ['notarealsite.opa.localhost']);
    const two = Buffer.concat([Buffer.from(derOf(ROOT_CA), 'base64'), Buffer.from(derOf(LEAF), 'base64')]);
    expect(cns(call('crypto.x509.parse_certificates', [two.toString('base64')]))).toHaveLength(2);
  });

  it("Go's errors", () => {
    const parse = (s: string) => () => call('crypto.x509.parse_certificates', [s]);
    expectThrows(parse('abc$'), BUILTIN, 'illegal base64 data at input byte 3');
    expectThrows(parse(EC_KEY), BUILTIN, "PEM block type is 'EC PRIVATE KEY', expected CERTIFICATE");
    const der = Buffer.from(derOf(LEAF), 'base64');
    expectThrows(parse(der.subarray(0, 100).toString('base64')), BUILTIN, 'x509: malformed certificate');
    expectJSON(call('crypto.x509.parse_certificates', ['-----BEGIN nothing']), []);
    expectThrowsContaining(
      () => call('crypto.x509.parse_certificates', [1]),
      'eval_type_error',
      'operand 1 must be string',
    );
  });

  it('through a policy', () => {
    const body = `certs := ${JSON.stringify(CHAIN)}\nx := [c.Subject.CommonName | c := crypto.x509.parse_certificates(certs)[_]]`;
    expectJSON(evalPolicyX(full, body), [
      'OPA Test Root CA',
      'OPA Test Intermediate CA',
      'notarealsite.opa.localhost',
    ]);
  });
});

describe('crypto.x509.parse_and_verify_certificates', () => {
  const verify = (certs: string, ns = NOW_2025) =>
    call('crypto.x509.parse_and_verify_certificates', [certs], at(ns));

  it('returns the chain leaf first, with URIStrings', () => {
    const [ok, chain] = verify(CHAIN) as [Value, Value[]];
    expect(ok).toBe(true);
    expectJSON(cns(chain), ['notarealsite.opa.localhost', 'OPA Test Intermediate CA', 'OPA Test Root CA']);
    expectJSON(get(chain, 0, 'URIStrings'), null);
    expect((verify(b64(CHAIN)) as Value[])[0]).toBe(true);
  });

  it.each([
    ['the wrong order', [LEAF, INTERMEDIATE_CA, ROOT_CA].join('\n'), NOW_2025],
    ['a missing intermediate', [ROOT_CA, LEAF].join('\n'), NOW_2025],
    ['a single certificate', LEAF, NOW_2025],
    ['an expired chain', CHAIN, 2_000_000_000_000_000_000n],
    ['a chain not yet valid', CHAIN, 1_600_000_000_000_000_000n],
    ['unparsable input', 'YmFkc3RyaW5n', NOW_2025],
    ['bad base64', '$$$', NOW_2025],
  ])('fails closed on %s', (_what, certs, ns) => {
    expectJSON(verify(certs, ns), [false, []]);
  });

  it('uses the evaluation clock', () => {
    const body = `x := crypto.x509.parse_and_verify_certificates(${JSON.stringify(CHAIN)})[0]`;
    expect(evalPolicyX(full, body, { nowNs: NOW_2025 })).toBe(true);
    expect(evalPolicyX(full, body, { nowNs: 2_000_000_000_000_000_000n })).toBe(false);
  });
});

describe('crypto.x509.parse_and_verify_certificates_with_options', () => {
  const verify = (opts: Record<string, unknown>, certs = CHAIN) =>
    call('crypto.x509.parse_and_verify_certificates_with_options', [certs, fromJSON(opts)], at(NOW_2025));
  const ok = (opts: Record<string, unknown>) => (verify(opts) as Value[])[0];

  it("crypto_test.go's option cases", () => {
    const notBefore = 1_625_507_390_000_000_000n; // the leaf's NotBefore
    expect(ok({ DNSName: 'bad.dns.com' })).toBe(false);
    expect(ok({ CurrentTime: notBefore - 60_000_000_000n })).toBe(false);
    expect(ok({ CurrentTime: 2_098_460_000_000_000_000n })).toBe(false);
    expect(ok({ CurrentTime: notBefore })).toBe(true);
    expect(ok({ DNSName: 'notarealsite.opa.localhost' })).toBe(true);
    expect(ok({ KeyUsages: ['KeyUsageServerAuth', 'KeyUsageClientAuth', 'KeyUsageCodeSigning'] })).toBe(true);
    expect(ok({ KeyUsages: ['KeyUsageCodeSigning'] })).toBe(false);
    expect(ok({ KeyUsages: ['KeyUsageAny'] })).toBe(true);
    expect(
      ok({ DNSName: 'notarealsite.opa.localhost', CurrentTime: notBefore, MaxConstraintComparisons: 5 }),
    ).toBe(true);
  });

  it('returns the chain without URIStrings (as OPA)', () => {
    const [, chain] = verify({}) as [Value, Value[]];
    expectJSON(cns(chain), ['notarealsite.opa.localhost', 'OPA Test Intermediate CA', 'OPA Test Root CA']);
    expect(get(chain, 0, 'URIStrings')).toBeUndefined();
  });

  it('option errors', () => {
    const err = (opts: Record<string, unknown>, msg: string) =>
      expectThrows(() => verify(opts), BUILTIN, msg);
    err({ DNSName: 1 }, "'DNSName' should be a string");
    err({ CurrentTime: 'string' }, "'CurrentTime' should be a number");
    err({ CurrentTime: 1.5 }, "'CurrentTime' should be a valid int64 number");
    err({ MaxConstraintComparisons: 'string' }, "'MaxConstraintComparisons' should be a number");
    err({ KeyUsages: 'true' }, "'KeyUsages' should be an Array or Set");
    err({ InvalidKey: 'test.com' }, 'invalid key option');
    err(
      { KeyUsages: ['1', 'KeyUsageAny', 'InvalidKeyUsage', 2] },
      "invalid entries for 'KeyUsages' found: [1 InvalidKeyUsage]",
    );
    // Unparsable certificates are reported before the options are looked at, as in OPA.
    expectJSON(verify({ InvalidKey: 1 }, 'YmFkc3RyaW5n'), [false, []]);
  });
});

describe('crypto.x509.parse_certificate_request', () => {
  it('conformance: invalid input is an illegal base64 error', () => {
    expectThrows(
      () => call('crypto.x509.parse_certificate_request', ['foobar']),
      BUILTIN,
      'illegal base64 data at input byte 4',
    );
  });

  it("Go's x509.CertificateRequest fields, from PEM, base64 PEM and base64 DER", () => {
    for (const input of [CSR, b64(CSR), derOf(CSR)]) {
      const r = call('crypto.x509.parse_certificate_request', [input]);
      expectJSON(get(r, 'Subject', 'CommonName'), 'csr.example.com');
      expectJSON(get(r, 'Subject', 'Organization'), ['Acme Co']);
      expectJSON(
        [get(r, 'Version'), get(r, 'SignatureAlgorithm'), get(r, 'PublicKeyAlgorithm')] as Value[],
        [0, 10, 3],
      );
      expectJSON(get(r, 'PublicKey'), { Curve: {}, X: EC_KEY_GO.X, Y: EC_KEY_GO.Y });
      expectJSON(get(r, 'DNSNames'), ['csr.example.com']);
      expectJSON(get(r, 'IPAddresses'), ['10.0.0.1']);
      expectJSON(get(r, 'URIs', 0, 'Host'), 'example.com');
      expectJSON(get(r, 'EmailAddresses'), null);
      expectJSON(get(r, 'Extensions'), [{ Id: [2, 5, 29, 17], Critical: false, Value: SAN_SEQ }]);
      expectJSON(get(r, 'Attributes'), [
        { Type: [1, 2, 840, 113549, 1, 9, 14], Value: [[{ Type: [2, 5, 29, 17], Value: SAN_SEQ }]] },
      ]);
      expectJSON(get(r, 'RawSubject'), 'MCwxEDAOBgNVBAoMB0FjbWUgQ28xGDAWBgNVBAMMD2Nzci5leGFtcGxlLmNvbQ==');
    }
  });

  it('rejects other PEM blocks', () => {
    expectThrows(
      () => call('crypto.x509.parse_certificate_request', [b64(LEAF)]),
      BUILTIN,
      'invalid PEM-encoded certificate signing request',
    );
  });
});

describe('crypto.x509.parse_keypair', () => {
  it("conformance shape: Go's tls.Certificate, Certificate[0] is the DER", () => {
    const kp = call('crypto.x509.parse_keypair', [EC_CERT, EC_KEY]);
    expectJSON(get(kp, 'Certificate'), [derOf(EC_CERT)]);
    expectJSON(get(kp, 'PrivateKey'), EC_KEY_GO);
    expectJSON(get(kp, 'Leaf', 'Subject', 'Organization'), ['Acme Co']);
    expectJSON(get(kp, 'Leaf', 'DNSNames'), ['localhost:5453', '127.0.0.1:5453']);
    for (const k of ['SupportedSignatureAlgorithms', 'OCSPStaple', 'SignedCertificateTimestamps']) {
      expectJSON(get(kp, k), null);
    }
  });

  it('accepts base64 PEM and base64 DER', () => {
    const der = call('crypto.x509.parse_keypair', [derOf(EC_CERT), derOf(EC_KEY)]);
    expectJSON(get(der, 'Certificate'), [derOf(EC_CERT)]);
    expectJSON(get(call('crypto.x509.parse_keypair', [b64(EC_CERT), b64(EC_KEY)]), 'PrivateKey'), EC_KEY_GO);
  });

  it("Go's tls errors", () => {
    const err = (cert: string, key: string, msg: string) =>
      expectThrows(() => call('crypto.x509.parse_keypair', [cert, key]), BUILTIN, msg);
    err(EC_CERT, RSA_KEY, 'tls: private key type does not match public key type');
    err(EC_CERT, ED25519_KEY, 'tls: private key type does not match public key type');
    err(LEAF, EC_KEY, 'tls: private key does not match public key');
    err(
      EC_KEY,
      EC_CERT,
      'tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched',
    );
    err(EC_CERT, EC_CERT, 'tls: found a certificate rather than a key in the PEM for the private key');
    err('-----BEGIN x', EC_KEY, 'tls: failed to find any PEM data in certificate input');
  });
});

describe('crypto.x509.parse_rsa_private_key', () => {
  it('conformance: valid', () => {
    expectJSON(call('crypto.x509.parse_rsa_private_key', [RSA_KEY]), RSA_JWK);
    expectJSON(call('crypto.x509.parse_rsa_private_key', [b64(RSA_KEY)]), RSA_JWK);
  });

  it('conformance: invalid', () => {
    expectThrows(
      () => call('crypto.x509.parse_rsa_private_key', ['invalid']),
      BUILTIN,
      'illegal base64 data at input byte 4',
    );
  });

  it("OPA's JWK of other keys", () => {
    expectJSON(call('crypto.x509.parse_rsa_private_key', [EC_KEY]), { kty: 'EC' });
    expectThrows(
      () => call('crypto.x509.parse_rsa_private_key', [ED25519_KEY]),
      BUILTIN,
      'invalid key type ed25519.PrivateKey',
    );
    expectJSON(call('crypto.x509.parse_rsa_private_key', [ROOT_CA]), null);
    expectThrows(() => call('crypto.x509.parse_rsa_private_key', ['']), BUILTIN, 'input PEM data was empty');
  });
});

describe('crypto.parse_private_keys', () => {
  it("Go's JSON of each key", () => {
    expectJSON(call('crypto.parse_private_keys', [EC_KEY]), [EC_KEY_GO]);
    expectJSON(call('crypto.parse_private_keys', [b64(EC_KEY)]), [EC_KEY_GO]);
    const [ed] = call('crypto.parse_private_keys', [ED25519_KEY]) as Value[];
    expect(Buffer.from(ed as string, 'base64')).toHaveLength(64);
    const [rsa] = call('crypto.parse_private_keys', [RSA_KEY]) as Value[];
    expectJSON(get(rsa, 'E'), 65537);
    expectJSON(get(rsa, 'Precomputed', 'CRTValues'), []);
    expect(get(rsa, 'Primes')).toHaveLength(2);
  });

  it('mixed PEM data: only the keys, in order', () => {
    const keys = call('crypto.parse_private_keys', [[CHAIN, EC_KEY, RSA_KEY].join('\n')]) as Value[];
    expect(keys).toHaveLength(2);
    expectJSON(keys[0], EC_KEY_GO);
    expectJSON(get(keys[1], 'E'), 65537);
  });

  it('empty input, no keys, corrupted keys', () => {
    expectJSON(call('crypto.parse_private_keys', ['']), null);
    expectJSON(call('crypto.parse_private_keys', ['nothingtoseehere']), []);
    expectJSON(call('crypto.parse_private_keys', [CHAIN]), []);
    const corrupted = `-----BEGIN PRIVATE KEY-----\n${'x'.repeat(64)}\n-----END PRIVATE KEY-----\n`;
    expectThrowsContaining(
      () => call('crypto.parse_private_keys', [corrupted]),
      BUILTIN,
      'asn1: structure error',
    );
    const pkcs8InRsaBlock = RSA_KEY.replace(/RSA PRIVATE KEY/g, 'PRIVATE KEY');
    expectThrows(
      () => call('crypto.parse_private_keys', [pkcs8InRsaBlock]),
      BUILTIN,
      'x509: failed to parse private key (use ParsePKCS1PrivateKey instead for this key format)',
    );
  });
});

describe('registration', () => {
  it('the family replaces the unsupported placeholders', () => {
    for (const name of [
      'crypto.x509.parse_certificates',
      'crypto.x509.parse_and_verify_certificates',
      'crypto.x509.parse_and_verify_certificates_with_options',
      'crypto.x509.parse_certificate_request',
      'crypto.x509.parse_keypair',
      'crypto.x509.parse_rsa_private_key',
      'crypto.parse_private_keys',
    ]) {
      expect(full.get(name)?.unsupported, name).toBeUndefined();
      expect(full.get(name)?.category, name).toBe('crypto');
    }
  });
});
