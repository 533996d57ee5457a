/**
 * Editing JSON that lives inside a YAML literal block scalar (`data: {key: |\n  {...}}`, as in
 * Koordinator's slo-controller-config): the one place we edit inside a block scalar. Only the
 * JSON values that change are rewritten, in the JSON's own layout; only the block lines holding
 * them are rewritten, at the block's indentation and with the file's line endings. Afterwards the
 * YAML and the JSON are both re-parsed: the document must equal the old one except for this
 * string, and the JSON must equal the old JSON with exactly these edits — else nothing is written.
 */
import { isScalar, type Scalar } from 'yaml';
import type { FieldPath, JsonValue } from '../../analyze/types.js';
import { YamlEditError } from './errors.js';
import { parseYamlFile, readPath, refuseFile } from './yaml-editor.js';
import { sameData } from './verify.js';
import { documentData } from './parse-cache.js';

export type JsonPath = (string | number)[];

export interface JsonEdit {
  path: JsonPath;
  /** undefined removes the member. */
  value: JsonValue | undefined;
}

interface Span {
  start: number;
  end: number;
}

interface Member {
  key: string;
  keyStart: number;
  value: Node;
}

type Node =
  | (Span & { kind: 'object'; members: Member[] })
  | (Span & { kind: 'array'; items: Node[] })
  | (Span & { kind: 'scalar' });

/** A JSON parser that keeps where each value is (our own: positions are the point). */
function parseJson(text: string): Node {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const fail = (what: string): never => {
    throw new YamlEditError('unparsable', `the embedded JSON is invalid at offset ${i}: ${what}`);
  };
  const value = (): Node => {
    ws();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++;
      const members: Member[] = [];
      ws();
      if (text[i] === '}') return { kind: 'object', start, end: ++i, members };
      for (;;) {
        ws();
        const keyStart = i;
        const key = string();
        ws();
        if (text[i++] !== ':') fail('expected ":"');
        members.push({ key, keyStart, value: value() });
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') return { kind: 'object', start, end: ++i, members };
        fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const items: Node[] = [];
      ws();
      if (text[i] === ']') return { kind: 'array', start, end: ++i, items };
      for (;;) {
        items.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') return { kind: 'array', start, end: ++i, items };
        fail('expected "," or "]"');
      }
    }
    if (c === '"') {
      string();
      return { kind: 'scalar', start, end: i };
    }
    const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i));
    if (!m) fail('unexpected character');
    i += m![0].length;
    return { kind: 'scalar', start, end: i };
  };
  const string = (): string => {
    if (text[i] !== '"') fail('expected a string');
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (text[i++] !== '"') fail('unterminated string');
    return JSON.parse(text.slice(start, i)) as string;
  };
  const root = value();
  ws();
  if (i !== text.length) fail('trailing text');
  return root;
}

interface Splice {
  start: number;
  end: number;
  text: string;
}

/** Indentation and separator style of an object's members, to write a new one like its siblings. */
function memberStyle(text: string, obj: Extract<Node, { kind: 'object' }>): { sep: string } {
  const last = obj.members.at(-1);
  if (!last) return { sep: '' };
  const lineStart = text.lastIndexOf('\n', last.keyStart - 1);
  const multiline = text.slice(obj.start, obj.end).includes('\n');
  if (!multiline || lineStart < obj.start) return { sep: ', ' };
  const indent = text.slice(lineStart + 1, last.keyStart);
  return { sep: /^\s*$/.test(indent) ? `,\n${indent}` : ', ' };
}

function itemSeparator(text: string, arr: Extract<Node, { kind: 'array' }>, last: Node): string {
  const lineStart = text.lastIndexOf('\n', last.start - 1);
  if (!text.slice(arr.start, arr.end).includes('\n') || lineStart < arr.start) return ', ';
  const indent = text.slice(lineStart + 1, last.start);
  return /^\s*$/.test(indent) ? `,\n${indent}` : ', ';
}

/**
 * The edits that turn one JSON value into another, as deep as the structure allows: changed
 * leaves, added and removed members, items appended to arrays; a value of another shape is
 * replaced whole.
 */
export function jsonDiff(a: JsonValue, b: JsonValue, path: JsonPath = []): JsonEdit[] {
  const isObj = (x: unknown): x is Record<string, JsonValue> =>
    !!x && typeof x === 'object' && !Array.isArray(x);
  if (isObj(a) && isObj(b)) {
    const out: JsonEdit[] = [];
    for (const k of Object.keys(b)) {
      if (!(k in a)) out.push({ path: [...path, k], value: b[k] });
      else out.push(...jsonDiff(a[k]!, b[k]!, [...path, k]));
    }
    for (const k of Object.keys(a)) if (!(k in b)) out.push({ path: [...path, k], value: undefined });
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b) && b.length >= a.length) {
    const out: JsonEdit[] = [];
    a.forEach((x, i) => out.push(...jsonDiff(x, b[i]!, [...path, i])));
    for (let i = a.length; i < b.length; i++) out.push({ path: [...path, i], value: b[i]! });
    return out;
  }
  return sameData(a, b) ? [] : [{ path, value: b }];
}

function jsonText(v: JsonValue): string {
  return JSON.stringify(v);
}

function jsonSplices(text: string, root: Node, edits: JsonEdit[]): Splice[] {
  const out: Splice[] = [];
  for (const e of edits) {
    let node: Node = root;
    let parent: Extract<Node, { kind: 'object' }> | undefined;
    let member: Member | undefined;
    let done = false;
    for (let k = 0; k < e.path.length; k++) {
      const seg = e.path[k]!;
      const last = k === e.path.length - 1;
      if (typeof seg === 'string') {
        if (node.kind !== 'object')
          throw new YamlEditError(
            'not-a-mapping',
            `${e.path.slice(0, k).join('.') || '(root)'} is not a JSON object`,
          );
        const found = node.members.find((m) => m.key === seg);
        if (!found) {
          if (e.value === undefined) {
            done = true;
            break;
          }
          // Missing: add the rest of the path as one new member, after the last one.
          let v: JsonValue = e.value;
          for (let r = e.path.length - 1; r > k; r--) {
            const s = e.path[r]!;
            if (typeof s !== 'string')
              throw new YamlEditError('list-item-missing', 'cannot create JSON array items');
            v = { [s]: v };
          }
          const { sep } = memberStyle(text, node);
          const at = node.members.length ? node.members.at(-1)!.value.end : node.start + 1;
          out.push({ start: at, end: at, text: `${sep}${jsonText(seg)}: ${jsonText(v)}` });
          done = true;
          break;
        }
        parent = node;
        member = found;
        node = found.value;
      } else {
        if (node.kind === 'array' && seg === node.items.length && last && e.value !== undefined) {
          // One past the end: a new last item, in the array's own layout.
          const prev = node.items.at(-1);
          const sep = prev ? itemSeparator(text, node, prev) : '';
          const at = prev ? prev.end : node.start + 1;
          out.push({ start: at, end: at, text: `${sep}${jsonText(e.value)}` });
          done = true;
          break;
        }
        if (node.kind !== 'array' || !node.items[seg])
          throw new YamlEditError(
            'list-item-missing',
            `no JSON item ${seg} at ${e.path.slice(0, k).join('.')}`,
          );
        parent = undefined;
        member = undefined;
        node = node.items[seg]!;
      }
      if (last) break;
    }
    if (done) continue;
    if (e.value === undefined && !member && typeof e.path.at(-1) === 'number') {
      // An array item: taken with the separator before it (or after it, for the first one).
      const arr = arrayAt(root, e.path.slice(0, -1));
      const i = e.path.at(-1) as number;
      const prev = arr.items[i - 1];
      const next = arr.items[i + 1];
      out.push(
        prev
          ? { start: prev.end, end: node.end, text: '' }
          : { start: node.start, end: next ? next.start : node.end, text: '' },
      );
      continue;
    }
    if (e.value === undefined) {
      if (!parent || !member) throw new YamlEditError('not-a-mapping', 'only object members can be removed');
      const i = parent.members.indexOf(member);
      const prev = parent.members[i - 1];
      const next = parent.members[i + 1];
      // Take the separator before the member (or after it, for the first one).
      out.push(
        prev
          ? { start: prev.value.end, end: member.value.end, text: '' }
          : { start: member.keyStart, end: next ? next.keyStart : member.value.end, text: '' },
      );
      continue;
    }
    const current = JSON.parse(text.slice(node.start, node.end)) as JsonValue;
    if (sameData(current, e.value)) continue;
    out.push({ start: node.start, end: node.end, text: jsonText(e.value) });
  }
  return out;
}

function arrayAt(root: Node, path: JsonPath): Extract<Node, { kind: 'array' }> {
  let node = root;
  for (const seg of path)
    node =
      typeof seg === 'string' && node.kind === 'object'
        ? node.members.find((m) => m.key === seg)!.value
        : (node as Extract<Node, { kind: 'array' }>).items[seg as number]!;
  return node as Extract<Node, { kind: 'array' }>;
}

function applySplices(text: string, splices: Splice[]): string {
  // From the end backwards; two inserts at one place keep the order of their edits.
  const sorted = splices.map((s, n) => ({ ...s, n })).sort((a, b) => b.start - a.start || b.n - a.n);
  for (let k = 1; k < sorted.length; k++)
    if (sorted[k]!.end > sorted[k - 1]!.start)
      throw new YamlEditError('unconfirmed', 'two JSON edits overlap');
  let out = text;
  for (const s of sorted) out = out.slice(0, s.start) + s.text + out.slice(s.end);
  return out;
}

/** Plain-data JSON edits, for the verification. */
function applyToJson(data: JsonValue, edits: JsonEdit[]): JsonValue {
  const root = structuredClone(data);
  for (const e of edits) {
    let node = root as Record<string | number, JsonValue>;
    for (let k = 0; k < e.path.length - 1; k++) {
      const seg = e.path[k]!;
      if (node[seg] === undefined || node[seg] === null) {
        if (e.value === undefined) break;
        node[seg] = {};
      }
      node = node[seg] as Record<string | number, JsonValue>;
    }
    const last = e.path.at(-1)!;
    if (e.value === undefined && Array.isArray(node) && typeof last === 'number') node.splice(last, 1);
    else if (e.value === undefined) delete node[last];
    else node[last] = e.value;
  }
  return root;
}

/**
 * Applies JSON edits to a JSON text, rewriting only the values that change, in the text's own
 * layout (the guardian edits a live ConfigMap's JSON this way); proven by re-parsing.
 */
export function editJsonText(text: string, edits: JsonEdit[]): string {
  const updated = applySplices(text, jsonSplices(text, parseJson(text), edits));
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(updated) as JsonValue;
  } catch (err) {
    throw new YamlEditError('unconfirmed', `the edited JSON does not parse: ${(err as Error).message}`);
  }
  if (!sameData(parsed, applyToJson(JSON.parse(text) as JsonValue, edits)))
    throw new YamlEditError('unconfirmed', 'the edited JSON is not the JSON meant');
  return updated;
}

/**
 * Applies JSON edits to the JSON held by the literal block scalar at `yamlPath` of document
 * `docIndex`. Throws YamlEditError (and changes nothing) when that cannot be done and proven.
 */
export function editJsonInBlockScalar(
  src: string,
  docIndex: number,
  yamlPath: FieldPath,
  edits: JsonEdit[],
): string {
  return editBlockScalar(src, docIndex, yamlPath, 'JSON', (old) => {
    const tree = parseJson(old);
    const oldJson = JSON.parse(old) as JsonValue;
    const updated = applySplices(old, jsonSplices(old, tree, edits));
    const expectedJson = applyToJson(oldJson, edits);
    return { updated, confirm: (value) => sameData(JSON.parse(value), expectedJson) };
  });
}

/**
 * Rewrites the text of the literal block scalar at `yamlPath` of document `docIndex` with
 * `transform` (JSON, or YAML values held in a ConfigMap key): only the block lines that differ
 * are rewritten, at the block's indentation and with the file's line endings; afterwards the
 * document must read the same except this string, and `confirm` must accept the string.
 */
export function editBlockScalar(
  src: string,
  docIndex: number,
  yamlPath: FieldPath,
  what: string,
  transform: (old: string) => { updated: string; confirm: (value: string) => boolean },
): string {
  refuseFile(src);
  const docs = parseYamlFile(src);
  const doc = docs[docIndex];
  if (!doc) throw new YamlEditError('not-a-mapping', `document ${docIndex + 1} does not exist`);
  const node = doc.getIn(
    yamlPath.map((s) => (typeof s === 'object' ? s.name : s)),
    true,
  ) as Scalar | undefined;
  const where = yamlPath.map((s) => (typeof s === 'object' ? s.name : s)).join('.');
  if (!isScalar(node) || typeof node.value !== 'string')
    throw new YamlEditError('not-a-mapping', `${where} is not a string holding ${what}`);
  if (node.type !== 'BLOCK_LITERAL')
    throw new YamlEditError(
      'block-scalar',
      `${where} is not a literal block scalar (|); other styles would change how the text reads`,
    );
  const eol = src.includes('\r\n') ? '\r\n' : '\n';
  const old = node.value;
  const { updated, confirm } = transform(old);
  if (updated === old) return src;

  // Rewrite only the block lines that differ: common leading and trailing lines stay as bytes.
  const [blockStart, , blockEnd] = node.range!;
  const header = src.indexOf('\n', blockStart) + 1;
  const bodyText = src.slice(header, blockEnd);
  const srcLines = bodyText.split('\n');
  const oldLines = old.split('\n');
  const newLines = updated.split('\n');
  const indent = /^[ ]*/.exec(srcLines.find((l) => l.trim() !== '') ?? '')![0];
  let head = 0;
  while (head < oldLines.length && head < newLines.length && oldLines[head] === newLines[head]) head++;
  let tail = 0;
  while (
    tail < oldLines.length - head &&
    tail < newLines.length - head &&
    oldLines[oldLines.length - 1 - tail] === newLines[newLines.length - 1 - tail]
  )
    tail++;
  const cr = eol === '\r\n' ? '\r' : '';
  const replaced = newLines
    .slice(head, newLines.length - tail)
    .map((l) => (l === '' ? cr : `${indent}${l}${cr}`));
  const out = [
    ...srcLines.slice(0, head),
    ...replaced,
    ...srcLines.slice(head + (oldLines.length - head - tail)),
  ];
  const result = src.slice(0, header) + out.join('\n') + src.slice(blockEnd);

  // Prove it: the YAML reads the same except this string, and the string is what we meant.
  const after = parseYamlFile(result);
  const value = readPath(after[docIndex]!, yamlPath);
  if (typeof value !== 'string' || value !== updated || !confirm(value))
    throw new YamlEditError('unconfirmed', `${where} does not read back as the edited ${what}`);
  if (after.length !== docs.length) throw new YamlEditError('unconfirmed', 'the number of documents changed');
  for (let d = 0; d < docs.length; d++) {
    const before = documentData(docs[d]!);
    const now = documentData(after[d]!);
    if (d === docIndex) {
      const patched = structuredClone(before) as Record<string, unknown>;
      let n = patched as Record<string, unknown>;
      const keys = yamlPath.map((s) => (typeof s === 'object' ? s.name : s));
      for (const k of keys.slice(0, -1)) n = n[k as string] as Record<string, unknown>;
      n[keys.at(-1) as string] = updated;
      if (!sameData(patched, now))
        throw new YamlEditError('unconfirmed', `document ${d + 1} changed elsewhere`);
    } else if (!sameData(before, now)) throw new YamlEditError('unconfirmed', `document ${d + 1} changed`);
  }
  return result;
}
