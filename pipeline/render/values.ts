/**
 * How render compares and names things: Git and live values by meaning, rendered objects against
 * their closed schema, a source location in words.
 */
import { parseQuantity } from '../core/quantity.js';
import { getValidator, describeAjvError } from '../core/json-schema.js';
import { sameData } from './edit/verify.js';
import type { Location } from './locate/locate.js';

/** A rendered object must pass its closed schema before it reaches a PR; the first problem, or undefined. */
export function schemaProblem(schema: string, manifest: unknown): string | undefined {
  const validate = getValidator(schema);
  if (validate(manifest)) return undefined;
  const e = describeAjvError(validate.errors![0]!);
  return `${e.field} ${e.message}`;
}

export function locationText(loc: Location): string {
  return loc.flavour === 'plain-manifest'
    ? loc.file
    : loc.flavour === 'kustomize'
      ? `${loc.overlay}/ (kustomize)`
      : loc.flavour === 'flux-helm'
        ? `${loc.via}: ${locationText(loc.release)}`
        : loc.editFile || (loc.remoteChart ?? loc.via);
}

/**
 * Git and live values mean the same thing: quantities compared by value (1 == 1000m, 1Gi == 1024Mi),
 * JSON text by what it parses to (Git's layout may differ from what the API server stores).
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'string' && typeof b === 'string' && /^\s*[{[]/.test(a) && /^\s*[{[]/.test(b)) {
    try {
      return sameData(JSON.parse(a), JSON.parse(b));
    } catch {
      return false;
    }
  }
  if (a === undefined || a === null || b === undefined || b === null)
    return (a ?? undefined) === (b ?? undefined);
  if ((typeof a === 'string' || typeof a === 'number') && (typeof b === 'string' || typeof b === 'number')) {
    if (String(a) === String(b)) return true;
    try {
      return Math.abs(parseQuantity(a) - parseQuantity(b)) < 1e-9;
    } catch {
      return false;
    }
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

export function show(v: unknown): string {
  return v === undefined ? '(unset)' : JSON.stringify(v);
}
