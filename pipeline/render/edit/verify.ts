/**
 * Proof that an edit did what it should and nothing else (Renovate's "extract, edit, extract
 * again"): the new text parses; every other document is data-identical; the edited document equals
 * the old one with exactly the requested changes applied; and every comment is still there.
 */
import { parseDocuments, documentData } from './parse-cache.js';
import type { FieldPath, JsonValue } from '../../analyze/types.js';
import { YamlEditError } from './errors.js';

interface EditLike {
  path: FieldPath;
  value: JsonValue | undefined;
}

export function verifyEdit(
  before: string,
  after: string,
  editsByDoc: Map<number, EditLike[]>,
  removedText: string[] = [],
): void {
  const a = parseDocuments(before);
  const b = parseDocuments(after);
  const bad = b.find((d) => d.errors.length);
  if (bad)
    throw new YamlEditError(
      'unconfirmed',
      `the edited file does not parse: ${bad.errors[0]!.message.split('\n')[0]}`,
    );
  if (a.length !== b.length)
    throw new YamlEditError(
      'unconfirmed',
      `the edit changed the number of documents (${a.length} → ${b.length})`,
    );
  for (let i = 0; i < a.length; i++) {
    const old = documentData(a[i]!);
    const now = documentData(b[i]!);
    const edits = editsByDoc.get(i);
    const expected = edits ? applyToData(old, edits) : old;
    if (!sameData(expected, now)) {
      throw new YamlEditError(
        'unconfirmed',
        `document ${i + 1} does not hold exactly the expected data after the edit`,
      );
    }
  }
  // Comments on lines the edit deleted (a removed field's own comment) may go; no other.
  const lost = missingComments(before, after + '\n' + removedText.join('\n'));
  if (lost) throw new YamlEditError('unconfirmed', `a comment was lost: ${lost}`);
}

/** The data the edits should produce, computed on plain objects. */
export function applyToData(data: unknown, edits: EditLike[]): unknown {
  const root = clone(data) as Record<string, unknown>;
  for (const e of edits) {
    let node: unknown = root;
    for (let i = 0; i < e.path.length; i++) {
      const seg = e.path[i]!;
      const last = i === e.path.length - 1;
      if (typeof seg === 'string') {
        const obj = node as Record<string, unknown>;
        if (last) {
          if (e.value === undefined) delete obj[seg];
          else obj[seg] = e.value;
        } else {
          if (obj[seg] === undefined || obj[seg] === null) {
            if (e.value === undefined) break;
            obj[seg] = {};
          }
          node = obj[seg];
        }
      } else {
        const list = node as unknown[];
        if (last && typeof seg === 'number') {
          list[seg] = e.value;
          break;
        }
        node =
          typeof seg === 'number'
            ? list[seg]
            : list.find((x) => (x as { name?: unknown })?.name === seg.name);
      }
    }
  }
  return root;
}

function missingComments(before: string, after: string): string | undefined {
  const count = (text: string): Map<string, number> => {
    const m = new Map<string, number>();
    for (const line of text.split(/\r?\n/)) {
      const i = commentStart(line);
      if (i < 0) continue;
      const c = line.slice(i).trimEnd();
      m.set(c, (m.get(c) ?? 0) + 1);
    }
    return m;
  };
  const b = count(after);
  for (const [c, n] of count(before)) if ((b.get(c) ?? 0) < n) return c;
  return undefined;
}

function commentStart(line: string): number {
  if (line.trimStart().startsWith('#')) return line.indexOf('#');
  const m = /\s#/.exec(line);
  return m ? m.index + 1 : -1;
}

/** Structural equality of parsed YAML data (prototypes ignored: test runners use other realms). */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a))
    return a.length === (b as unknown[]).length && a.every((x, i) => sameData(x, (b as unknown[])[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) =>
      Object.prototype.hasOwnProperty.call(b, k) &&
      sameData((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

function clone(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(clone);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)]));
  return v;
}
