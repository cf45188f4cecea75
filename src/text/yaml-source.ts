import { LineCounter, isAlias, isMap, isScalar, isSeq, isPair, parseAllDocuments, type Document, type Node } from 'yaml';
import { finding, type Finding, type Location } from '../errors/finding.js';

/**
 * Rule files are hostile input (editors upload them through the API): this is
 * the only place YAML text becomes data, and it refuses what could hurt —
 * oversize text, deep nesting, alias bombs, explicit tags, duplicate keys and
 * prototype keys — while keeping every node's position for file:line:column.
 */
export interface YamlLimits {
  readonly maxBytes: number;
  readonly maxDepth: number;
  readonly maxAliases: number;
}

export const DEFAULT_YAML_LIMITS: YamlLimits = { maxBytes: 1024 * 1024, maxDepth: 40, maxAliases: 0 };

export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export interface YamlSource {
  readonly file: string;
  readonly text: string;
  readonly value: unknown;
  /** Locate a JSON pointer in the text; `key` points at the key rather than the value. */
  locate(pointer: string, key?: boolean): Location;
}

export type ParseResult = { ok: true; source: YamlSource } | { ok: false; findings: Finding[] };

export function parseYaml(file: string, text: string, limits: YamlLimits = DEFAULT_YAML_LIMITS): ParseResult {
  const head: Location = { file, line: 1, column: 1, pointer: '' };
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxBytes) {
    return { ok: false, findings: [finding('YAML_TOO_LARGE', head, { found: bytes, expected: limits.maxBytes })] };
  }
  // Twice the limit: realistic mistakes are reported exactly by the tree walk below; the scan only keeps pathological text from the parser.
  const scanLimit = limits.maxDepth * 2;
  const deep = scanNesting(text, scanLimit);
  if (deep !== undefined) {
    let line = 1;
    let from = 0;
    for (let i = text.indexOf('\n'); i !== -1 && i < deep; i = text.indexOf('\n', i + 1)) {
      line += 1;
      from = i + 1;
    }
    return { ok: false, findings: [finding('YAML_TOO_DEEP_TEXT', { file, line, column: deep - from + 1, pointer: '' }, { found: scanLimit, expected: limits.maxDepth })] };
  }
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true, merge: false });
  const at = (offset: number, pointer = ''): Location => {
    const pos = lineCounter.linePos(offset);
    return { file, line: pos.line, column: pos.col, pointer };
  };
  if (!Array.isArray(docs)) {
    return { ok: false, findings: [finding('YAML_MULTI_DOCUMENT', head)] };
  }
  if (docs.length !== 1) {
    const second = docs[1];
    return { ok: false, findings: [finding('YAML_MULTI_DOCUMENT', second?.range ? at(second.range[0]) : head)] };
  }
  const doc = docs[0] as Document.Parsed;
  const findings: Finding[] = [];
  for (const err of doc.errors) {
    const loc = at(err.pos[0]);
    if (err.code === 'DUPLICATE_KEY') {
      // The error points at the repeated key's first character; the key runs to its colon.
      const rest = text.slice(err.pos[0], text.indexOf('\n', err.pos[0]) === -1 ? undefined : text.indexOf('\n', err.pos[0]));
      const key = (/^\s*("[^"]*"|'[^']*'|[^:]+?)\s*:/.exec(rest)?.[1] ?? rest).replace(/^["']|["']$/g, '');
      findings.push(finding('YAML_DUPLICATE_KEY', loc, { key }));
    } else {
      findings.push(finding('YAML_SYNTAX', loc, { detail: err.message.split('\n')[0] ?? err.message }));
    }
  }
  if (findings.length > 0) return { ok: false, findings };

  let aliases = 0;
  const walk = (node: unknown, depth: number, pointer: string): void => {
    if (node === null || node === undefined) return;
    if (isAlias(node)) {
      aliases += 1;
      if (aliases > limits.maxAliases) {
        findings.push(finding('YAML_ALIAS_LIMIT', at(node.range?.[0] ?? 0, pointer), { found: aliases, expected: limits.maxAliases }));
      }
      return;
    }
    const n = node as Node;
    if (depth > limits.maxDepth) {
      if (findings.some((f) => f.code === 'YAML_TOO_DEEP')) return;
      findings.push(finding('YAML_TOO_DEEP', at(n.range?.[0] ?? 0, pointer), { found: depth, expected: limits.maxDepth }));
      return;
    }
    // An explicit tag (!!js/function, !custom, !!binary, !!set, even !!str) is
    // refused outright: the format needs none, and tags are how YAML loaders get
    // tricked into building objects (a Buffer, a Set, a Date where JSON is expected).
    // The composed document sets `tag` only on nodes whose tag was written, so
    // this is decided from the nodes, not by reading the text around them.
    const tagged = (n as { tag?: string }).tag;
    if (tagged !== undefined) {
      findings.push(finding('YAML_TAG', at(n.range?.[0] ?? 0, pointer), { found: shortTag(tagged) }));
    }
    // YAML's core schema reads .inf and .nan as numbers JSON cannot hold.
    if (isScalar(n) && typeof n.value === 'number' && !Number.isFinite(n.value)) {
      findings.push(finding('YAML_SYNTAX', at(n.range?.[0] ?? 0, pointer), { detail: `${String(n.source ?? n.value)} 不是有限数值，规则文件只接受 JSON 能表示的值 (not a finite number)` }));
    }
    if (isMap(n)) {
      for (const pair of n.items) {
        const keyNode = pair.key as Node | null;
        const keyText = isScalar(keyNode) ? String(keyNode.value) : '';
        if (!isScalar(keyNode) || typeof keyNode.value === 'object') {
          findings.push(finding('YAML_SYNTAX', at(keyNode?.range?.[0] ?? n.range?.[0] ?? 0, pointer), { detail: '键必须是普通标量 (keys must be plain scalars)' }));
          continue;
        }
        if (FORBIDDEN_KEYS.has(keyText)) {
          findings.push(finding('YAML_FORBIDDEN_KEY', at(keyNode.range?.[0] ?? 0, `${pointer}/${escapePointer(keyText)}`), { key: keyText }));
        }
        walk(keyNode, depth + 1, pointer);
        walk(pair.value, depth + 1, `${pointer}/${escapePointer(keyText)}`);
      }
    } else if (isSeq(n)) {
      n.items.forEach((item, i) => walk(item, depth + 1, `${pointer}/${i}`));
    } else if (isPair(n)) {
      walk(n.value, depth + 1, pointer);
    }
  };
  walk(doc.contents, 1, '');
  if (findings.length > 0) return { ok: false, findings };

  const value = doc.toJS({ maxAliasCount: limits.maxAliases }) as unknown;
  const source: YamlSource = {
    file,
    text,
    value,
    locate(pointer: string, key = false): Location {
      const segments = pointer === '' ? [] : pointer.slice(1).split('/').map(unescapePointer);
      // Walk as far as the pointer exists: a missing property is reported at its parent.
      let node: unknown = doc.contents;
      let best: Node | null = (doc.contents as Node | null) ?? null;
      let keyNode: Node | null = null;
      for (const seg of segments) {
        if (isMap(node)) {
          const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === seg);
          if (!pair) break;
          keyNode = pair.key as Node;
          node = pair.value;
          best = (pair.value as Node | null) ?? keyNode;
        } else if (isSeq(node)) {
          const item = node.items[Number(seg)];
          if (item === undefined) break;
          keyNode = null;
          node = item;
          best = item as Node;
        } else {
          break;
        }
      }
      const target = key && keyNode ? keyNode : best;
      return at(target?.range?.[0] ?? 0, pointer);
    },
  };
  return { ok: true, source };
}

/**
 * The parser recurses on nesting: 1 MB of `[` took 3–9 s to be refused after
 * overflowing its stack, and 600 kB of `- - - …` crashed the process out of
 * memory. One linear pass before parsing finds the first offset where flow
 * brackets, or block indicators opening nodes on one line (`- - -`, `? ? ?`),
 * nest deeper than the limit; quoted scalars and comments are skipped. It can
 * only over-count real nesting, never under-count it, and the parsed tree is
 * still measured exactly afterwards.
 */
export function scanNesting(text: string, maxDepth: number): number | undefined {
  let flow = 0;
  let atLineStart = true;
  let lead = 0;
  // Whether the last significant character could precede a node in block context.
  let nodeMayStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      atLineStart = true;
      lead = 0;
      nodeMayStart = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') continue;
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) {
      const end = text.indexOf('\n', i);
      if (end === -1) break;
      i = end - 1;
      continue;
    }
    if (c === '"' || c === "'") {
      // A quoted scalar runs to its closing quote ('' and \" do not close it).
      let j = i + 1;
      for (; j < text.length; j++) {
        if (c === '"' && text[j] === '\\') j += 1;
        else if (text[j] === c) {
          if (c === "'" && text[j + 1] === "'") j += 1;
          else break;
        }
      }
      i = j;
      atLineStart = false;
      nodeMayStart = false;
      continue;
    }
    if ((c === '-' || c === '?' || c === ':') && atLineStart && flow === 0 && /[\s]/.test(text[i + 1] ?? ' ')) {
      lead += 1;
      if (lead > maxDepth) return i;
      nodeMayStart = true;
      continue;
    }
    atLineStart = false;
    if ((c === '[' || c === '{') && (flow > 0 || nodeMayStart)) {
      flow += 1;
      if (flow > maxDepth) return i;
      nodeMayStart = true;
      continue;
    }
    if ((c === ']' || c === '}') && flow > 0) {
      flow -= 1;
      nodeMayStart = false;
      continue;
    }
    nodeMayStart = flow > 0 ? c === ',' || c === ':' : c === ':' && /\s/.test(text[i + 1] ?? ' ');
    if (flow === 0 && c !== ':') {
      // A plain scalar in block context runs to the end of the line or to ': '.
      while (i + 1 < text.length && text[i + 1] !== '\n' && !(text[i + 1] === ':' && /\s/.test(text[i + 2] ?? ' ')) && !(text[i + 1] === '#' && /\s/.test(text[i] ?? ''))) i += 1;
    }
  }
  return undefined;
}

/** Tags are echoed in messages: the standard prefix as written (!!binary), and never more than 60 characters. */
function shortTag(tag: string): string {
  const written = tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
  return written.length > 60 ? `${written.slice(0, 57)}…` : written;
}

export function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}
function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}
