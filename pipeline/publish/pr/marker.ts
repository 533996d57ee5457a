/**
 * The hidden block at the end of every PR body: which group it is, the exact values it proposes
 * (so a human close can be compared with a later recommendation), the labels we set (so labels a
 * user added are kept), and whether Tidemark itself closed it (which never counts as a human no).
 */
import { createHash } from 'node:crypto';
import { parseQuantity } from '../../core/quantity.js';

export interface PrMarker {
  v: 1;
  cluster: string;
  group: string;
  /** "<workload>#<field id>" → proposed value. */
  fields: Record<string, string>;
  fingerprint: string;
  /**
   * Digest of what a reader of the PR acts on (fingerprint, title, base, labels, each
   * recommendation's values, risk and policy outcomes), without the window timestamps and sample
   * counts that move every run: the body is PATCHed only when this changes.
   */
  digest?: string;
  labels: string[];
  base: string;
  emergency?: boolean;
  closedByTidemark?: string;
  /** A revert PR the post-merge watch opened for this merged PR. */
  revertOf?: number;
}

const RE = /<!--\s*tidemark:v1\s+([A-Za-z0-9+/=_-]+)\s*-->/;

export function fingerprintOf(fields: Record<string, string>): string {
  const canonical = Object.keys(fields)
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('\n');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** A stable digest of any JSON value: object keys sorted, so equal content gives equal digests. */
export function stableDigest(value: unknown): string {
  const canonical = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
    if (v && typeof v === 'object')
      return `{${Object.keys(v)
        .sort()
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
        .join(',')}}`;
    return JSON.stringify(v) ?? 'null';
  };
  return createHash('sha256').update(canonical(value)).digest('hex').slice(0, 16);
}

export function encodeMarker(m: PrMarker): string {
  return `<!-- tidemark:v1 ${Buffer.from(JSON.stringify(m)).toString('base64')} -->`;
}

export function decodeMarker(body: string | null | undefined): PrMarker | undefined {
  const m = RE.exec(body ?? '');
  if (!m) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(m[1]!, 'base64').toString('utf8')) as PrMarker;
    return parsed.v === 1 ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export function replaceMarker(body: string, m: PrMarker): string {
  return RE.test(body) ? body.replace(RE, encodeMarker(m)) : `${body.trimEnd()}\n\n${encodeMarker(m)}\n`;
}

/** The body without the marker, for "did anything a reader sees change?" comparisons. */
export function visibleBody(body: string): string {
  return body.replace(RE, '').trim();
}

/**
 * A recommendation changed materially when a field appeared or went away, or a value moved by at
 * least `threshold` (relative) — the same bar as the minimum change worth a PR.
 */
export function changedMaterially(
  before: Record<string, string>,
  after: Record<string, string>,
  threshold = 0.1,
): boolean {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const k of keys) {
    const a = before[k];
    const b = after[k];
    if (a === undefined || b === undefined) return true;
    if (a === b) continue;
    let x: number;
    let y: number;
    try {
      x = parseQuantity(a);
      y = parseQuantity(b);
    } catch {
      return true;
    }
    const rel = Math.abs(y - x) / Math.max(Math.abs(x), 1e-9);
    if (rel >= threshold) return true;
  }
  return false;
}
