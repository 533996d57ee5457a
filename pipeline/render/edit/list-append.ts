/**
 * Appends one item to a top-level list (e.g. an overlay's `patches:` or `resources:`), matching
 * the list's own dash indentation; creates the key at the end of the document when absent.
 * Verified like every other edit.
 */
import { isMap, isSeq, isScalar, type Node } from 'yaml';
import type { JsonValue } from '../../analyze/types.js';
import { parseYamlFile, refuseFile } from './yaml-editor.js';
import { YamlEditError } from './errors.js';
import { plainOrQuoted } from './scalar-style.js';
import { sameData } from './verify.js';
import { parseAllDocuments } from 'yaml';

export function appendToTopLevelList(
  src: string,
  key: string,
  item: JsonValue,
  fallbackKeys: string[] = [],
): string {
  refuseFile(src);
  const docs = parseYamlFile(src);
  const doc = docs[0];
  const eol = src.includes('\r\n') ? '\r\n' : '\n';
  if (!doc || !isMap(doc.contents))
    throw new YamlEditError('not-a-mapping', 'the kustomization is not a mapping');
  const map = doc.contents;
  const pair = [key, ...fallbackKeys]
    .map((k) => map.items.find((p) => isScalar(p.key) && p.key.value === k))
    .find(Boolean);
  let out: string;
  if (pair && isSeq(pair.value) && !pair.value.flow && pair.value.items.length) {
    const seq = pair.value;
    const first = seq.items[0] as Node;
    const dashCol = column(src, src.lastIndexOf('-', first.range![0]));
    const end = seq.range![1];
    const at = src[end - 1] === '\n' ? end : end;
    const text = renderItem(item, ' '.repeat(dashCol), eol);
    out =
      at >= src.length && !src.endsWith('\n')
        ? src + eol + text.slice(0, -eol.length)
        : src.slice(0, at) + text + src.slice(at);
  } else if (pair && isSeq(pair.value) && pair.value.flow) {
    const end = pair.value.range![1];
    const close = src.lastIndexOf(']', end - 1);
    const sep = pair.value.items.length ? ', ' : '';
    out = src.slice(0, close) + sep + flowItem(item) + src.slice(close);
  } else if (!pair) {
    const body = `${key}:${eol}${renderItem(item, '', eol)}`;
    out = src.length === 0 || src.endsWith('\n') ? src + body : src + eol + body.slice(0, -eol.length);
  } else {
    throw new YamlEditError('not-a-mapping', `${key} is not a list`);
  }
  // Verify: the same data with one more item.
  const before = docs[0]!.toJS() as Record<string, unknown[]>;
  const listKey = pair && isScalar(pair.key) ? String(pair.key.value) : key;
  const expected = { ...before, [listKey]: [...((before[listKey] as unknown[]) ?? []), item] };
  const after = parseAllDocuments(out);
  if (!Array.isArray(after) || after.some((d) => d.errors.length) || !sameData(expected, after[0]!.toJS())) {
    throw new YamlEditError('unconfirmed', `could not add to ${key} without changing anything else`);
  }
  return out;
}

function column(src: string, pos: number): number {
  return pos - (src.lastIndexOf('\n', pos - 1) + 1);
}

function renderItem(item: JsonValue, indent: string, eol: string): string {
  if (item && typeof item === 'object' && !Array.isArray(item)) {
    const entries = Object.entries(item);
    return entries
      .map(([k, v], i) => `${i === 0 ? `${indent}- ` : `${indent}  `}${k}: ${plainOrQuoted(String(v))}${eol}`)
      .join('');
  }
  return `${indent}- ${plainOrQuoted(String(item))}${eol}`;
}

function flowItem(item: JsonValue): string {
  if (item && typeof item === 'object' && !Array.isArray(item))
    return `{${Object.entries(item)
      .map(([k, v]) => `${k}: ${plainOrQuoted(String(v))}`)
      .join(', ')}}`;
  return plainOrQuoted(String(item));
}
