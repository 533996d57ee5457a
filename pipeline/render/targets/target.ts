/** What render needs from each kind of source: Git's current value, and applying edits. */
import type { FieldPath, JsonValue } from '../../analyze/types.js';

export type GitValue = { value: unknown } | { missing: string };

export interface FieldEdit {
  path: FieldPath;
  value: JsonValue | undefined;
}

export interface Target {
  gitValue(path: FieldPath): GitValue;
  /** Applies every edit or none (throws YamlEditError); returns the files written. */
  apply(edits: FieldEdit[]): string[];
}

/** Reads a semantic path from plain data; list items by name. */
export function dataAt(data: unknown, path: FieldPath): GitValue {
  let node: unknown = data;
  for (const seg of path) {
    if (node === undefined || node === null) return { value: undefined };
    if (typeof seg === 'string') node = (node as Record<string, unknown>)[seg];
    else if (typeof seg === 'number') node = (node as unknown[])[seg];
    else {
      if (!Array.isArray(node)) return { value: undefined };
      const item = node.find((x) => (x as { name?: unknown })?.name === seg.name);
      if (!item) return { missing: seg.name };
      node = item;
    }
  }
  return { value: node };
}
