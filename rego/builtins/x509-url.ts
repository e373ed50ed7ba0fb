/**
 * The URIs of X.509 subject alternative names as OPA shows them: Go's `url.URL` fields (which OPA
 * marshals to JSON as they are) and `URL.String()` (OPA's `URIStrings`). Parsing is go-url.ts.
 */
import { fromUtf8 } from './encoding-go.ts';
import { goEscape, type NetURL, parseURL as parseGoURL } from './go-url.ts';

/** url.URL as Go marshals it: `User` is `{}` when userinfo is present (its fields are unexported). */
export interface GoURL {
  readonly Scheme: string;
  readonly Opaque: string;
  readonly User: Record<string, never> | null;
  readonly Host: string;
  readonly Path: string;
  readonly RawPath: string;
  readonly OmitHost: boolean;
  readonly ForceQuery: boolean;
  readonly RawQuery: string;
  readonly Fragment: string;
  readonly RawFragment: string;
}

/** The URL's JSON fields, and the parsed URL that `String()` needs. */
export interface ParsedURL {
  readonly url: GoURL;
  readonly parsed: NetURL;
}

/** url.Parse; throws an Error whose message is Go's (`parse "…": …`). */
export function parseURL(raw: string): ParsedURL {
  const u = parseGoURL(raw);
  const url: GoURL = {
    Scheme: u.scheme,
    Opaque: u.opaque,
    User: u.rawUser === null ? null : {},
    Host: fromUtf8(u.host),
    Path: fromUtf8(u.path),
    RawPath: u.rawPath,
    OmitHost: u.omitHost,
    ForceQuery: u.forceQuery,
    RawQuery: u.rawQuery,
    Fragment: fromUtf8(u.fragment),
    RawFragment: u.rawFragment,
  };
  return { url, parsed: u };
}

/** URL.String() */
export function urlString(p: ParsedURL): string {
  const u = p.url;
  let out = '';
  if (u.Scheme !== '') out += `${u.Scheme}:`;
  if (u.Opaque !== '') {
    out += u.Opaque;
  } else {
    if (u.Scheme !== '' || u.Host !== '' || u.User !== null) {
      if (!(u.OmitHost && u.Host === '' && u.User === null)) {
        if (u.Host !== '' || u.Path !== '' || u.User !== null) out += '//';
        if (p.parsed.rawUser !== null) out += `${p.parsed.rawUser}@`;
        if (u.Host !== '') out += goEscape(p.parsed.host, 'host');
      }
    }
    const path = u.RawPath !== '' ? u.RawPath : goEscape(p.parsed.path, 'path');
    if (path !== '' && path[0] !== '/' && u.Host !== '') out += '/';
    if (out === '' && (path.split('/')[0] as string).includes(':')) out += './';
    out += path;
  }
  if (u.ForceQuery || u.RawQuery !== '') out += `?${u.RawQuery}`;
  if (u.Fragment !== '') {
    out += `#${u.RawFragment !== '' ? u.RawFragment : goEscape(p.parsed.fragment, 'fragment')}`;
  }
  return out;
}
