/**
 * Graph builtins: `graph.reachable` and `graph.reachable_paths`.
 *
 * A graph is an object mapping a node to its neighbours (an array or a set; any other value
 * counts as "no neighbours"). Semantics follow OPA's `topdown/reachable.go`:
 *
 * - `graph.reachable(g, initial)`: breadth-first from the initial nodes; a node is in the result
 *   only if it is a key of the graph (unknown nodes are skipped, not reported).
 * - `graph.reachable_paths(g, initial)`: every maximal path from each initial node that is in
 *   the graph. A path ends at a leaf (a node with an empty neighbour collection), before a node
 *   that is not in the graph, or when the next node is already on the path (a cycle). An
 *   initial node with no neighbours yields the one-node path `[node]`.
 */
import { objGet, type PlainObject, type RegoObject, RegoSet, type Value } from '../value.ts';
import { argObject, argOneOf, type BuiltinRegistry } from './registry.ts';

/** The elements of an array or set (sets in Rego order); nothing for other values. */
function vertices(collection: Value | undefined): Value[] {
  if (Array.isArray(collection)) return collection;
  if (collection instanceof RegoSet) return collection.sorted();
  return [];
}

function initialNodes(args: Value[]): Value[] {
  return vertices(argOneOf(args, 1, ['array', 'set']));
}

function reachable(graph: PlainObject | RegoObject, initial: Value[]): RegoSet {
  const reached = new RegoSet();
  const queue = [...initial];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i] as Value;
    const edges = objGet(graph, node);
    if (edges === undefined) continue;
    for (const neighbour of vertices(edges)) {
      if (!reached.has(neighbour)) queue.push(neighbour);
    }
    reached.add(node);
  }
  return reached;
}

/**
 * Extends `path` (which ends just before `node`) through `node`. `onPath` holds the nodes
 * already on the path (each branch gets its own copy, so siblings do not see each other).
 */
function buildPaths(
  graph: PlainObject | RegoObject,
  node: Value,
  path: Value[],
  onPath: RegoSet,
  out: RegoSet,
): void {
  const edges = objGet(graph, node);
  if (edges === undefined) {
    // The node is not in the graph: the path ends before it.
    out.add(path);
    return;
  }
  const here = [...path, node];
  const next = vertices(edges);
  if (next.length === 0) {
    out.add(here);
    return;
  }
  const seen = new RegoSet(onPath);
  seen.add(node);
  for (const neighbour of next) {
    if (seen.has(neighbour)) out.add(here);
    else buildPaths(graph, neighbour, here, seen, out);
  }
}

function reachablePaths(graph: PlainObject | RegoObject, initial: Value[]): RegoSet {
  const out = new RegoSet();
  for (const node of initial) {
    const edges = objGet(graph, node);
    if (edges === undefined) continue;
    const next = vertices(edges);
    if (next.length === 0) {
      out.add([node]);
      continue;
    }
    for (const neighbour of next) buildPaths(graph, neighbour, [node], new RegoSet([node]), out);
  }
  return out;
}

/** Registers this family's builtins. */
export function register(r: BuiltinRegistry): void {
  const cat = 'graph';
  r.def('graph.reachable', 2, cat, (a) => {
    const graph = argObject(a, 0);
    return reachable(graph, initialNodes(a));
  });
  r.def('graph.reachable_paths', 2, cat, (a) => {
    const graph = argObject(a, 0);
    return reachablePaths(graph, initialNodes(a));
  });
}
