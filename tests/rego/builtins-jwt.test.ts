/**
 * JWT family: io.jwt.decode, io.jwt.verify_*, io.jwt.decode_verify, io.jwt.encode_sign,
 * io.jwt.encode_sign_raw. Expectations ported by hand from OPA's conformance cases
 * (v1/test/cases/testdata/v1/: jwtbuiltins, jwtdecodeverify, jwtencodesign, jwtencodesignraw,
 * jwtencodesignheadererrors, jwtverifyhs256/384/512, jwtverifyrsa) and OPA's
 * topdown/tokens.go; the tokens, certificates and keys below are the ones those cases use.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDefaultRegistry } from '../../rego/builtins/index.ts';
import { register as jwt } from '../../rego/builtins/jwt.ts';
import { fromJSON, type Value } from '../../rego/value.ts';
import {
  builtinCaller,
  evalPolicyX,
  expectJSON,
  expectThrowsContaining,
  familyRegistry,
  newCtx,
} from '../support/builtin-harness.ts';

const call = builtinCaller(familyRegistry(jwt));

/** Evaluates `data.p.x` with the default builtins plus this family. */
const full = createDefaultRegistry();
jwt(full);
const evalRego = (body: string, nowNs?: bigint): Value | undefined => evalPolicyX(full, body, { nowNs });

const obj = (o: Record<string, unknown>): Value => fromJSON(o);
const UNVERIFIED = [false, {}, {}];

// Test vectors from OPA's conformance cases (v1/test/cases/testdata/v1/jwt*).

/** RSA-2048 self-signed certificate (CN=whatever) used by most RS/PS cases. */
const RSA_CERT = `-----BEGIN CERTIFICATE-----
MIIC/DCCAeSgAwIBAgIJAJRvYDU3ei3EMA0GCSqGSIb3DQEBCwUAMBMxETAPBgNV
BAMMCHdoYXRldmVyMB4XDTE4MDgxMDEwMzgxNloXDTE4MDkwOTEwMzgxNlowEzER
MA8GA1UEAwwId2hhdGV2ZXIwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIB
AQC4kCmzLMW/5jzkzkmN7Me8wPD+ymBUIjsGqliGfMrfFfDV2eTPVtZcYD3IXoB4
AOUT7XJzWjOsBRFOcVKKEiCPjXiLcwLb/QWQ1x0Budft32r3+N0KQd1rgcRHTPNc
JoeWCfOgDPp51RTzTT6HQuV4ud+CDhRJP7QMVMIgal9Nuzs49LLZaBPW8/rFsHjk
JQ4kDujSrpcT6F2FZY3SmWsOJgP7RjVKk5BheYeFKav5ZV4p6iHn/TN4RVpvpNBh
5z/XoHITJ6lpkHSDpbIaQUTpobU2um8N3biz+HsEAmD9Laa27WUpYSpiM6DDMSXl
dBDJdumerVRJvXYCtfXqtl17AgMBAAGjUzBRMB0GA1UdDgQWBBRz74MkVzT2K52/
FJC4mTa9coM/DTAfBgNVHSMEGDAWgBRz74MkVzT2K52/FJC4mTa9coM/DTAPBgNV
HRMBAf8EBTADAQH/MA0GCSqGSIb3DQEBCwUAA4IBAQAD1ZE4IaIAetqGG+vt9oz1
Ix0j4EPok0ONyhhmiSsF6rSv8zlNWweVf5y6Z+AoTNY1Fym0T7dbpbqIox0EdKV3
FLzniWOjznupbnqfXwHX/g1UAZSyt3akSatVhvNpGlnd7efTIAiNinX/TkzIjhZ7
ihMIZCGykT1P0ys1OaeEf57wAzviatD4pEMTIW0OOqY8bdRGhuJR1kKUZ/2Nm8Ln
y7E0y8uODVbH9cAwGyzWB/QFc+bffNgi9uJaPQQc5Zxwpu9utlqyzFvXgV7MBYUK
EYSLyxp4g4e5aujtLugaC8H6n9vP1mEBr/+T8HGynBZHNTKlDhhL9qDbpkkNB6/w
-----END CERTIFICATE-----`;

/** An unrelated RSA-4096 certificate (CN=localhost): signatures must not verify with it. */
const WRONG_CERT = `-----BEGIN CERTIFICATE-----
MIIFiDCCA3ACCQCGV6XsfG/oRTANBgkqhkiG9w0BAQUFADCBhTELMAkGA1UEBhMC
VVMxEzARBgNVBAgMCkNhbGlmb3JuaWExFTATBgNVBAcMDFJlZHdvb2QgQ2l0eTEO
MAwGA1UECgwFU3R5cmExDDAKBgNVBAsMA0RldjESMBAGA1UEAwwJbG9jYWxob3N0
MRgwFgYJKoZIhvcNAQkBFglhc2hAc3R5cmEwHhcNMTgwMzA2MDAxNTU5WhcNMTkw
MzA2MDAxNTU5WjCBhTELMAkGA1UEBhMCVVMxEzARBgNVBAgMCkNhbGlmb3JuaWEx
FTATBgNVBAcMDFJlZHdvb2QgQ2l0eTEOMAwGA1UECgwFU3R5cmExDDAKBgNVBAsM
A0RldjESMBAGA1UEAwwJbG9jYWxob3N0MRgwFgYJKoZIhvcNAQkBFglhc2hAc3R5
cmEwggIiMA0GCSqGSIb3DQEBAQUAA4ICDwAwggIKAoICAQDucnAwTRA0zqDQ671L
KWOVwhjhycFyzyhZUd7vhsnslOBiYM6TYIDXhETfAk2RQoRE/9xF16woMD8FOglc
lSuhi+GNfFRif6LfArm84ZFj1ZS1MX2logikhXhRJQ7AOHe5+ED0re3KH5lWyqfz
R6bQuPYwTQSBJy6Tq7T9RiOM29yadCX64OaCEbzEFmHtNlbb5px4zCVvgskg/fpV
GGCMpAYjGDatbxE5eAloVs1EJuI5RSqWr1JRm6EejxM04BFdfGn1HgWrsKXtlvBa
00/AC0zXL5n6LK7+L3WbRguVTZcE4Yu70gDwhmM+VsKeT9LKClX003BNj0NJDRB9
dw9MaWxsXDNHNOWEfbnASXeP7ZRv3D81ftij6P8SL14ZnxyrRty8TAN4ij3wd41l
astRQCtrJFi+HzO606XOp6HDzBoWT0DGl8Sn2hZ6RLPyBnD04vvvcSGeCVjHGOQ8
c3OTroK58u5MR/q4T00sTkeeVAxuKoEWKsjIBYYrJTe/a2mEq9yiDGbPNYDnWnQZ
jSUZm+Us23Y2sm/agZ5zKXcEuoecGL6sYCixr/xeB9BPxEiTthH+0M8OY99qpIhz
Smj41wdgQfzZi/6B8pIr77V/KywYKxJEmzw8Uy48aC/rZ8WsT8QdKwclo1aiNJhx
79OvGbZFoeHD/w7igpx+ttpF/wIDAQABMA0GCSqGSIb3DQEBBQUAA4ICAQC3wWUs
fXz+aSfFVz+O3mLFkr65NIgazbGAySgMgMNVuadheIkPL4k21atyflfpx4pg9FGv
40vWCLMajpvynfz4oqah0BACnpqzQ8Dx6HYkmlXK8fLB+WtPrZBeUEsGPKuJYt4M
d5TeY3VpNgWOPXmnE4lvxHZqh/8OwmOpjBfC9E3e2eqgwiwOkXnMaZEPgKP6JiWk
EFaQ9jgMQqJZnNcv6NmiqqsZeI0/NNjBpkmEWQl+wLegVusHiQ0FMBMQ0taEo21r
zUwHoNJR3h3wgGQiKxKOH1FUKHBV7hEqObLraD/hfG5xYucJfvvAAP1iH0ycPs+9
hSccrn5/HY1c9AZnW8Kh7atp/wFP+sHjtECWK/lUmXfhASS293hprCpJk2n9pkmR
ziXKJhjwkxlC8NcHuiVfaxdfDa4+1Qta2gK7GEypbvLoEmIt/dsYUsxUg84lwJJ9
nyC/pfZ5a8wFSf186JeVH4kHd3bnkzlQz460HndOMSJ/Xi1wSfuZlOVupFf8TVKl
p4j28MTLH2Wqx50NssKThdaX6hoCiMqreYa+EVaN1f/cIGQxZSCzdzMCKqdB8lKB
3Eax+5zsIa/UyPwGxZcyXBRHAlz5ZnkjuRxInyiMkBWWz3IZXjTe6Fq8BNd2UWNc
w35+2nO5n1LKXgR2+nzhZUOk8TPsi9WUywRluQ==
-----END CERTIFICATE-----`;

/** PS256, payload {"iss": "xxx"}, signed by RSA_CERT's key. */
const PS256_TOKEN =
  'eyJhbGciOiAiUFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJpc3MiOiAieHh4In0.iCePYnD1U13oBe_6ylhmojmkY_VZNYXqVszAej8RImMGv51OEqARmYFkRZYTiYCiVFober7vcDq_stOj1uAJCuttygGW_dpHiN-3EWsU2E2vCnXlygWe0ud38pOC-OVyEFbXxO9-m51vnS-3VmBjEO8G1UE8bLFXTeFOGkUIj9dqlefJSWh5wa8XA3g9mj0jqpuJi-7QgEIeVHk-JzhGpoFqI2f-Df_agVvc2x4V-6fJmj7wV2IsaFPRi36mVQmg8S-dkxu4AlaeCILhyNZl8ewjBHHBjJFRwzcy88L00mzdO51ZxEYsBdQav3ux2sc6vjT9PvvjAwzcthQxEoEaNA';

/** RS256, payload {"iss": "xxx", "exp": 3000}, signed by RSA_CERT's key. */
const RS256_EXP_TOKEN =
  'eyJhbGciOiAiUlMyNTYiLCAidHlwIjogIkpXVCJ9.eyJpc3MiOiAieHh4IiwgImV4cCI6IDMwMDB9.hqDP3AzshNhUZMI02U3nLPrj93QFrgs-74XFrF1Vry2bplrz-NKpdVdfTu8iY_bhmkWf2Om5DdwRZj2ZgpGahtnshnHaRq0RyqF-m3Y7oNj6JL_YMwgxsFIIHtBlagBqDU-gZK99iqSOSGqVhvxqX6gCqFgE7vnEGHeeDedtRM53coAJuwzy8rQV9m3TewoofPdPasGv-dBLQZ3qgmnibkSgb7SmFpjXBy8zL3xJXOZhAHYlgcmcEoFVaWlBguIcWA87WZlpCLYcdYTJzSZweC3QLUhZ4RLJW84-LMKp6xWLLPrp3OgnsduB2G9PYMmYw_qCkuY1KGwfH4PvCQbAzQ';

/** RS256, payload {"nbf": 1000, "iss": "xxx"}, signed by RSA_CERT's key. */
const RS256_NBF_TOKEN =
  'eyJhbGciOiAiUlMyNTYiLCAidHlwIjogIkpXVCJ9.eyJuYmYiOiAxMDAwLCAiaXNzIjogInh4eCJ9.cwwYDfJhU_ambPIpwBJwDek05miffoudprr41IAYsl0IKekb1ii2uEgwkNM-LJtVXHe9hsK3gANFyfqoJuCZIBvaNMx_3Z0BUdeBs4k1UwBiZCpuud0ofgHKURwvehNgqDvRfchq_-K_Agi2iRdl0oShgLjN-gVbBl8pRwUbQrvASlcsCpZIKUyOzXNtaIZEFh1z6ISDy8UHHOdoieKpN23swya7QAcEb0wXEEKMkkhiRd5QHgWLk37Lnw2K89mKcq4Om0CtV9nHrxxmpYGSMPojCy16Gjdg5-xKyJWvxCfb3YUBUVM4RWa7ICOPRJWPuHxu9pPYG63hb_qDU6NLsw';

/** RS256 with header {"crit": ["junk"], "kid": "k1", "alg": "RS256", "typ": "JWT", "junk": "xxx"}. */
const RS256_CRIT_JUNK_TOKEN =
  'eyJjcml0IjogWyJqdW5rIl0sICJraWQiOiAiazEiLCAiYWxnIjogIlJTMjU2IiwgInR5cCI6ICJKV1QiLCAianVuayI6ICJ4eHgifQ.eyJpc3MiOiAieHh4IiwgInN1YiI6ICJmcmVkIn0.YfoUpW5CgDBtxtBuOix3cdYJGT8cX9Mq7wOhIbjDK7eRQUsAmMY_0EQPh7bd7Yi1gLI3e11BKzguf2EHqAa1kbkHWwFniBO-RIi8q42v2uxC4lpEpIjfaaXB5XmsLfAXtYRqh0AObvbSho6VDXBP_Kn81nhIiE2yFbH14_jhRMSxDBs5ToSkXV-XJHw5bONP8NxPqEk9KF3ZJGzN7J_KoD6LjqfYai5K0eLNEIZh4C1WjTdmCKMR4K6ieZRQWZiSsnhSqLSQERir4n22G3QsdY7dOnCp-SS4VYu3V-PfsOSFMvQ-TTAN1geqMZ9A7k1CCLW0wxKBs-KCiYzmRTzwxA';

/** RS256 with cty JWT whose payload is another RS256 token ({"iss": "xxx"}). */
const RS256_NESTED_TOKEN =
  'eyJhbGciOiAiUlMyNTYiLCAidHlwIjogIkpXVCIsICJjdHkiOiAiSldUIn0.ZXlKaGJHY2lPaUFpVWxNeU5UWWlMQ0FpZEhsd0lqb2dJa3BYVkNKOS5leUpwYzNNaU9pQWllSGg0SW4wLnJSUnJlUU9DYW9ZLW1Nazcyak5GZVk1YVlFUWhJZ0lFdFZkUTlYblltUUwyTHdfaDdNbkk0U0VPMVBwa0JIVEpyZnljbEplTHpfalJ2UGdJMlcxaDFCNGNaVDhDZ21pVXdxQXI5c0puZHlVQ1FtSWRrbm53WkI5cXAtX3BTdGRHWEo5WnAzeEo4NXotVEJpWlN0QUNUZFdlUklGSUU3VkxPa20tRmxZdzh5OTdnaUN4TmxUdWl3amxlTjMwZDhnWHUxNkZGQzJTSlhtRjZKbXYtNjJHbERhLW1CWFZ0bGJVSTVlWVUwaTdueTNyQjBYUVQxRkt4ZUZ3OF85N09FdV9jY3VLcl82ZHlHZVFHdnQ5Y3JJeEFBMWFZbDdmbVBrNkVhcjllTTNKaGVYMi00Wkx0d1FOY1RDT01YV0dIck1DaG5MWVc4WEFrTHJEbl9yRmxUaVMtZw.Xicc2sWCZ_Nithucsw9XD7YOKrirUdEnH3MyiPM-Ck3vEU2RsTBsfU2JPhfjp3phc0VOgsAXCzwU5PwyNyUo1490q8YSym-liMyO2Lk-hjH5fAxoizg9yD4II_lK6Wz_Tnpc0bBGDLdbuUhvgvO7yqo-leBQlsfRXOvw4VSPSEy8QPtbURtbnLpWY2jGBKz7vGI_o4qDJ3PicG0kyEiWZNh3wjeeCYRCWvXN8qh7Uk5EA-8J5vX651GqV-7gmaX1n-8DXamhaCQcE-p1cjSj04-X-_bJlQtmb-TT3bSyUPxgHVncvxNUby8jkUTzfi5MMbmIzWWkxI5YtJTdtmCkPQ';

/** HS256 with secret "secret": {"user":"alice","azp":"alice","subordinates":[],"hr":false}. */
const HS256_ALICE_TOKEN =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyIjoiYWxpY2UiLCJhenAiOiJhbGljZSIsInN1Ym9yZGluYXRlcyI6W10sImhyIjpmYWxzZX0.rz3jTY033z-NrKfwrK89_dcLF7TN4gwCMj-fVBDyLoM';

/** RS256, payload {"iss": "xxx", "aud": "fred"}, signed by RSA_CERT's key. */
const RS256_AUD_TOKEN =
  'eyJhbGciOiAiUlMyNTYiLCAidHlwIjogIkpXVCJ9.eyJpc3MiOiAieHh4IiwgImF1ZCI6ICJmcmVkIn0.F-9m2Tx8r1tuQFirazsI4FK05bXX3uP4ut8M2FryJ07k3bQhy262fdwNDmuFcGx0NfL-c80agcwGoTzMWXkVEgZ2KTz0QSAdcdGk3ZWtUy-Mj2IilZ1dzkVvW8LsithYFTGcUtkelFDrJwtMQ0Kum7SXJpC_HCBk4PbftY0XD6jRgHLnQdeT9_J11L4sd19vCdpxxxm3_m_yvUV3ZynzB4vhQbS3CET4EClAVhi-m_gMh9mj85gY1ycIz6-FxWv8xM2Igm2SMeIdyJwAvEGnIauRS928P_OqVCZgCH2Pafnxtzy77Llpxy8XS0xu5PtPw3_azhg33GaXDCFsfz6GpA';

/** RS256 jwt.io sample token ("John Doe"), signed by the RSA key of JWKS_EC_RSA. */
const RS256_JOHN_TOKEN =
  'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0.ZcLZbBKpPFFz8YGD2jEbXzwHT7DWtqRVk1PTV-cAWUV8jr6f2a--Fw9SFR3vSbrtFif06AQ3aWY7PMM2AuxDjiUVGjItmHRz0sJBEijcE2QVkDN7MNK3Kk1fsM_hbEXzNCzChZpEkTZnLy9ijkJJFD0j6lBat4lO5Zc_LC2lXUftV_hU2aW9mQ7pLSgJjItzRymivnN0g-WUDq5IPK_M8b3yPy_N9iByj8B2FO0sC3TuOrXWbrYrX4ve4bAaSqOFOXiL5Z5BJfmmtT--xKdWDGJxnei8lbv7in7t223fVsUpsH-zmybp529Fya37BsaIlcgLrl38ghvoqy2sHu2wAA';

/** A JWKS with an ES256 key (kid k1) and the RSA key (kid k2, RS256) that signed RS256_JOHN_TOKEN. */
const JWKS_EC_RSA = `{
  "keys": [
    {
      "kty": "EC",
      "use": "sig",
      "crv": "P-256",
      "kid": "k1",
      "x": "9Qq5S5VqMQoH-FOI4atcH6V3bua03C-5ZMZMG1rszwA",
      "y": "LLbFxWkGBEBrTm1GMYZJy1OXCH1KLweJMCgIEPIsibU",
      "alg": "ES256"
    },
    {
      "kty": "RSA",
      "e": "AQAB",
      "use": "enc",
      "kid": "k2",
      "alg": "RS256",
      "n": "sGu-fYVE2nq2dPxJlqAMI0Z8G3FD0XcWDnD8mkfO1ddKRGuUQZmfj4gWeZGyIk3cnuoy7KJCEqa3daXc08QHuFZyfn0rH33t8_AFsvb0q0i7R2FK-Gdqs_E0-sGpYMsRJdZWfCioLkYjIHEuVnRbi3DEsWqe484rEGbKF60jNRgGC4b-8pz-E538ZkssWxcqHrYIj5bjGEU36onjS3M_yrTuNvzv_8wRioK4fbcwmGne9bDxu8LcoSReWpPn0CnUkWnfqroRcMJnC87ZuJagDW1ZWCmU3psdsVanmFFh0DP6z0fsA4h8G2n9-qp-LEKFaWwo3IWlOsIzU3MHdcEiGw"
    }
  ]
}`;

/** RFC 7515 appendix A.2 RSA private key (JWK). */
const RFC7515_RSA_JWK = {
  d: 'Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ',
  dp: 'BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0',
  dq: 'h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU',
  e: 'AQAB',
  kty: 'RSA',
  n: 'ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ',
  p: '4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc',
  q: 'uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc',
  qi: 'IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U',
};

/** The RFC 7515 example payload (A.1, A.2) as a Rego object literal. */
const RFC_PAYLOAD =
  '{"aud": ["bob", "saul"], "exp": 1300819380, "http://example.com/is_root": true, "iss": "joe", "privateParams": {"private_one": "one", "private_two": "two"}}';
const RFC_PAYLOAD_B64 =
  'eyJhdWQiOlsiYm9iIiwic2F1bCJdLCJleHAiOjEzMDA4MTkzODAsImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlLCJpc3MiOiJqb2UiLCJwcml2YXRlUGFyYW1zIjp7InByaXZhdGVfb25lIjoib25lIiwicHJpdmF0ZV90d28iOiJ0d28ifX0';
const RFC_HS256_KEY =
  '{"k": "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow", "kty": "oct"}';

/** RS256, payload {"foo":"bar","nbf":1444478400}, signed by the RSA-4096 key of RSA4096_PUB / RSA4096_JWK (= WRONG_CERT's key). */
const RS256_FOO_TOKEN =
  'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJmb28iOiJiYXIiLCJuYmYiOjE0NDQ0Nzg0MDB9.N0-EVdv5pvUfZYFRzMGnsWpNLHgwMEgViPwpuLBEtt32682OgnOK-N4X-2gpQEjQIbUr0IFym8YsRQU9GZvqQP72Sd6yOQNGSNeE74DpUZCAjBa9SBIb1UlD2MxZB-e7YJiEyo7pZhimaqorXrgorlaXYGMvsCFWDYmBLzGaGYaGJyEpkZHzHb7ujsDrJJjdEtDV3kh13gTHzLPvqnoXuuxelXye_8LPIhvgDy52gT4shUEso71pJCMv_IqAR19ljVE17lJzoi6VhRn6ReNUE-yg4KfCO4Ypnuu-mcQr7XtmSYoWkX72L5UQ-EyWkoz-w0SYKoJTPzHkTL2thYStksVpeNkGuck25aUdtrQgmPbao0QOWBFlkg03e6mPCD2-aXOt1ofth9mZGjxWMHX-mUqHaNmaWM3WhRztJ73hWrmB1YOdYQtOEHejfvR_td5tqIw4W6ufRy2ScOypGQe7kNaUZxpgxZ1927ZGNiQgawIOAQwXOcFx1JNSEIeg55-cYJrHPxsXGOB9ZxW-qnswmFJp474iUVXjzGhLexJDXBwvKGs_O3JFjMsvyV9_hm7bnQU0vG_HgPYs5i9VOHRMujq1vFBcm52TFVOBGdWaGfb9RRdLLYvVkJLk0Poh19rsCWb7-Vc3mAaGGpvuk4Wv-PnGGNC-V-FQqIbijHDrn_g';

const RSA4096_PUB = `-----BEGIN PUBLIC KEY-----
MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEA7nJwME0QNM6g0Ou9SyljlcIY4cnBcs8oWVHe74bJ7JTgYmDOk2CA14RE3wJNkUKERP/cRdesKDA/BToJXJUroYvhjXxUYn+i3wK5vOGRY9WUtTF9paIIpIV4USUOwDh3ufhA9K3tyh+ZVsqn80em0Lj2ME0EgScuk6u0/UYjjNvcmnQl+uDmghG8xBZh7TZW2+aceMwlb4LJIP36VRhgjKQGIxg2rW8ROXgJaFbNRCbiOUUqlq9SUZuhHo8TNOARXXxp9R4Fq7Cl7ZbwWtNPwAtM1y+Z+iyu/i91m0YLlU2XBOGLu9IA8IZjPlbCnk/SygpV9NNwTY9DSQ0QfXcPTGlsbFwzRzTlhH25wEl3j+2Ub9w/NX7Yo+j/Ei9eGZ8cq0bcvEwDeIo98HeNZWrLUUArayRYvh8zutOlzqehw8waFk9AxpfEp9oWekSz8gZw9OL773EhnglYxxjkPHNzk66CufLuTEf6uE9NLE5HnlQMbiqBFirIyAWGKyU3v2tphKvcogxmzzWA51p0GY0lGZvlLNt2NrJv2oGecyl3BLqHnBi+rGAosa/8XgfQT8RIk7YR/tDPDmPfaqSIc0po+NcHYEH82Yv+gfKSK++1fyssGCsSRJs8PFMuPGgv62fFrE/EHSsHJaNWojSYce/Trxm2RaHhw/8O4oKcfrbaRf8CAwEAAQ==
-----END PUBLIC KEY-----`;

const RSA4096_JWK =
  '{"kty":"RSA","e":"AQAB","kid":"4db88b6b-cda9-4242-b79e-51346edc313c","n":"7nJwME0QNM6g0Ou9SyljlcIY4cnBcs8oWVHe74bJ7JTgYmDOk2CA14RE3wJNkUKERP_cRdesKDA_BToJXJUroYvhjXxUYn-i3wK5vOGRY9WUtTF9paIIpIV4USUOwDh3ufhA9K3tyh-ZVsqn80em0Lj2ME0EgScuk6u0_UYjjNvcmnQl-uDmghG8xBZh7TZW2-aceMwlb4LJIP36VRhgjKQGIxg2rW8ROXgJaFbNRCbiOUUqlq9SUZuhHo8TNOARXXxp9R4Fq7Cl7ZbwWtNPwAtM1y-Z-iyu_i91m0YLlU2XBOGLu9IA8IZjPlbCnk_SygpV9NNwTY9DSQ0QfXcPTGlsbFwzRzTlhH25wEl3j-2Ub9w_NX7Yo-j_Ei9eGZ8cq0bcvEwDeIo98HeNZWrLUUArayRYvh8zutOlzqehw8waFk9AxpfEp9oWekSz8gZw9OL773EhnglYxxjkPHNzk66CufLuTEf6uE9NLE5HnlQMbiqBFirIyAWGKyU3v2tphKvcogxmzzWA51p0GY0lGZvlLNt2NrJv2oGecyl3BLqHnBi-rGAosa_8XgfQT8RIk7YR_tDPDmPfaqSIc0po-NcHYEH82Yv-gfKSK--1fyssGCsSRJs8PFMuPGgv62fFrE_EHSsHJaNWojSYce_Trxm2RaHhw_8O4oKcfrbaRf8"}';

/** ES256 self-signed certificate (P-256, CN=whatever). */
const ES256_CERT = `-----BEGIN CERTIFICATE-----
MIIBcDCCARagAwIBAgIJAMZmuGSIfvgzMAoGCCqGSM49BAMCMBMxETAPBgNVBAMM
CHdoYXRldmVyMB4XDTE4MDgxMDE0Mjg1NFoXDTE4MDkwOTE0Mjg1NFowEzERMA8G
A1UEAwwId2hhdGV2ZXIwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATPwn3WCEXL
mjp/bFniDwuwsfu7bASlPae2PyWhqGeWwe23Xlyx+tSqxlkXYe4pZ23BkAAscpGj
yn5gXHExyDlKo1MwUTAdBgNVHQ4EFgQUElRjSoVgKjUqY5AXz2o74cLzzS8wHwYD
VR0jBBgwFoAUElRjSoVgKjUqY5AXz2o74cLzzS8wDwYDVR0TAQH/BAUwAwEB/zAK
BggqhkjOPQQDAgNIADBFAiEA4yQ/88ZrUX68c6kOe9G11u8NUaUzd8pLOtkKhniN
OHoCIHmNX37JOqTcTzGn2u9+c8NlnvZ0uDvsd1BmKPaUmjmm
-----END CERTIFICATE-----
`;

const ES256_JWK =
  '{"kty":"EC","crv":"P-256","x":"z8J91ghFy5o6f2xZ4g8LsLH7u2wEpT2ntj8loahnlsE","y":"7bdeXLH61KrGWRdh7ilnbcGQACxykaPKfmBccTHIOUo"}';

/** ES256, payload {"nbf": 1444478400, "iss": "xxx"}, signed by ES256_CERT's key. */
const ES256_TOKEN =
  'eyJ0eXAiOiAiSldUIiwgImFsZyI6ICJFUzI1NiJ9.eyJuYmYiOiAxNDQ0NDc4NDAwLCAiaXNzIjogInh4eCJ9.lArczfN-pIL8oUU-7PU83u-zfXougXBZj6drFeKFsPEoVhy9WAyiZlRshYqjTSXdaw8yw2L-ovt4zTUZb2PWMg';

/** RSA-2048 certificate (CN=localhost, 2020) that signed RS384_TOKEN. */
const RS384_CERT = `-----BEGIN CERTIFICATE-----
MIIDXDCCAkSgAwIBAgIBLjANBgkqhkiG9w0BAQsFADBWMQswCQYDVQQGEwJVUzEV
MBMGA1UEBxMMUmVkd29vZCBDaXR5MQ4wDAYDVQQKEwVTdHlyYTEMMAoGA1UECxMD
RGV2MRIwEAYDVQQDEwlsb2NhbGhvc3QwHhcNMjAwNTA3MDg1MTAzWhcNMjAwNTA3
MTA1MTAzWjBWMQswCQYDVQQGEwJVUzEVMBMGA1UEBxMMUmVkd29vZCBDaXR5MQ4w
DAYDVQQKEwVTdHlyYTEMMAoGA1UECxMDRGV2MRIwEAYDVQQDEwlsb2NhbGhvc3Qw
ggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQDeRmygX/fOOUu5Wm91PFNo
sHDG1CzG9a1iKBjUeMgi9bXXScUfatPmsNlxb56uSi0RXUsvJmY/yxkIIhRyapxW
49j2idAM3SGGL1nOZf/XdpDHYsAFFZ237HGb8DOEk/p3xCFv0tH/iQ+kLP36EM1+
tn6BfUXdJnVyvkSK2iMNeRY7A4DMX7sGX39LXsVJiCokIC8E0QUFrSjvrAm9ejKE
tPojydo4c3VUxLfmFuyMXoD3bfk1Jv5i2J5RjtomjgK6zNCvgYzpspiodHChkzlU
X8yk2YqlAHX3XdJA94LaDE2kNXiOQnFkUb8GsP7hmEbwGtMUEQie+jfgKplxJ49B
AgMBAAGjNTAzMA4GA1UdDwEB/wQEAwIFoDATBgNVHSUEDDAKBggrBgEFBQcDATAM
BgNVHRMBAf8EAjAAMA0GCSqGSIb3DQEBCwUAA4IBAQC9f2/kxT7DnQ94ownhHvd6
rzk1WirI90rFM2MxhfkaDrOHhSGZL9nDf6TIZ4qeFKZXthpKxpiZm2Oxmn+vUsik
W6bYjq1nX0GCchQLaaFf9Jh1IOLwkfoBdX55tV8xUGHRWgDlCuGbqiixz+Bm0Kap
kmbyJynVcoiKhdLyYm/YTn/pC32SJW666reQ+0qCAoxzLQowBetHjwDam9RsDEf4
+JRDjYPutNXyJ5X8BaBA6PzHanzMG/7RFYcx/2YhXwVxdfPHku4ALJcddIGAGNx2
5yte+HY0aEu+06J67eD9+4fU7NixRMKigk9KbjqpeWD+0be+VgX8Dot4jaISgI/3
-----END CERTIFICATE-----`;

const RS384_TOKEN =
  'eyJhbGciOiJSUzM4NCJ9.eyJTY29wZXMiOlsiZm9vIiwiYmFyIl0sIm5iZiI6MTQ1MTYwNjQwMH0.b__y2zjqMoD7iWbHeQ0lNpnche3ph5-AwrIQICLMQQGtEz9WMBteHydkC5g01bm3TBX1d04Z5IEOsuK6btAtWma04c5NYqaUyNEUJKYCFoY02uH0jGdGfL6R5Kkv0lkNvN0s3Nex9jMaVVgqx8bcrOU0uRBFT67sXcm11LHaB9BwKFslolzHClxgXy5RIZb4OFk_7Yk7xTC6PcvEWkkGR9uXBhfDEig5WqdwOWPeulimvARDw14U35rzeh9xpGAPjBKeE-y20fXAk0cSF1H69C-Qa1jDQheYIrAJ6XMYGNZWuay5-smmeefe67eweEt1q-AD1NFepqkmZX382DGuYQ';

/** RS384_CERT's public key, as PEM and as JWK. */
const RS384_PUB = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA3kZsoF/3zjlLuVpvdTxT
aLBwxtQsxvWtYigY1HjIIvW110nFH2rT5rDZcW+erkotEV1LLyZmP8sZCCIUcmqc
VuPY9onQDN0hhi9ZzmX/13aQx2LABRWdt+xxm/AzhJP6d8Qhb9LR/4kPpCz9+hDN
frZ+gX1F3SZ1cr5EitojDXkWOwOAzF+7Bl9/S17FSYgqJCAvBNEFBa0o76wJvXoy
hLT6I8naOHN1VMS35hbsjF6A9235NSb+YtieUY7aJo4CuszQr4GM6bKYqHRwoZM5
VF/MpNmKpQB1913SQPeC2gxNpDV4jkJxZFG/BrD+4ZhG8BrTFBEInvo34CqZcSeP
QQIDAQAB
-----END PUBLIC KEY-----`;
const RS384_JWK =
  '{"kty":"RSA","n":"3kZsoF_3zjlLuVpvdTxTaLBwxtQsxvWtYigY1HjIIvW110nFH2rT5rDZcW-erkotEV1LLyZmP8sZCCIUcmqcVuPY9onQDN0hhi9ZzmX_13aQx2LABRWdt-xxm_AzhJP6d8Qhb9LR_4kPpCz9-hDNfrZ-gX1F3SZ1cr5EitojDXkWOwOAzF-7Bl9_S17FSYgqJCAvBNEFBa0o76wJvXoyhLT6I8naOHN1VMS35hbsjF6A9235NSb-YtieUY7aJo4CuszQr4GM6bKYqHRwoZM5VF_MpNmKpQB1913SQPeC2gxNpDV4jkJxZFG_BrD-4ZhG8BrTFBEInvo34CqZcSePQQ","e":"AQAB"}';

const RS512_TOKEN =
  'eyJhbGciOiJSUzUxMiJ9.eyJTY29wZXMiOlsiZm9vIiwiYmFyIl0sIm5iZiI6MTQ1MTYwNjQwMH0.VSe3qK5Gp0Q0_5nRgMFu25yw74FIgX-kXPOemSi62l-AxeVdUw8rOpEFrSTCaVjd3mPfKb-B056a-gtrbpXK9sUQnFdqdsyt8gHK-umz5lVyWfoAgj51Ontv-9K_pRORD9wqKqdTLZjCxJ5tyKoO0gY3SwwqSqGrp85vUjvEcK3jbMKINGRUNnOokeSm7byUEJsfKVUbPboSX1TGyvjDOZxxSITj8-bzZZ3F21DJ23N2IiJN7FW8Xj-SYyphXo-ML50o5bjW9YlQ5BDk-RW1I4eE-KpsxhApPv_xIgE8d89PVtXFuoJtv0yLRaZ1q04Fl9KNoMyZrmr349yppn0JlQ';

/** PS384 token and the RSA-2048 public key that verifies it. */
const PS384_TOKEN =
  'eyJhbGciOiJQUzM4NCJ9.eyJTY29wZXMiOlsiZm9vIiwiYmFyIl0sIm5iZiI6MTQ1MTYwNjQwMH0.EHPUvPr6uJOYqdza95WbM1SYD8atZHJEVRggpwOWnHGsjQBoEarJb8QgW7TY22OXwGw2HWluTiyT_MAz02NaHRzZv6AgrmxCLChMWkCHLwPxqjs0xSvVAMLzHHq2X2Bcujo9KORGudR7zKz8pOX5Mfnm7Z6OGtqPCPLaIdVJlddNsG6a571NOuVuDWbcg0omeRDANZpCZMJeAQN2M-4Q61ef6zcQHK1R-QqzBhw6HzMgqR1LRJ0xbrmD-L5o53JM3pV1e1juKNXVK3vWkDQRCQORFn1lyH5isfSsiiHW-x90sUC7TrU_cOji4MMmOCME6kkwxe57ZgpeXtdVTvldpw';
const PS_PUB = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA7clVh9hRPHFPC0XAKx+E
8A4QThXJiRdvC670Tm3Gw2LGnuqxMG8tGkYEsY0xDIMhgY66AUpdtsDkgPd5MMeK
bqX1xKm8MsJ/RYcigW/zl0EoJT5sK6Zs0LTyRswR53C/jz40YT36opsH+2SDygAI
CM/TuqaRoRP8eAreOOI7YVCAWbhuXFF4YIjwUHSENyvPEIYFcHLn02ZDR4+Ikg34
ZVRQx1Y143dgf8hjg48r9E8goVdGATRozL+2BS1piBVBcyvuqjUsbuHMz7UZMn8G
ldhlvzwU+X/H3OnyoEGepOgSyuvqYtIj4eU1Is8h7arbnlg26yfsH3SYpUEvA/hB
qwIDAQAB
-----END PUBLIC KEY-----`;
const PS_JWK =
  '{"kty":"RSA","n":"7clVh9hRPHFPC0XAKx-E8A4QThXJiRdvC670Tm3Gw2LGnuqxMG8tGkYEsY0xDIMhgY66AUpdtsDkgPd5MMeKbqX1xKm8MsJ_RYcigW_zl0EoJT5sK6Zs0LTyRswR53C_jz40YT36opsH-2SDygAICM_TuqaRoRP8eAreOOI7YVCAWbhuXFF4YIjwUHSENyvPEIYFcHLn02ZDR4-Ikg34ZVRQx1Y143dgf8hjg48r9E8goVdGATRozL-2BS1piBVBcyvuqjUsbuHMz7UZMn8GldhlvzwU-X_H3OnyoEGepOgSyuvqYtIj4eU1Is8h7arbnlg26yfsH3SYpUEvA_hBqw","e":"AQAB"}';
const PS_CERT = `-----BEGIN CERTIFICATE-----
MIIDXDCCAkSgAwIBAgIBKjANBgkqhkiG9w0BAQsFADBWMQswCQYDVQQGEwJVUzEV
MBMGA1UEBxMMUmVkd29vZCBDaXR5MQ4wDAYDVQQKEwVTdHlyYTEMMAoGA1UECxMD
RGV2MRIwEAYDVQQDEwlsb2NhbGhvc3QwHhcNMjAwNTA3MDkxMjU2WhcNMjAwNTA3
MTExMjU2WjBWMQswCQYDVQQGEwJVUzEVMBMGA1UEBxMMUmVkd29vZCBDaXR5MQ4w
DAYDVQQKEwVTdHlyYTEMMAoGA1UECxMDRGV2MRIwEAYDVQQDEwlsb2NhbGhvc3Qw
ggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQDtyVWH2FE8cU8LRcArH4Tw
DhBOFcmJF28LrvRObcbDYsae6rEwby0aRgSxjTEMgyGBjroBSl22wOSA93kwx4pu
pfXEqbwywn9FhyKBb/OXQSglPmwrpmzQtPJGzBHncL+PPjRhPfqimwf7ZIPKAAgI
z9O6ppGhE/x4Ct444jthUIBZuG5cUXhgiPBQdIQ3K88QhgVwcufTZkNHj4iSDfhl
VFDHVjXjd2B/yGODjyv0TyChV0YBNGjMv7YFLWmIFUFzK+6qNSxu4czPtRkyfwaV
2GW/PBT5f8fc6fKgQZ6k6BLK6+pi0iPh5TUizyHtqtueWDbrJ+wfdJilQS8D+EGr
AgMBAAGjNTAzMA4GA1UdDwEB/wQEAwIFoDATBgNVHSUEDDAKBggrBgEFBQcDATAM
BgNVHRMBAf8EAjAAMA0GCSqGSIb3DQEBCwUAA4IBAQBgVAM50/0aBTBxESYKIKN4
E+qbV6aE0C+wYJLet0EWPTxwmFZamq5LNEO/D6xyoY5WHY60EyHRMs0agSB/ATBX
5ULdEwh9G0NjxqivCcoddQ1fuVS2PrrqNL7VlRnYbTpd8/Dh4qnyl5FltlyZ/29L
y7BWOwlcBlZdhsfH8svNX4PUxjRD+jmnczCDi7XSOKT8htKUV2ih1c9JrWpIhCi/
HzEXkaAxNdhBNdIsLQMo3qq9fkSgNZQk9/ecJNPeuJ/UYyr5Xa4PxIWl4U+P7yuI
+Q3FSPmUbiVsSGqMhh6V/DN8M+T5/KiSB47gFOfxc2/RR5aw4HkSp3WxwbT9njbE
-----END CERTIFICATE-----`;
const PS512_TOKEN =
  'eyJhbGciOiJQUzUxMiJ9.eyJTY29wZXMiOlsiZm9vIiwiYmFyIl0sIm5iZiI6MTQ1MTYwNjQwMH0.VRlkPtiUq5MmBNgyuBqxv2_aX40STrWrBB2sSmGbxI78jVG_3hVoh7Mk-wUmFL389qpf05xNdn-gpMe-MSDUux7U7EuFspFZdYTUBo9wRvEBe4e1rHUCG00lVdYCG7eEgbAxM3cUhrHRwExBte30qBrFFUY9FgG-kJdYhgyh7VquMGuKgiS8CP_H0Gp1mIvTw6eEnSFAoKiryw9edUZ78pHELNn4y18YZvEndeNZh7f19LCtrB0G2bJUHGM4vPcwo2D-UAhEFBpSlnnqXDLSWOhUgLNLu0kZACXhT808KT6fdF6eFihdThmWN7_HUz2znjrjs71CqqDJgLhkGs8UvQ';

const ES384_TOKEN =
  'eyJhbGciOiJFUzM4NCJ9.eyJTY29wZXMiOlsiZm9vIiwiYmFyIl0sIm5iZiI6MTQ1MTYwNjQwMH0.w85PzWrIQbJBOROnah0pa8or2LsXWnj88bwG1R-zf5Mm20CaYGPKPTQEsU_y-dzaWyDV1Na7nfaGaH3Khcvj8yS-bidZ0OZVVFDk9oabX7ZYvAHo2pTAOfxc11TeOYSF';
const ES384_PUB = `-----BEGIN PUBLIC KEY-----
MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEY3MFu4PcMeHj7LsHFcwyQlaOH/CNQtV+
VEuAda1jfucxUiaBgimj01zA4QHUtPA9RttACEZgNAJVVV0ca2WGfmNvNjurPhBr
AeU9VjAp1BZNkmvsWYhjwKWM+M0hmzRK
-----END PUBLIC KEY-----`;

const ES512_TOKEN =
  'eyJhbGciOiJFUzUxMiJ9.eyJTY29wZXMiOlsiZm9vIiwiYmFyIl0sIm5iZiI6MTQ1MTYwNjQwMH0.AYpssEoEqq9We9aKsnRykpECAVEOBRJJu8UgDzoL-F8fmB2LPxpS4Gl7D-9wAO5AJt4-9YSsgOb5FLc20MrZN30AAFYopZf75T1pEJQFrdDmOKT45abbrorcR7G_AHDbhBdDNM_R6GojYFg_HPxHndof745Yq5Tfw9PpJc-9kSyk6kqO';
const ES512_CERT = `-----BEGIN CERTIFICATE-----
MIICWDCCAbmgAwIBAgIBAjAKBggqhkjOPQQDBDBWMQswCQYDVQQGEwJVUzEVMBMG
A1UEBxMMUmVkd29vZCBDaXR5MQ4wDAYDVQQKEwVTdHlyYTEMMAoGA1UECxMDRGV2
MRIwEAYDVQQDEwlsb2NhbGhvc3QwHhcNMjAwNTA3MTA1NDM3WhcNMjAwNTA3MTI1
NDM3WjBWMQswCQYDVQQGEwJVUzEVMBMGA1UEBxMMUmVkd29vZCBDaXR5MQ4wDAYD
VQQKEwVTdHlyYTEMMAoGA1UECxMDRGV2MRIwEAYDVQQDEwlsb2NhbGhvc3QwgZsw
EAYHKoZIzj0CAQYFK4EEACMDgYYABAHLm3IMD/88vC/S1cCTyjrCjwHIGsjibFBw
PBXt36YKCjUdS7jiJJR5YQVPypSv7gPaKKn1E8CqkfVdd3rrp1TocAEms4XvigtW
ZBZzffw9xyZCgmtQ2dTHsufi/5W/Yx8N3Uw+D2wl1LKcJraouo+qgamGfuou6WbA
oPEtdOg0+B4jF6M1MDMwDgYDVR0PAQH/BAQDAgWgMBMGA1UdJQQMMAoGCCsGAQUF
BwMBMAwGA1UdEwEB/wQCMAAwCgYIKoZIzj0EAwQDgYwAMIGIAkIAzAAYDqMghX3S
8UbS8s5TPAztJy9oNXFra5V8pPlUdNFc2ov2LN++scW46wCb/cJUyEc58sY7xFuK
I5sCOkv95N8CQgFXmu354LZJ31zIovuUA8druOPe3TDnxMGwEEm2Lt43JNuhzNyP
hJYh9/QKfe2AiwrLXEG4VVOIXdjq7vexl87evg==
-----END CERTIFICATE-----`;
const ES512_PUB = `-----BEGIN PUBLIC KEY-----
MIGbMBAGByqGSM49AgEGBSuBBAAjA4GGAAQBy5tyDA//PLwv0tXAk8o6wo8ByBrI
4mxQcDwV7d+mCgo1HUu44iSUeWEFT8qUr+4D2iip9RPAqpH1XXd666dU6HABJrOF
74oLVmQWc338PccmQoJrUNnUx7Ln4v+Vv2MfDd1MPg9sJdSynCa2qLqPqoGphn7q
LulmwKDxLXToNPgeIxc=
-----END PUBLIC KEY-----`;
const ES512_JWK =
  '{"kty":"EC","crv":"P-521","x":"AcubcgwP_zy8L9LVwJPKOsKPAcgayOJsUHA8Fe3fpgoKNR1LuOIklHlhBU_KlK_uA9ooqfUTwKqR9V13euunVOhw","y":"ASazhe-KC1ZkFnN9_D3HJkKCa1DZ1Mey5-L_lb9jHw3dTD4PbCXUspwmtqi6j6qBqYZ-6i7pZsCg8S106DT4HiMX"}';

describe('io.jwt.decode (conformance jwtbuiltins/)', () => {
  it('simple-non-registered', () => {
    expectJSON(
      call('io.jwt.decode', [
        'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJuZXciOiJJIGFtIGEgdXNlciBjcmVhdGVkIGZpZWxkIiwiaXNzIjoib3BhIn0.6UmjsclVDGD9jcmX_F8RJzVgHtUZuLu2pxkF_UEQCrE',
      ]),
      [
        { alg: 'HS256', typ: 'JWT' },
        { iss: 'opa', new: 'I am a user created field' },
        'e949a3b1c9550c60fd8dc997fc5f112735601ed519b8bbb6a71905fd41100ab1',
      ],
    );
  });

  it('no-support-jwe', () => {
    expectThrowsContaining(
      () =>
        call('io.jwt.decode', [
          'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImVuYyI6ImJsYWgifQ.eyJuZXciOiJJIGFtIGEgdXNlciBjcmVhdGVkIGZpZWxkIiwiaXNzIjoib3BhIn0.McGUb1e-UviZKy6UyQErNNQzEUgeV25Buwk7OHOa8U8',
        ]),
      'eval_builtin_error',
      'JWT is a JWE object, which is not supported',
    );
  });

  it('no-periods', () => {
    expectThrowsContaining(
      () =>
        call('io.jwt.decode', [
          'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9eyJzdWIiOiIwIiwiaXNzIjoib3BhIn0XmVoLoHI3pxMtMO_WRONMSJzGUDP9pDjy8Jp0_tdRXY',
        ]),
      'eval_builtin_error',
      'encoded JWT had no period separators',
    );
  });

  it('bad-header-encoding', () => {
    expectThrowsContaining(
      () =>
        call('io.jwt.decode', [
          'eyJhbGciOiJIU^%zI1NiI+sInR5cCI6IkpXVCJ9.eyJzdWIiOiIwIiwiaXNzIjoib3BhIn0.XmVoLoHI3pxMtMO_WRONMSJzGUDP9pDjy8Jp0_tdRXY',
        ]),
      'eval_builtin_error',
      'JWT header had invalid encoding: illegal base64 data at input byte 13',
    );
  });

  it('bad-payload-encoding', () => {
    expectThrowsContaining(
      () =>
        call('io.jwt.decode', [
          'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwIiwia/XNzIjoib3BhIn0.XmVoLoHI3pxMtMO_WRONMSJzGUDP9pDjy8Jp0_tdRXY',
        ]),
      'eval_builtin_error',
      'JWT payload had invalid encoding: illegal base64 data at input byte 17',
    );
  });

  it('double-nested (cty: JWT, quoted payloads)', () => {
    expectJSON(
      call('io.jwt.decode', [
        'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImN0eSI6IkpXVCJ9.ImV5SmhiR2NpT2lKSVV6STFOaUlzSW5SNWNDSTZJa3BYVkNJc0ltTjBlU0k2SWtwWFZDSjkuSW1WNVNtaGlSMk5wVDJsS1NWVjZTVEZPYVVselNXNVNOV05EU1RaSmEzQllWa05LT1M1bGVVcDZaRmRKYVU5cFNYZEphWGRwWVZoT2VrbHFiMmxpTTBKb1NXNHdMbGh0Vm05TWIwaEpNM0I0VFhSTlQxOVhVazlPVFZOS2VrZFZSRkE1Y0VScWVUaEtjREJmZEdSU1dGa2kuOFcwcXg0bUx4c2xtWmw3d0VNVVdCeEg3dFNUM1hzRXVXWHhlc1hxRm5SSSI.U8rwnGAJ-bJoGrAYKEzNtbJQWd3x1eW0Y25nLKHDCgo',
      ]),
      [
        { alg: 'HS256', typ: 'JWT' },
        { iss: 'opa', sub: '0' },
        '5e65682e81c8de9c4cb4c3bf59138d3122731940cff690e3cbc269d3fb5d4576',
      ],
    );
  });

  it('complex-values', () => {
    expectJSON(
      call('io.jwt.decode', [
        'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwIiwiaXNzIjoib3BhIiwiZXh0Ijp7ImFiYyI6IjEyMyIsImNiYSI6WzEwLCIxMCJdfX0.IIxF-uJ6i4K5Dj71xNLnUeqB9jmujl6ujTInhii1PxE',
      ]),
      [
        { alg: 'HS256', typ: 'JWT' },
        { ext: { abc: '123', cba: [10, '10'] }, iss: 'opa', sub: '0' },
        '208c45fae27a8b82b90e3ef5c4d2e751ea81f639ae8e5eae8d32278628b53f11',
      ],
    );
  });

  it('type and structure errors', () => {
    expectThrowsContaining(
      () => call('io.jwt.decode', [1]),
      'eval_type_error',
      'operand 1 must be string but got number',
    );
    expectThrowsContaining(
      () => call('io.jwt.decode', ['a.b']),
      'eval_builtin_error',
      'encoded JWT must have 3 sections, found 2',
    );
    expectThrowsContaining(
      () => call('io.jwt.decode', ['a.b.c.d']),
      'eval_builtin_error',
      'encoded JWT must have 3 sections, found 4',
    );
    // "e30" is {} but "WyJhIl0" is ["a"]: the header must be an object.
    expectThrowsContaining(
      () => call('io.jwt.decode', ['WyJhIl0.e30.']),
      'eval_builtin_error',
      'bad JWT header: decoded JSON type was not an Object',
    );
    expectThrowsContaining(
      () => call('io.jwt.decode', ['eyJhIjox.e30.']),
      'eval_builtin_error',
      'bad JWT header: invalid JSON: unexpected end of JSON input',
    );
    expectThrowsContaining(
      () => call('io.jwt.decode', ['e30.WyJhIl0.']),
      'eval_builtin_error',
      'decoded JSON type was not an Object',
    );
    expectThrowsContaining(
      () => call('io.jwt.decode', ['e30.e30.a']),
      'eval_builtin_error',
      'JWT signature had invalid encoding: illegal base64url string: a',
    );
    expectJSON(call('io.jwt.decode', ['e30.e30.']), [{}, {}, '']);
  });
});

describe('io.jwt.verify_hs* (conformance jwtverifyhs256/384/512)', () => {
  it('success', () => {
    expect(call('io.jwt.verify_hs256', [HS256_ALICE_TOKEN, 'secret'])).toBe(true);
    expect(
      call('io.jwt.verify_hs384', [
        'eyJhbGciOiJIUzM4NCJ9.eyJTY29wZXMiOlsiZm9vIiwiYmFyIl0sIm5iZiI6MTQ1MTYwNjQwMH0.g98lHYzuqINVppLMoEZT7jlpX0IBSo9zKGoN9DhQg7Ua3YjLXbJMjzESjIHXOGLB',
        'secret',
      ]),
    ).toBe(true);
    expect(
      call('io.jwt.verify_hs512', [
        'eyJhbGciOiJIUzUxMiJ9.eyJTY29wZXMiOlsiZm9vIiwiYmFyIl0sIm5iZiI6MTQ1MTYwNjQwMH0.F6-xviRhK2OLcJJHFivhQqMN_dgX5boDrwbVKkdo9flQQNk-AaKpH3uYycFvBEd_erVefcsri_PkL4fjLSZ7ZA',
        'secret',
      ]),
    ).toBe(true);
  });

  it('failure', () => {
    expect(call('io.jwt.verify_hs256', [HS256_ALICE_TOKEN, 'the wrong key'])).toBe(false);
    // The right key but the wrong hash.
    expect(call('io.jwt.verify_hs384', [HS256_ALICE_TOKEN, 'secret'])).toBe(false);
  });

  it('failure-invalid token', () => {
    for (const name of ['io.jwt.verify_hs384', 'io.jwt.verify_hs512']) {
      expectThrowsContaining(
        () =>
          call(name, [
            'eyJhbGciOiJIUzM4NCJ9.eyJTY29wZXMiOlsiZm9vIiwiYmFyIl0sIm5iZiI6MTQ1MTYwNjQwMH0',
            'secret',
          ]),
        'eval_builtin_error',
        'encoded JWT must have 3 sections, found 2',
      );
    }
    expectThrowsContaining(
      () => call('io.jwt.verify_hs256', ['a.b.c', 1]),
      'eval_type_error',
      'operand 2 must be string but got number',
    );
  });
});

describe('io.jwt.verify_rs*/ps*/es* (conformance jwtverifyrsa/)', () => {
  it('RS256: PEM public key, JWK, certificate', () => {
    expect(call('io.jwt.verify_rs256', [RS256_FOO_TOKEN, RSA4096_PUB])).toBe(true);
    expect(call('io.jwt.verify_rs256', [RS256_FOO_TOKEN, RSA4096_JWK])).toBe(true);
    expect(call('io.jwt.verify_rs256', [RS256_FOO_TOKEN, WRONG_CERT])).toBe(true);
    expect(call('io.jwt.verify_rs256', [RS256_FOO_TOKEN, RSA_CERT])).toBe(false);
  });

  it('failure-bad token', () => {
    expect(
      call('io.jwt.verify_rs256', [
        'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJmb28iOiJiYXIiLCJuYmYiOjE0NDQ0Nzg0MDB9.Yt89BjaPCNgol478rYyH66-XgkHos02TsVwxLH3ZlvOoIVjbhYW8q1_MHehct1-yBf1UOX3g-lUrIjpoDtX1TfAESuaWTjYPixRvjfJ-Nn75JF8QuAl5PD27C6aJ4PjUPNfj0kwYBnNQ_oX-ZFb781xRi7qRDB6swE4eBUxzHqKUJBLaMM2r8k1-9iE3ERNeqTJUhV__p0aSyRj-i62rdZ4TC5nhxtWodiGP4e4GrYlXkdaKduK63cfdJF-kfZfTsoDs_xy84pZOkzlflxuNv9bNqd-3ISAdWe4gsEvWWJ8v70-QWkydnH8rhj95DaqoXrjfzbOgDpKtdxJC4daVPKvntykzrxKhZ9UtWzm3OvJSKeyWujFZlldiTfBLqNDgdi-Boj_VxO5Pdh-67lC3L-pBMm4BgUqf6rakBQvoH7AV6zD5CbFixh7DuqJ4eJHHItWzJwDctMrV3asm-uOE1E2B7GErGo3iX6S9Iun_kvRUp6kyvOaDq5VvXzQOKyLQIQyHGGs0aIV5cFI2IuO5Rt0uUj5mzPQrQWHgI4r6Mc5bzmq2QLxBQE8OJ1RFhRpsuoWQyDM8aRiMQIJe1g3x4dnxbJK4dYheYblKHFepScYqT1hllDp3oUNn89sIjQIhJTe8KFATu4K8ppluys7vhpE2a_tq8i5O0MFxWmsxN4Q',
        WRONG_CERT,
      ]),
    ).toBe(false);
  });

  it('failure-wrong key (PS256, ES512 against an RSA certificate)', () => {
    expect(
      call('io.jwt.verify_ps256', [
        'eyJ0eXAiOiAiSldUIiwgImFsZyI6ICJQUzI1NiJ9.eyJuYmYiOiAxNDQ0NDc4NDAwLCAiZm9vIjogImJhciJ9.i0F3MHWzOsBNLqjQzK1UVeQid9xPMowCoUsoM-C2BDxUY-FMKmCeJ1NJ4TGnS9HzFK1ftEvRnPT7EOxOkHPoCk1rz3feTFgtHtNzQqLM1IBTnz6aHHOrda_bKPHH9ZIYCRQUPXhpC90ivW_IJR-f7Z1WLrMXaJ71i1XteruENHrJJJDn0HedHG6N0VHugBHrak5k57cbE31utAdx83TEd8v2Y8wAkCJXKrdmTa-8419LNxW_yjkvoDD53n3X5CHhYkSymU77p0v6yWO38qDWeKJ-Fm_PrMAo72_rizDBj_yPa5LA3bT_EnsgZtC-sp8_SCDIH41bjiCGpRHhqgZmyw',
        WRONG_CERT,
      ]),
    ).toBe(false);
    expect(call('io.jwt.verify_es512', [ES512_TOKEN, WRONG_CERT])).toBe(false);
  });

  it('failure-bad pem certificate', () => {
    expectThrowsContaining(
      () => call('io.jwt.verify_rs256', [RS256_FOO_TOKEN, WRONG_CERT.replace('MIIFiDCC', 'deadiDCC')]),
      'eval_builtin_error',
      'failed to parse a PEM certificate',
    );
  });

  it('RS384 / RS512', () => {
    expect(call('io.jwt.verify_rs384', [RS384_TOKEN, RS384_CERT])).toBe(true);
    expect(call('io.jwt.verify_rs384', [RS384_TOKEN, RS384_PUB])).toBe(true);
    expect(call('io.jwt.verify_rs512', [RS512_TOKEN, RS384_CERT])).toBe(true);
    expect(call('io.jwt.verify_rs512', [RS512_TOKEN, RS384_JWK])).toBe(true);
    // The hash is the builtin's: an RS384 token does not verify as RS512.
    expect(call('io.jwt.verify_rs512', [RS384_TOKEN, RS384_CERT])).toBe(false);
  });

  it('PS384 / PS512', () => {
    expect(call('io.jwt.verify_ps384', [PS384_TOKEN, PS_PUB])).toBe(true);
    expect(call('io.jwt.verify_ps384', [PS384_TOKEN, PS_JWK])).toBe(true);
    expect(call('io.jwt.verify_ps512', [PS512_TOKEN, PS_CERT])).toBe(true);
    expect(call('io.jwt.verify_ps512', [PS512_TOKEN, PS_PUB])).toBe(true);
    expect(call('io.jwt.verify_ps512', [PS512_TOKEN, PS_JWK])).toBe(true);
    expect(call('io.jwt.verify_ps256', [PS256_TOKEN, RSA_CERT])).toBe(true);
    // PKCS#1 v1.5 and PSS are different schemes.
    expect(call('io.jwt.verify_rs256', [PS256_TOKEN, RSA_CERT])).toBe(false);
  });

  it('ES256 / ES384 / ES512', () => {
    expect(call('io.jwt.verify_es256', [ES256_TOKEN, ES256_CERT])).toBe(true);
    expect(call('io.jwt.verify_es256', [ES256_TOKEN, ES256_JWK])).toBe(true);
    expect(call('io.jwt.verify_es384', [ES384_TOKEN, ES384_PUB])).toBe(true);
    expect(call('io.jwt.verify_es512', [ES512_TOKEN, ES512_CERT])).toBe(true);
    expect(call('io.jwt.verify_es512', [ES512_TOKEN, ES512_PUB])).toBe(true);
    expect(call('io.jwt.verify_es512', [ES512_TOKEN, ES512_JWK])).toBe(true);
    // An RSA key is the wrong type for ECDSA: not verified (no error).
    expect(call('io.jwt.verify_es256', [ES256_TOKEN, RSA_CERT])).toBe(false);
  });

  it('JWKS: kid match, alg filter', () => {
    expect(call('io.jwt.verify_rs256', [RS256_JOHN_TOKEN, JWKS_EC_RSA])).toBe(true);
    const withoutRsa = JSON.stringify({ keys: [JSON.parse(JWKS_EC_RSA).keys[0]] });
    expect(call('io.jwt.verify_rs256', [RS256_JOHN_TOKEN, withoutRsa])).toBe(false);
  });

  it('key errors', () => {
    expectThrowsContaining(
      () => call('io.jwt.verify_rs256', [RS256_FOO_TOKEN, `${RSA4096_PUB}\n\n`]),
      'eval_builtin_error',
      'extra data after a PEM certificate block',
    );
    expectThrowsContaining(
      () =>
        call('io.jwt.verify_rs256', [
          RS256_FOO_TOKEN,
          RSA4096_PUB.replaceAll('PUBLIC KEY', 'RSA PUBLIC KEY'),
        ]),
      'eval_builtin_error',
      'failed to extract a Key from the PEM certificate',
    );
    expectThrowsContaining(
      () => call('io.jwt.verify_rs256', [RS256_FOO_TOKEN, 'nonsense']),
      'eval_builtin_error',
      'failed to parse a JWK key (set)',
    );
    expectThrowsContaining(
      () => call('io.jwt.verify_rs256', [RS256_FOO_TOKEN, 1]),
      'eval_type_error',
      'operand 2 must be string but got number',
    );
  });
});

describe('io.jwt.verify_eddsa and EdDSA decode_verify (conformance jwtdecodeverify/EdDSA)', () => {
  const token =
    'eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0.JkKWCY39IdWEQttmdqR7VdsvT-_QxheW_eb0S5wr_j83ltux_JDUIXs7a3Dtn3xuqzuhetiuJrWIvy5TzimeCg';
  const pub =
    '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAwmK6SSAu2E9V7uynkCKEaj5nZJyTvNG4x0KohsRzLpg=\n-----END PUBLIC KEY-----\n';

  it('decode_verify', () => {
    expectJSON(call('io.jwt.decode_verify', [token, obj({ cert: pub })]), [
      true,
      { alg: 'EdDSA', typ: 'JWT' },
      { admin: true, iat: 1516239022, name: 'John Doe', sub: '1234567890' },
    ]);
  });

  it('verify_eddsa', () => {
    expect(call('io.jwt.verify_eddsa', [token, pub])).toBe(true);
    expect(call('io.jwt.verify_eddsa', [token, RSA_CERT])).toBe(false);
  });
});

describe('io.jwt.decode_verify (conformance jwtdecodeverify/)', () => {
  const dv = (token: string, constraints: Record<string, unknown>, nowNs = 0n): Value | undefined =>
    call('io.jwt.decode_verify', [token, obj(constraints)], newCtx(nowNs));
  const RS_HEADER = { alg: 'RS256', typ: 'JWT' };

  it('ps256-key-wrong, rs256-key-wrong', () => {
    expectJSON(dv(PS256_TOKEN, { cert: WRONG_CERT }), UNVERIFIED);
    expectJSON(dv(RS256_EXP_TOKEN, { cert: WRONG_CERT }), UNVERIFIED);
  });

  it('ps256-alg-ok, ps256-alg-wrong', () => {
    expectJSON(dv(PS256_TOKEN, { alg: 'PS256', cert: RSA_CERT }), [
      true,
      { alg: 'PS256', typ: 'JWT' },
      { iss: 'xxx' },
    ]);
    expectJSON(dv(PS256_TOKEN, { alg: 'RS256', cert: RSA_CERT }), UNVERIFIED);
  });

  it('ps256-iss-ok, ps256-iss-wrong', () => {
    expectJSON(dv(PS256_TOKEN, { cert: RSA_CERT, iss: 'xxx' }), [
      true,
      { alg: 'PS256', typ: 'JWT' },
      { iss: 'xxx' },
    ]);
    expectJSON(dv(PS256_TOKEN, { cert: RSA_CERT, iss: 'yyy' }), UNVERIFIED);
  });

  it('rs256-exp-ok, rs256-exp-now-explicit-expired', () => {
    expectJSON(dv(RS256_EXP_TOKEN, { cert: RSA_CERT, time: 2000000000000 }), [
      true,
      RS_HEADER,
      { exp: 3000, iss: 'xxx' },
    ]);
    expectJSON(
      evalRego(
        `x := io.jwt.decode_verify("${RS256_EXP_TOKEN}", {"cert": ${JSON.stringify(RSA_CERT)}, "time": time.now_ns()})`,
      ),
      UNVERIFIED,
    );
  });

  it('rs256-nbf-ok, rs256-nbf-now-ok, rs256-nbf-toosoon', () => {
    expectJSON(dv(RS256_NBF_TOKEN, { cert: RSA_CERT, time: 2000000000000 }), [
      true,
      RS_HEADER,
      { iss: 'xxx', nbf: 1000 },
    ]);
    expectJSON(
      evalRego(`x := io.jwt.decode_verify("${RS256_NBF_TOKEN}", {"cert": ${JSON.stringify(RSA_CERT)}})`),
      [true, RS_HEADER, { iss: 'xxx', nbf: 1000 }],
    );
    expectJSON(dv(RS256_NBF_TOKEN, { cert: RSA_CERT, time: 500000000000 }), UNVERIFIED);
  });

  it('without a time constraint, the evaluation time (time.now_ns) is used', () => {
    // exp is 3000 s: valid at 2999 s, expired at 3000 s.
    expectJSON((dv(RS256_EXP_TOKEN, { cert: RSA_CERT }, 2_999_000_000_000n) as Value[])[0], true);
    expectJSON(dv(RS256_EXP_TOKEN, { cert: RSA_CERT }, 3_000_000_000_000n), UNVERIFIED);
    expectJSON(
      evalRego(
        `x := io.jwt.decode_verify("${RS256_EXP_TOKEN}", {"cert": ${JSON.stringify(RSA_CERT)}})[0]`,
        1_000_000_000_000n,
      ),
      true,
    );
  });

  it('rs256-crit-junk', () => {
    expectJSON(dv(RS256_CRIT_JUNK_TOKEN, { cert: RSA_CERT }), UNVERIFIED);
  });

  it('rsa256-nested', () => {
    expectJSON(dv(RS256_NESTED_TOKEN, { cert: RSA_CERT }), [true, RS_HEADER, { iss: 'xxx' }]);
  });

  it('hs256-key-wrong, hs256-unconstrained', () => {
    expectJSON(dv(HS256_ALICE_TOKEN, { secret: 'the wrong key' }), UNVERIFIED);
    expectJSON(dv(HS256_ALICE_TOKEN, { secret: 'secret' }), [
      true,
      { alg: 'HS256', typ: 'JWT' },
      { azp: 'alice', hr: false, subordinates: [], user: 'alice' },
    ]);
  });

  it('rs256-aud, ps256-no-aud, rs256-wrong-aud', () => {
    expectJSON(dv(RS256_AUD_TOKEN, { aud: 'fred', cert: RSA_CERT }), [
      true,
      RS_HEADER,
      { aud: 'fred', iss: 'xxx' },
    ]);
    expectJSON(dv(PS256_TOKEN, { aud: 'cath', cert: RSA_CERT }), UNVERIFIED);
    expectJSON(dv(RS256_AUD_TOKEN, { aud: 'cath', cert: RSA_CERT }), UNVERIFIED);
    // A token with an audience needs an aud constraint.
    expectJSON(dv(RS256_AUD_TOKEN, { cert: RSA_CERT }), UNVERIFIED);
  });

  it('multiple-keys-one-valid', () => {
    expectJSON(dv(RS256_JOHN_TOKEN, { cert: JWKS_EC_RSA, time: 1574723450396363500n }), [
      true,
      RS_HEADER,
      { admin: true, iat: 1516239022, name: 'John Doe', sub: '1234567890' },
    ]);
  });

  const HS_NBF_3000_1 =
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJ4eHgiLCJuYmYiOjMwMDAuMX0.khHsSae91zHwuaTIvszln3kyrOdPyUYiGSvCI0j2ie8';
  const HS_EXP_3000_2 =
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjMwMDAuMiwiaXNzIjoieHh4In0.XUen7GtDmICV3O1ngsoO-tQrjrXtOgJI06oGW0nQSIM';
  const HS_NBF_FLOAT =
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJ4eHgiLCJuYmYiOjEuNTg5Mzg1NzcwMTIzNGUrMDl9.lvrsV1nam-BZr0SomWwsr4dBfu6BDrR2FzQ1iS_Xnrw';
  const HS_EXP_FLOAT =
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjEuNTg5Mzg1NzcxMTIzNGUrMDksImlzcyI6Inh4eCJ9.PZ2z6VfHt9YdvHHUbilkTnw4R9TK3_V0LV1h-q0k9xg';
  const HS_HEADER = { alg: 'HS256', typ: 'JWT' };

  it('hs256-float-nbf-not-valid, hs256-float-exp-valid', () => {
    expectJSON(dv(HS_NBF_3000_1, { secret: 'secret', time: 2000000000000.1 }), UNVERIFIED);
    expectJSON(dv(HS_EXP_3000_2, { secret: 'secret', time: 2000000000000.1 }), [
      true,
      HS_HEADER,
      { exp: 3000.2, iss: 'xxx' },
    ]);
  });

  it('float nbf: one tenth second before, one millisecond after, one second after', () => {
    expectJSON(dv(HS_NBF_FLOAT, { secret: 'secret', time: 1589385770023400000n }), UNVERIFIED);
    expectJSON(dv(HS_NBF_FLOAT, { secret: 'secret', time: 1589385770124400000n }), [
      true,
      HS_HEADER,
      { iss: 'xxx', nbf: 1589385770.1234 },
    ]);
    expectJSON(dv(HS_NBF_FLOAT, { secret: 'secret', time: 1589385771123400000n }), [
      true,
      HS_HEADER,
      { iss: 'xxx', nbf: 1589385770.1234 },
    ]);
  });

  it('float exp: one second before, one tenth second before, equal', () => {
    const valid = [true, HS_HEADER, { exp: 1589385771.1234, iss: 'xxx' }];
    expectJSON(dv(HS_EXP_FLOAT, { secret: 'secret', time: 1589385770123400000n }), valid);
    expectJSON(dv(HS_EXP_FLOAT, { secret: 'secret', time: 1589385771023400000n }), valid);
    expectJSON(dv(HS_EXP_FLOAT, { secret: 'secret', time: 1589385771123400000n }), UNVERIFIED);
  });

  it('invalid-exp: exp must be a number', () => {
    expect(() =>
      evalRego(
        'token := io.jwt.encode_sign({"alg": "HS256"}, {"exp": null}, {"kty": "oct", "k": base64url.encode_no_pad("42")})\nx := io.jwt.decode_verify(token, {"secret": "42"})',
      ),
    ).toThrow('exp value must be a number');
  });

  it('constraint errors', () => {
    expectThrowsContaining(() => dv(HS256_ALICE_TOKEN, {}), 'eval_builtin_error', 'no key constraint');
    expectThrowsContaining(
      () => dv(HS256_ALICE_TOKEN, { secret: '' }),
      'eval_builtin_error',
      'no key constraint',
    );
    expectThrowsContaining(
      () => dv(HS256_ALICE_TOKEN, { secret: 'a', cert: RSA_CERT }),
      'eval_builtin_error',
      'duplicate key constraints',
    );
    expectThrowsContaining(
      () => dv(HS256_ALICE_TOKEN, { secret: 'a', foo: 1 }),
      'eval_builtin_error',
      'unknown token validation constraint: foo',
    );
    expectThrowsContaining(
      () => dv(HS256_ALICE_TOKEN, { secret: 1 }),
      'eval_builtin_error',
      'secret constraint: must be a string',
    );
    expectThrowsContaining(
      () => dv(HS256_ALICE_TOKEN, { cert: 1 }),
      'eval_builtin_error',
      'cert constraint: must be a string',
    );
    expectThrowsContaining(
      () => dv(HS256_ALICE_TOKEN, { secret: 'a', time: 'x' }),
      'eval_builtin_error',
      'token time constraint: must be a number',
    );
    expectThrowsContaining(
      () => dv(HS256_ALICE_TOKEN, { secret: 'a', time: -1 }),
      'eval_builtin_error',
      'token time constraint: must not be negative',
    );
    expectThrowsContaining(
      () => call('io.jwt.decode_verify', [HS256_ALICE_TOKEN, 'x']),
      'eval_type_error',
      'operand 2 must be object but got string',
    );
    expectThrowsContaining(
      () => call('io.jwt.decode_verify', [1, obj({ secret: 'a' })]),
      'eval_type_error',
      'operand 1 must be string but got number',
    );
  });

  it('a secret never verifies an asymmetric token, a certificate never an HMAC one', () => {
    expectJSON(dv(RS256_AUD_TOKEN, { secret: 'secret', aud: 'fred' }), UNVERIFIED);
    expectJSON(dv(HS256_ALICE_TOKEN, { cert: RSA_CERT }), UNVERIFIED);
  });
});

describe('io.jwt.encode_sign (conformance jwtencodesign/)', () => {
  it('RFC 7515 A.1 (HS256)', () => {
    expect(
      evalRego(`x := io.jwt.encode_sign({"alg": "HS256", "typ": "JWT"}, ${RFC_PAYLOAD}, ${RFC_HS256_KEY})`),
    ).toBe(
      `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.${RFC_PAYLOAD_B64}.-Or2eol8bzly-Ztb0v7_7UkcKBkN_aNNpK33HK0MeOY`,
    );
  });

  it('RFC 7515 A.2 (RS256)', () => {
    expect(
      evalRego(
        `x := io.jwt.encode_sign({"alg": "RS256"}, ${RFC_PAYLOAD}, ${JSON.stringify(RFC7515_RSA_JWK)})`,
      ),
    ).toBe(
      `eyJhbGciOiJSUzI1NiJ9.${RFC_PAYLOAD_B64}.kvCjo2z80h4YO3umCn3iayUXEnBGgw-Nk4-cYNPWagW4SAg34nZSonUt9Kpnc5h0s6LpJAnam1xuEezk-2VRPnu05foQdWTDKJAze-9vZ0wr0L_KyXLZaW0vVfehdGpPgJj_FqVfgnc-hXdL0RADfrKjApsrO7oHpv-Ii3u7oKwauzq5oQ2AXt4cp6ahu8VhOBGQiPXtV98Yw3U3NBetMX-I_qR6-UGsN6Z0pRO0bsdk1ANvMiHT6Y04x8nh4kzk5pfv71ACgnxrs1zxwg7YfYzm2tQXGceu7fwI9sqO_jz2c8RvMsg4u8q0js58F-gR1SVjmTyipnXv0tAGzpZnhg`,
    );
  });

  it('EdDSA', () => {
    expect(
      evalRego(
        `x := io.jwt.encode_sign({"alg": "EdDSA", "typ": "JWT"}, ${RFC_PAYLOAD}, {"kty": "OKP", "alg": "EdDSA", "crv": "Ed25519", "x": "wEZFfoAj1rFKTLOOmjJjVZlCHwksuvMb2I5y_hg70E8", "d": "9XI34uQzYUJfWhDZf_0nYsLMBRVu8a6dFsy60P8uugk"})`,
      ),
    ).toBe(
      `eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.${RFC_PAYLOAD_B64}.T_X7SzKEehTnRdgYrDobpKO-EqZ0LW3Y-idx16wNHXCL5aiR24h2Ei0pWRHG2X2BYomwbvNwyxPcasgHqs_eBA`,
    );
  });

  it('sign then verify round trips (ES*, PS*, generated keys)', () => {
    const cases = [
      ['ES256', 'io.jwt.verify_es256', generateKeyPairSync('ec', { namedCurve: 'P-256' })],
      ['ES384', 'io.jwt.verify_es384', generateKeyPairSync('ec', { namedCurve: 'P-384' })],
      ['ES512', 'io.jwt.verify_es512', generateKeyPairSync('ec', { namedCurve: 'P-521' })],
      ['PS256', 'io.jwt.verify_ps256', generateKeyPairSync('rsa', { modulusLength: 2048 })],
      ['RS512', 'io.jwt.verify_rs512', generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ] as const;
    for (const [alg, verifier, pair] of cases) {
      const priv = pair.privateKey.export({ format: 'jwk' });
      const pub = JSON.stringify(pair.publicKey.export({ format: 'jwk' }));
      const token = call('io.jwt.encode_sign', [obj({ alg }), obj({ sub: 'me' }), obj(priv)]) as string;
      expect(call(verifier, [token, pub])).toBe(true);
      expectJSON(call('io.jwt.decode_verify', [token, obj({ cert: pub })]), [true, { alg }, { sub: 'me' }]);
    }
  });

  it('header and payload are serialised as Go does (sorted keys, HTML-safe escapes)', () => {
    const token = call('io.jwt.encode_sign', [
      obj({ typ: 'JWT', alg: 'HS256' }),
      obj({ b: '<&>', a: 1 }),
      obj({ kty: 'oct', k: 'c2VjcmV0' }),
    ]) as string;
    const [h, p] = token.split('.');
    expect(Buffer.from(h as string, 'base64url').toString()).toBe('{"alg":"HS256","typ":"JWT"}');
    expect(Buffer.from(p as string, 'base64url').toString()).toBe('{"a":1,"b":"\\u003c\\u0026\\u003e"}');
    expect(call('io.jwt.verify_hs256', [token, 'secret'])).toBe(true);
  });
});

describe('io.jwt.encode_sign_raw (conformance jwtencodesignraw/, jwtencodesignheadererrors/)', () => {
  const OCT_KEY =
    '{\n"kty":"oct",\n"k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"\n}';
  const PAYLOAD = '{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}';
  const raw = (h: string, p: string, k: string): Value | undefined =>
    call('io.jwt.encode_sign_raw', [h, p, k]);

  it('RFC 7515 A.1', () => {
    expect(raw('{"typ":"JWT",\r\n "alg":"HS256"}', PAYLOAD, OCT_KEY)).toBe(
      'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
    );
  });

  it('No Payload but Media Type is Plain; text/plain media type', () => {
    expect(raw('{"typ":"text/plain",\r\n "alg":"HS256"}', '', OCT_KEY)).toBe(
      'eyJ0eXAiOiJ0ZXh0L3BsYWluIiwNCiAiYWxnIjoiSFMyNTYifQ..sXoGQMWwM-SmX495-htA7kndgbkwz1PnqsDeY275gnI',
    );
    expect(raw('{"typ":"text/plain",\r\n "alg":"HS256"}', 'e', OCT_KEY)).toBe(
      'eyJ0eXAiOiJ0ZXh0L3BsYWluIiwNCiAiYWxnIjoiSFMyNTYifQ.ZQ.oO8Vnc4Jv7-J231a1bEcQrgXfKbNW-kEvVY7BP1v5rM',
    );
  });

  it('RFC 7515 A.2', () => {
    const jwk = `{\n    "kty":"RSA",\n    "n":"${RFC7515_RSA_JWK.n}",\n    "e":"AQAB",\n    "d":"${RFC7515_RSA_JWK.d}",\n    "p":"${RFC7515_RSA_JWK.p}",\n    "q":"${RFC7515_RSA_JWK.q}",\n    "dp":"${RFC7515_RSA_JWK.dp}",\n    "dq":"${RFC7515_RSA_JWK.dq}",\n    "qi":"${RFC7515_RSA_JWK.qi}"\n  }`;
    expect(raw('{"alg":"RS256"}', PAYLOAD, jwk)).toBe(
      'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw',
    );
  });

  it('EdDSA', () => {
    expect(
      raw(
        '{"alg":"EdDSA","typ":"JWT"}',
        '{"iss":"joe","exp":1300819380,"http://example.com/is_root":true}',
        '{"kty":"OKP","alg":"EdDSA","crv":"Ed25519","x":"wEZFfoAj1rFKTLOOmjJjVZlCHwksuvMb2I5y_hg70E8","d":"9XI34uQzYUJfWhDZf_0nYsLMBRVu8a6dFsy60P8uugk"}',
      ),
    ).toBe(
      'eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJqb2UiLCJleHAiOjEzMDA4MTkzODAsImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.jS1so-rsTaC8DdA8_ZnFXYbi9xOrMVXOviMFrahQ7ez0UKKzjU-2vxrM0ON-Vu3GXKhtBkkO3SUtNMoeYw3zDQ',
    );
  });

  it('header errors', () => {
    // Unknown signature algorithm (malformed header JSON).
    expectThrowsContaining(
      () => raw('{"typ:"JWT",\r\n "alg":"HS256"}', PAYLOAD, OCT_KEY),
      'eval_builtin_error',
      "missing or invalid 'alg' header: cannot parse JSON",
    );
    expectThrowsContaining(
      () => raw('{"alg":"dummy"}', PAYLOAD, OCT_KEY),
      'eval_builtin_error',
      'unknown JWS algorithm: dummy',
    );
    expectThrowsContaining(
      () => raw('', PAYLOAD, OCT_KEY),
      'eval_builtin_error',
      "missing or invalid 'alg' header: cannot parse JSON: cannot parse empty string",
    );
    // Older OPA releases said "unsupported signature algorithm" and "invalid character" for these two.
    expectThrowsContaining(
      () => raw('{}', PAYLOAD, OCT_KEY),
      'eval_builtin_error',
      `missing or invalid 'alg' header: jwsbb: header "alg" not found`,
    );
    expectThrowsContaining(() => raw('e', PAYLOAD, OCT_KEY), 'eval_builtin_error', 'invalid character');
  });

  it('payload and key errors', () => {
    expectThrowsContaining(
      () => raw('{"alg":"HS256"}', 'e', OCT_KEY),
      'eval_builtin_error',
      'type is JWT but payload is not JSON',
    );
    expectThrowsContaining(
      () => raw('{"alg":"HS256"}', '{}', '{"keys": []}'),
      'eval_builtin_error',
      'no keys found in JWK set',
    );
    expectThrowsContaining(
      () => raw('{"alg":"RS256"}', '{}', OCT_KEY),
      'eval_builtin_error',
      'RS256 requires a private key',
    );
    expectThrowsContaining(
      () => call('io.jwt.encode_sign_raw', ['{}', '{}', 1]),
      'eval_type_error',
      'operand 3 must be string but got number',
    );
  });
});
