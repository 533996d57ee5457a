/**
 * One change per workload. Every analyzer's accepted proposals for a workload become one
 * WorkloadChange, so dependent changes (a request and the HPA target computed from it) travel
 * in one PR. Each field has exactly one owning analyzer: a proposal outside the analyzer's
 * declared `owns`, or two values for one field, is an error naming both sides.
 */
import { MergeConflictError } from '../core/errors.js';
import type { Analyzer, AnalyzerId } from '../analyze/types.js';
import type { DecidedRecommendation } from '../policy/types.js';
import type { WorkloadKey } from '../model/types.js';
import type { OwnedFieldProposal, OwnedObjectProposal, WorkloadChange } from './types.js';
import { formatFieldPath, matchesOwnedField, ownedFieldsOverlap } from './field-path.js';

export function mergeChanges(
  cluster: string,
  decided: DecidedRecommendation[],
  analyzers: Pick<Analyzer<unknown>, 'id' | 'owns'>[],
): WorkloadChange[] {
  const owners = new Map<AnalyzerId, Pick<Analyzer<unknown>, 'id' | 'owns'>>(analyzers.map((a) => [a.id, a]));
  const byWorkload = new Map<WorkloadKey, WorkloadChange>();
  const fieldOwner = new Map<string, OwnedFieldProposal>();
  const objectOwner = new Map<string, OwnedObjectProposal>();

  for (const rec of decided) {
    if (rec.decision === 'rejected') continue;
    const analyzer = owners.get(rec.analyzer);
    if (!analyzer)
      throw new MergeConflictError(
        `recommendation ${rec.id} comes from an unregistered analyzer "${rec.analyzer}"`,
      );
    let change = byWorkload.get(rec.workload);
    if (!change) {
      change = {
        cluster,
        workload: rec.workload,
        recommendations: [],
        fields: [],
        objects: [],
        handOver: [],
      };
      byWorkload.set(rec.workload, change);
    }
    change.recommendations.push(rec);

    for (const field of rec.fields) {
      const path = formatFieldPath(field.path);
      const object = objectKey(field.object);
      if (!analyzer.owns.some((o) => matchesOwnedField(field.object.kind, field.path, o))) {
        throw new MergeConflictError(
          `analyzer "${rec.analyzer}" proposed ${object} ${path}, a field it does not own`,
          {
            object,
            field: path,
          },
        );
      }
      const key = `${object}#${path}`;
      const previous = fieldOwner.get(key);
      if (previous) {
        if (previous.analyzer === rec.analyzer && sameValue(previous.proposed, field.proposed)) continue;
        throw new MergeConflictError(
          `two values for one field: "${previous.analyzer}" proposes ${JSON.stringify(previous.proposed)} ` +
            `(${previous.recommendation}) and "${rec.analyzer}" proposes ${JSON.stringify(field.proposed)} (${rec.id})`,
          { object, field: path },
        );
      }
      const owned: OwnedFieldProposal = { ...field, analyzer: rec.analyzer, recommendation: rec.id };
      fieldOwner.set(key, owned);
      change.fields.push(owned);
    }

    for (const obj of rec.objects) {
      const key = objectKey(obj.object);
      const previous = objectOwner.get(key);
      if (previous) {
        throw new MergeConflictError(
          `two analyzers create ${key}: "${previous.analyzer}" (${previous.recommendation}) and "${rec.analyzer}" (${rec.id})`,
          { object: key },
        );
      }
      const owned: OwnedObjectProposal = { ...obj, analyzer: rec.analyzer, recommendation: rec.id };
      objectOwner.set(key, owned);
      change.objects.push(owned);
    }
    change.handOver.push(...(rec.handOver ?? []));
  }

  // An object that takes another's place (KEDA's ScaledObject for the plain HPA) drops what was
  // proposed for the replaced one, and its hand-over rules with it. What was dropped is kept
  // aside: the replacing object must carry its numbers (render checks that it does).
  for (const change of byWorkload.values()) {
    const replaced = new Set(change.objects.flatMap((o) => (o.replaces ?? []).map(objectKey)));
    if (!replaced.size) continue;
    const objects = change.objects.filter((o) => replaced.has(objectKey(o.object)));
    const fields = change.fields.filter((f) => replaced.has(objectKey(f.object)));
    change.objects = change.objects.filter((o) => !replaced.has(objectKey(o.object)));
    change.fields = change.fields.filter((f) => !replaced.has(objectKey(f.object)));
    if (objects.length || fields.length) change.replaced = { objects, fields };
  }

  return [...byWorkload.values()]
    .filter((c) => c.fields.length > 0 || c.objects.length > 0)
    .sort((a, b) => a.workload.localeCompare(b.workload));
}

/** Registry-level check: no two analyzers may declare overlapping ownership. */
export function checkOwnership(analyzers: Pick<Analyzer<unknown>, 'id' | 'owns'>[]): void {
  for (let i = 0; i < analyzers.length; i++) {
    for (let j = i + 1; j < analyzers.length; j++) {
      for (const a of analyzers[i]!.owns) {
        for (const b of analyzers[j]!.owns) {
          if (ownedFieldsOverlap(a, b)) {
            throw new MergeConflictError(
              `analyzers "${analyzers[i]!.id}" and "${analyzers[j]!.id}" both own ${a.kind} ${a.path.join('.')} / ${b.path.join('.')}`,
            );
          }
        }
      }
    }
  }
}

function objectKey(o: { apiVersion: string; kind: string; namespace?: string; name: string }): string {
  return `${o.kind}/${o.namespace ?? ''}/${o.name}`;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
