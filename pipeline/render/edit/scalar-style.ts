/**
 * Writing a new scalar value in the style of the one it replaces: the same quotes, and quotes
 * added only where a plain value would change type (a tag like "1.20" must not become a float).
 */
import { parse } from 'yaml';
import type { Scalar } from 'yaml';

export function formatScalarLike(value: string | number | boolean | null, old: Scalar | undefined): string {
  if (typeof value !== 'string') return value === null ? 'null' : String(value);
  const type = old?.type;
  if (type === 'QUOTE_DOUBLE') return JSON.stringify(value);
  if (type === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  return plainOrQuoted(value, typeof old?.value === 'string' || old === undefined);
}

/** A plain scalar when it reads back as the same string, double-quoted otherwise. */
export function plainOrQuoted(value: string, mustStayString = true): string {
  if (value === '' || /^[\s]|[\s]$|[:#]\s|\s#|^[-?:,[\]{}#&*!|>'"%@`]|[\n\r\t]/.test(value))
    return JSON.stringify(value);
  if (mustStayString) {
    let back: unknown;
    try {
      back = parse(value);
    } catch {
      return JSON.stringify(value);
    }
    if (back !== value) return JSON.stringify(value);
  }
  return value;
}
