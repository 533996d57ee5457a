/**
 * One short line for a field's change, for a table cell: "3Gi → 2554Mi" for a plain value, and for
 * a structured one (Koordinator's JSON inside a ConfigMap key) the leaves that changed, with the
 * entry they belong to: "colocation-config: cpuReclaimThresholdPercent 60 → 55 (general)". The
 * full values are in the wide table, plan.json and the json/csv outputs.
 */

/** Leaves shown before "+N more". */
const SHOWN = 2;

export function summarizeChange(resource: string, current: unknown, proposed: unknown): string {
  const a = structured(current);
  const b = structured(proposed);
  if (a === undefined && b === undefined) return `${plain(current)} → ${plain(proposed)}`;
  const name = resource.split('.').pop() ?? resource;
  const before = a === undefined ? new Map<string, Leaf>() : leaves(a);
  const after = b === undefined ? new Map<string, Leaf>() : leaves(b);
  const changes: string[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const x = before.get(key);
    const y = after.get(key);
    if (x?.value === y?.value) continue;
    const leaf = (x ?? y)!;
    const where = leaf.entry ? ` (${leaf.entry})` : '';
    changes.push(`${leaf.key} ${x ? short(x.value) : '—'} → ${y ? short(y.value) : '—'}${where}`);
  }
  if (!changes.length) return `${name}: unchanged (formatting only)`;
  const more = changes.length - SHOWN;
  return `${name}: ${changes.slice(0, SHOWN).join(', ')}${more > 0 ? ` +${more} more` : ''}`;
}

interface Leaf {
  /** The leaf's own key ("cpuReclaimThresholdPercent"). */
  key: string;
  /** The nearest named list entry it sits in ("general"), if any. */
  entry?: string;
  value: string;
}

function structured(v: unknown): object | undefined {
  if (v !== null && typeof v === 'object') return v;
  if (typeof v !== 'string' || !/^\s*[[{]/.test(v)) return undefined;
  try {
    const parsed: unknown = JSON.parse(v);
    return parsed !== null && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Leaf path → leaf. List entries carrying a `name` are addressed (and labelled) by it. */
function leaves(v: unknown, path = '', entry?: string, out = new Map<string, Leaf>()): Map<string, Leaf> {
  if (Array.isArray(v)) {
    v.forEach((item, i) => {
      const name = (item as { name?: unknown } | null)?.name;
      const named = typeof name === 'string' ? name : undefined;
      leaves(item, `${path}[${named ?? i}]`, named ?? entry, out);
    });
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) leaves(x, path ? `${path}.${k}` : k, entry, out);
  } else {
    const key = path.split('.').pop() ?? path;
    out.set(path, { key: key.replace(/\[[^\]]*\]$/, ''), entry, value: JSON.stringify(v) });
  }
  return out;
}

function plain(v: unknown): string {
  if (v === undefined || v === null) return '—';
  return short(typeof v === 'string' ? v : JSON.stringify(v));
}

function short(s: string): string {
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}
