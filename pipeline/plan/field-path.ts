/** Field paths as text, and ownership-pattern matching, shared by merge, render and plan.json. */
import type { FieldPath, OwnedField } from '../analyze/types.js';

/** ['spec','template','spec','containers',{name:'web'},'resources'] → "spec.template.spec.containers[name=web].resources" */
export function formatFieldPath(path: FieldPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'object') out += `[name=${seg.name}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

export function matchesOwnedField(kind: string, path: FieldPath, owned: OwnedField): boolean {
  if (owned.kind !== '*' && owned.kind !== kind) return false;
  return matchSegments(path, 0, owned.path, 0);
}

function matchSegments(path: FieldPath, i: number, pattern: OwnedField['path'], j: number): boolean {
  if (j === pattern.length) return i === path.length;
  const p = pattern[j]!;
  if (p === '**') {
    for (let k = i; k <= path.length; k++) if (matchSegments(path, k, pattern, j + 1)) return true;
    return false;
  }
  if (i === path.length) return false;
  const seg = path[i]!;
  if (p === '*' || (typeof seg === 'string' && seg === p)) return matchSegments(path, i + 1, pattern, j + 1);
  return false;
}

/** Two ownership patterns overlap when some concrete path would match both. */
export function ownedFieldsOverlap(a: OwnedField, b: OwnedField): boolean {
  if (a.kind !== '*' && b.kind !== '*' && a.kind !== b.kind) return false;
  return overlap(a.path, 0, b.path, 0);
}

function overlap(a: OwnedField['path'], i: number, b: OwnedField['path'], j: number): boolean {
  if (i === a.length && j === b.length) return true;
  if (i < a.length && a[i] === '**')
    return overlap(a, i + 1, b, j) || (j < b.length && overlap(a, i, b, j + 1));
  if (j < b.length && b[j] === '**')
    return overlap(a, i, b, j + 1) || (i < a.length && overlap(a, i + 1, b, j));
  if (i === a.length || j === b.length) return false;
  const x = a[i]!;
  const y = b[j]!;
  if (x === '*' || y === '*' || x === y) return overlap(a, i + 1, b, j + 1);
  return false;
}
