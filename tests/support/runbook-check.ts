/**
 * Checks that what a runbook tells on-call staff to type exists: the commands in its fenced code
 * blocks (npm scripts, `orchestrator` subcommands and their options, `curl` calls to the HTTP
 * API, `node <file>`), and every relative link or `runbooks/…`/`docs/…` path in its text.
 *
 * The checker is pure: the test gives it what exists (package.json scripts, the commander
 * program, the routes the Fastify server registered, a file-exists function) and gets back one
 * problem per thing that does not, naming the runbook and line.
 *
 * @example
 * ```ts
 * const problems = checkRunbook('runbooks/x.md', text, world);
 * expect(problems).toEqual([]);
 * ```
 */
import type { Command } from 'commander';

/** What exists, for the checker to compare runbooks against. */
export interface RunbookWorld {
  /** `package.json` script names, plus npm's built-in `start`/`test` shortcuts. */
  readonly scripts: ReadonlySet<string>;
  /** The `orchestrator` commander program (built, not parsed). */
  readonly program: Command;
  /** Routes the API serves: method (upper case) and Fastify URL pattern (`/v1/actions/:action_id`). */
  readonly routes: readonly { readonly method: string; readonly url: string }[];
  /** Whether a path (relative to the repository root) exists. */
  readonly exists: (repoPath: string) => boolean;
  /** Reads a repository file (for `#anchor` checks); undefined when missing. */
  readonly read: (repoPath: string) => string | undefined;
}

/** One command line taken from a fenced block. */
export interface ExtractedCommand {
  readonly line: number;
  readonly text: string;
}

/**
 * Commands in the fenced code blocks of a Markdown text. Continuation lines (`\` at the end)
 * are joined; in `console` blocks only `$ ` lines are commands (the rest is output); comments
 * and blank lines are skipped; `json`/`text` blocks hold no commands.
 *
 * @example
 * ```ts
 * extractCommands('```sh\nnpm run policy:test\n```'); // [{ line: 2, text: 'npm run policy:test' }]
 * ```
 */
export function extractCommands(markdown: string): ExtractedCommand[] {
  const lines = markdown.split('\n');
  const out: ExtractedCommand[] = [];
  let fence: { lang: string } | undefined;
  let pending: { line: number; text: string } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const open = /^\s*```\s*([A-Za-z0-9_-]*)/.exec(raw);
    if (open) {
      fence = fence ? undefined : { lang: (open[1] ?? '').toLowerCase() };
      pending = undefined;
      continue;
    }
    if (!fence || !['sh', 'bash', 'shell', 'console', ''].includes(fence.lang)) continue;
    let text = raw.trim();
    if (pending) {
      text = `${pending.text} ${text}`;
    } else {
      if (fence.lang === 'console') {
        if (!text.startsWith('$ ')) continue;
        text = text.slice(2).trim();
      }
      if (text === '' || text.startsWith('#')) continue;
    }
    const start = pending?.line ?? i + 1;
    if (text.endsWith('\\')) {
      pending = { line: start, text: text.slice(0, -1).trim() };
      continue;
    }
    pending = undefined;
    out.push({ line: start, text: stripComment(text) });
  }
  return out;
}

/** Drops a trailing `# comment` that is outside quotes. */
function stripComment(text: string): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) return text.slice(0, i).trim();
  }
  return text;
}

/** Splits a command line into words (quotes kept together, unquoted) and shell operators. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let cur = '';
  let started = false;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      started = true;
    } else if (/\s/.test(c)) {
      if (started) words.push(cur);
      cur = '';
      started = false;
    } else if (c === '|' || c === ';' || c === '&') {
      if (started) words.push(cur);
      const two = text.slice(i, i + 2);
      words.push(two === '&&' || two === '||' ? two : c);
      if (two === '&&' || two === '||') i++;
      cur = '';
      started = false;
    } else {
      cur += c;
      started = true;
    }
  }
  if (started) words.push(cur);
  return words;
}

/** Splits words into simple commands at `|`, `&&`, `||`, `;`, `&`, dropping leading `VAR=value`s. */
function simpleCommands(words: readonly string[]): string[][] {
  const out: string[][] = [[]];
  for (const w of words) {
    if (['|', '&&', '||', ';', '&'].includes(w)) out.push([]);
    else out[out.length - 1]?.push(w);
  }
  return out
    .map((c) => {
      let k = 0;
      while (k < c.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(c[k] ?? '')) k++;
      return c.slice(k);
    })
    .filter((c) => c.length > 0);
}

const API_BASE =
  /^(?:\$ORCHESTRATOR_URL|\$\{ORCHESTRATOR_URL\}|https?:\/\/(?:127\.0\.0\.1|localhost)(?::\d+)?)(\/[^\s?#]*)?/;

/** Problems with one command line (empty when everything it names exists). */
export function checkCommand(text: string, world: RunbookWorld): string[] {
  const problems: string[] = [];
  for (const cmd of simpleCommands(shellWords(text))) {
    const [head, ...args] = cmd;
    if (head === 'npm') problems.push(...checkNpm(args, world));
    else if (head === 'npx' && args[0] === 'node') problems.push(...checkNode(args.slice(1), world));
    else if (head === 'node') problems.push(...checkNode(args, world));
    else if (head === 'orchestrator') problems.push(...checkOrchestrator(args, world.program));
    else if (head === 'curl') problems.push(...checkCurl(args, world));
  }
  return problems;
}

function checkNpm(args: readonly string[], world: RunbookWorld): string[] {
  const verb = args[0];
  if (verb === 'start' || verb === 'test' || verb === 't') {
    const script = verb === 't' ? 'test' : verb;
    return world.scripts.has(script) ? [] : [`npm ${verb}: no "${script}" script in package.json`];
  }
  if (verb !== 'run' && verb !== 'run-script') return [];
  const rest = args.slice(1).filter((a) => a !== '--silent' && a !== '-s');
  const script = rest[0];
  if (script === undefined) return ['npm run without a script name'];
  if (!world.scripts.has(script)) return [`npm run ${script}: no such script in package.json`];
  if (script === 'orchestrator') {
    const sep = rest.indexOf('--');
    return checkOrchestrator(sep === -1 ? [] : rest.slice(sep + 1), world.program);
  }
  return [];
}

function checkNode(args: readonly string[], world: RunbookWorld): string[] {
  const file = args.find((a) => !a.startsWith('-'));
  if (file === undefined || !/\.(?:ts|js|mjs)$/.test(file)) return [];
  if (file === 'daemon/cli/main.ts')
    return checkOrchestrator(args.slice(args.indexOf(file) + 1), world.program);
  return world.exists(file) ? [] : [`node ${file}: no such file`];
}

/** `orchestrator <sub> [<sub2>] [--options]`: the subcommands and every long option must exist. */
export function checkOrchestrator(args: readonly string[], program: Command): string[] {
  const first = args[0];
  if (first === undefined) return ['orchestrator without a command'];
  if (first === '--help' || first === '-h') return [];
  let cmd = program.commands.find((c) => c.name() === first || c.aliases().includes(first));
  if (!cmd) return [`orchestrator ${first}: no such command`];
  let used = [first];
  if (cmd.commands.length > 0) {
    const second = args[1];
    const sub = cmd.commands.find((c) => c.name() === second);
    if (!sub) return [`orchestrator ${first} ${second ?? ''}: no such subcommand`.trimEnd()];
    cmd = sub;
    used = [first, second as string];
  }
  const problems: string[] = [];
  for (const a of args.slice(used.length)) {
    if (!a.startsWith('--')) continue;
    const flag = a.split('=')[0] as string;
    if (flag === '--help' || flag === '--') continue;
    if (!cmd.options.some((o) => o.long === flag))
      problems.push(`orchestrator ${used.join(' ')}: no option ${flag}`);
  }
  return problems;
}

function checkCurl(args: readonly string[], world: RunbookWorld): string[] {
  let method: string | undefined;
  let hasData = false;
  let path: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '-X' || a === '--request') method = (args[++i] ?? '').toUpperCase();
    else if (/^-X[A-Z]+$/.test(a)) method = a.slice(2);
    else if (['-d', '--data', '--data-raw', '--data-binary', '--json'].includes(a)) hasData = true;
    else if (['-H', '--header', '-o', '--output', '-w', '--write-out', '-u'].includes(a)) i++;
    else {
      const m = API_BASE.exec(a);
      if (m) path = m[1] ?? '/';
    }
  }
  if (path === undefined) return [];
  const verb = method ?? (hasData ? 'POST' : 'GET');
  const hit = world.routes.find((r) => r.method === verb && patternMatches(r.url, path));
  return hit ? [] : [`curl ${verb} ${path}: the API serves no such route`];
}

/** Whether a concrete path (placeholders like `<action_id>` included) fits a Fastify pattern. */
function patternMatches(pattern: string, path: string): boolean {
  const re = pattern
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${re}/?$`).test(path);
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to dashes. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(markdown: string): Set<string> {
  const set = new Set<string>();
  for (const m of markdown.matchAll(/^#{1,6}\s+(.+)$/gm)) set.add(slug(m[1] ?? ''));
  return set;
}

/**
 * Problems with the links of one runbook: Markdown links to relative files (and their
 * `#anchors`), and `runbooks/…`, `docs/…` paths named in inline code.
 */
export function checkLinks(file: string, markdown: string, world: RunbookWorld): string[] {
  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '.';
  const problems: string[] = [];
  for (const m of markdown.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)) {
    const target = m[1] as string;
    if (/^[a-z]+:/i.test(target)) continue;
    const [rel, anchor] = target.split('#') as [string, string | undefined];
    const path = rel === '' ? file : normalize(`${dir}/${rel}`);
    if (!world.exists(path)) {
      problems.push(`link ${target}: ${path} does not exist`);
      continue;
    }
    if (anchor && path.endsWith('.md') && !anchors(world.read(path) ?? '').has(anchor))
      problems.push(`link ${target}: no heading #${anchor} in ${path}`);
  }
  for (const m of markdown.matchAll(/`((?:runbooks|docs)\/[A-Za-z0-9._/-]+\.(?:md|json))`/g)) {
    const path = m[1] as string;
    if (!world.exists(path)) problems.push(`path ${path} does not exist`);
  }
  return problems;
}

function normalize(path: string): string {
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return out.join('/');
}

/**
 * Every problem of one runbook: its commands and its links, each prefixed with `file:line`.
 *
 * @example
 * ```ts
 * checkRunbook('runbooks/a.md', '```sh\nnpm run nope\n```', world);
 * // ['runbooks/a.md:2: npm run nope: no such script in package.json']
 * ```
 */
export function checkRunbook(file: string, markdown: string, world: RunbookWorld): string[] {
  const problems: string[] = [];
  for (const c of extractCommands(markdown)) {
    for (const p of checkCommand(c.text, world)) problems.push(`${file}:${c.line}: ${p}`);
  }
  for (const p of checkLinks(file, markdown, world)) problems.push(`${file}: ${p}`);
  return problems;
}
