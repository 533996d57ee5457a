/**
 * The journal entry id the guardian leaves on every object it changed (a node, an HPA or its owner,
 * a watched ConfigMap), so a guardian that lost its journal still knows what is its own. One JSON
 * patch op sets or clears it; a patch can add a key only to an annotations map that exists.
 */
import { JOURNAL_ANNOTATION } from '../settings.js';

/** A JSON Pointer segment (RFC 6901): `~` and `/` escaped. */
export const pointer = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

export interface AnnotatedMeta {
  /** Whether the object has any annotations at all. */
  annotated: boolean;
  annotations: Record<string, string>;
}

/** The op that sets the annotation to `entry`, or removes it (when present) for `undefined`. */
export function journalAnnotationOps(m: AnnotatedMeta, entry: string | undefined): unknown[] {
  const key = `/metadata/annotations/${pointer(JOURNAL_ANNOTATION)}`;
  if (entry !== undefined)
    return [
      m.annotated
        ? { op: 'add', path: key, value: entry }
        : { op: 'add', path: '/metadata/annotations', value: { [JOURNAL_ANNOTATION]: entry } },
    ];
  return m.annotations[JOURNAL_ANNOTATION] !== undefined ? [{ op: 'remove', path: key }] : [];
}
