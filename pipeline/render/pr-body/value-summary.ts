/**
 * A change of a structured value (Koordinator's JSON inside a ConfigMap, an object proposed
 * whole) as a reader wants it in a table cell: the leaves that changed, never the raw JSON. The
 * full values are in the diff and in the collapsed evidence.
 */

const SHOWN = 3;
/** A scalar longer than this is "long" in a cell. */
const LONG = 60;

type Leaves = Map<string, string>;

/**
 * The cell text for `current → proposed`: undefined when both are short scalars (shown as they
 * are), else the changed leaves (`path a → b`, at most three and a count of the rest).
 */
export function summarizeValueChange(current: string, proposed: string): string | undefined {
  const a = structured(current);
  const b = structured(proposed);
  if (a === undefined && b === undefined)
    return current.length > LONG || proposed.length > LONG
      ? 'a long value changes (see the diff)'
      : undefined;
  const before = a === undefined ? new Map([['', current]]) : leaves(a);
  const after = b === undefined ? new Map([['', proposed]]) : leaves(b);
  const changes: string[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const x = before.get(key);
    const y = after.get(key);
    if (x === y) continue;
    const name = key ? `\`${key}\` ` : '';
    if (x === undefined) changes.push(`${name}added: ${short(y!)}`);
    else if (y === undefined) changes.push(`${name}removed (was ${short(x)})`);
    else changes.push(`${name}${short(x)} → ${short(y)}`);
  }
  if (!changes.length) return 'no value changes (formatting only)';
  const more = changes.length - SHOWN;
  return changes.slice(0, SHOWN).join('; ') + (more > 0 ? `; ${more} more (see the diff)` : '');
}

/** An object or array, from a value or its JSON text; undefined for anything else. */
function structured(v: string): object | undefined {
  const t = v.trim();
  if (!/^[[{]/.test(t)) return undefined;
  try {
    const parsed: unknown = JSON.parse(t);
    return parsed !== null && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Leaf path → JSON text. Array elements carrying a `name` are addressed by it (`pools[general]`). */
function leaves(v: unknown, path = '', out: Leaves = new Map()): Leaves {
  if (Array.isArray(v)) {
    v.forEach((item, i) => {
      const name = (item as { name?: unknown } | null)?.name;
      leaves(item, `${path}[${typeof name === 'string' ? name : i}]`, out);
    });
    if (!v.length) out.set(path, '[]');
  } else if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v);
    for (const k of keys) leaves((v as Record<string, unknown>)[k], path ? `${path}.${k}` : k, out);
    if (!keys.length) out.set(path, '{}');
  } else out.set(path, JSON.stringify(v));
  return out;
}

function short(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}…` : s;
}
