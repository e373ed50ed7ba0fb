/**
 * Assembles the default builtin registry from the builtin families. Each family lives in its
 * own module and exports `register(registry)`.
 */
import { register as aggregates } from './aggregates.ts';
import { register as arrays } from './arrays.ts';
import { register as comparison } from './comparison.ts';
import { register as crypto } from './crypto.ts';
import { register as encoding } from './encoding.ts';
import { register as glob } from './glob.ts';
import { register as jsonOps } from './json-ops.ts';
import { register as net } from './net.ts';
import { register as numbers } from './numbers.ts';
import { register as objects } from './objects.ts';
import { register as regex } from './regex.ts';
import { BuiltinRegistry } from './registry.ts';
import { register as sets } from './sets.ts';
import { register as sprintf } from './sprintf.ts';
import { register as strings } from './strings.ts';
import { register as templateString } from './template-string.ts';
import { register as time } from './time.ts';
import { register as types } from './types.ts';
import { register as units } from './units.ts';
import { register as metadata } from './metadata.ts';
import { register as misc } from './misc.ts';
import { register as unsupported } from './unsupported.ts';
import { register as graph } from './graph.ts';
import { register as jwt } from './jwt.ts';
import { register as jsonschema } from './jsonschema.ts';
import { register as graphql } from './graphql.ts';
import { register as aws } from './aws.ts';
import { register as x509 } from './x509.ts';

let cached: BuiltinRegistry | undefined;

/** Returns a new registry holding every builtin this library implements. */
export function createDefaultRegistry(): BuiltinRegistry {
  const r = new BuiltinRegistry();
  for (const reg of [
    comparison,
    numbers,
    aggregates,
    arrays,
    sets,
    objects,
    types,
    strings,
    templateString,
    sprintf,
    regex,
    glob,
    units,
    encoding,
    jsonOps,
    crypto,
    time,
    net,
    misc,
    metadata,
    graph,
    jwt,
    jsonschema,
    graphql,
    aws,
    x509,
    unsupported,
  ]) {
    reg(r);
  }
  return r;
}

/** The shared default registry (built once; treat as read-only). */
export function defaultRegistry(): BuiltinRegistry {
  cached ??= createDefaultRegistry();
  return cached;
}
