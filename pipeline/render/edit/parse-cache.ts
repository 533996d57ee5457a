/**
 * One parse per file text. Render reads a file to locate workloads, reads Git's values, edits,
 * and verifies the edit by parsing the result — which is the next edit's input. Without a cache
 * a file holding many workloads was parsed several times per workload (bench:scale: 70 % of
 * render time). Parsed documents and their plain data are treated as read-only by every caller.
 */
import { parseAllDocuments, type Document } from 'yaml';

const MAX_ENTRIES = 4;
const docsByText = new Map<string, Document.Parsed[]>();
const dataByDoc = new WeakMap<Document.Parsed, unknown>();

/** All documents of `text`, parsed with source tokens (the editor needs them); errors kept. */
export function parseDocuments(text: string): Document.Parsed[] {
  const hit = docsByText.get(text);
  if (hit) {
    // Refresh recency: Map iteration order is insertion order.
    docsByText.delete(text);
    docsByText.set(text, hit);
    return hit;
  }
  const parsed = parseAllDocuments(text, { keepSourceTokens: true, uniqueKeys: false, prettyErrors: false });
  const docs = Array.isArray(parsed) ? parsed : [];
  docsByText.set(text, docs);
  if (docsByText.size > MAX_ENTRIES) docsByText.delete(docsByText.keys().next().value!);
  return docs;
}

/** A document's plain data, computed once. Callers must not mutate it. */
export function documentData(doc: Document.Parsed): unknown {
  if (dataByDoc.has(doc)) return dataByDoc.get(doc);
  const data = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  dataByDoc.set(doc, data);
  return data;
}

/** The first error's message with its line, for reports. */
export function firstError(docs: Document.Parsed[]): string | undefined {
  for (const d of docs) {
    const e = d.errors[0];
    if (e) {
      const line = e.linePos?.[0]?.line;
      return `${e.message.split('\n')[0]}${line ? ` (line ${line})` : ''}`;
    }
  }
  return undefined;
}

/** The first error as message and line, for naming a broken file. */
export function firstErrorAt(
  docs: Document.Parsed[],
  text: string,
): { message: string; line?: number } | undefined {
  for (const d of docs) {
    const e = d.errors[0];
    if (e)
      return {
        message: e.message.split('\n')[0]!,
        line: e.linePos?.[0]?.line ?? text.slice(0, e.pos[0]).split('\n').length,
      };
  }
  return undefined;
}
