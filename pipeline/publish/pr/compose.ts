/**
 * One group's pull request as GitHub receives it: branch, title, body and the hidden marker. The
 * same function serves `plan`'s PR files, both dry runs and a real run, so every preview is byte
 * for byte the body that would be sent, given the same changes and base.
 */
import type { PlanDocument } from '../../plan/plan-document.js';
import type { WorkloadChange } from '../../plan/types.js';
import type { ClusterPlanResult } from '../../plan/run.js';
import type { PublishSettings } from '../publish.js';
import { fieldId } from '../git/commit-message.js';
import { branchName } from './branch-name.js';
import { composePrBody, composePrTitle } from './body.js';
import type { ChangeGroup } from './grouping.js';
import { fingerprintOf, stableDigest, type PrMarker } from './marker.js';

/** The settings that shape a PR's branch, title and body (no credentials, no repository). */
export type PullShape = Pick<PublishSettings, 'labels' | 'grouping' | 'branchPrefix'>;

export interface ComposedPull {
  branch: string;
  title: string;
  body: string;
  marker: PrMarker;
  /** "<workload>#<field id>" → proposed value. */
  fields: Record<string, string>;
}

export function composePull(opts: {
  settings: PullShape;
  doc: PlanDocument;
  cluster: ClusterPlanResult;
  group: ChangeGroup;
  /** The group's changes that rendered on the base. */
  applied: WorkloadChange[];
  base: string;
  /** config.output.prBodyMaxChars */
  bodyMaxChars?: number;
  /** Where the cost report is: the body links it. */
  reportUrl?: string;
}): ComposedPull {
  const { settings: s, group, applied } = opts;
  const clusterDoc = opts.doc.clusters.find((c) => c.name === opts.cluster.cluster.name);
  if (!clusterDoc)
    throw new Error(`internal: cluster ${opts.cluster.cluster.name} is not in the plan document`);
  const fields = fieldsOf(applied);
  const title = composePrTitle(group, applied, s.grouping);
  const fingerprint = fingerprintOf(fields);
  const marker: PrMarker = {
    v: 1,
    cluster: group.cluster,
    group: group.key,
    fields,
    fingerprint,
    digest: materialDigest({ fingerprint, title, base: opts.base, labels: s.labels, applied }),
    labels: s.labels,
    base: opts.base,
  };
  const body = composePrBody(opts.doc, clusterDoc, applied, marker, opts.cluster, {
    maxChars: opts.bodyMaxChars,
    reportUrl: opts.reportUrl,
  });
  return { branch: branchName(s.branchPrefix, group.cluster, group.slug), title, body, marker, fields };
}

/**
 * What a reader acts on, without the evidence that moves every run (window, samples, usage): the
 * values, the risk, the policy decisions, what GitOps must stop reverting, title, base and labels.
 */
function materialDigest(m: {
  fingerprint: string;
  title: string;
  base: string;
  labels: string[];
  applied: WorkloadChange[];
}): string {
  return stableDigest({
    fingerprint: m.fingerprint,
    title: m.title,
    base: m.base,
    labels: [...m.labels].sort(),
    changes: m.applied
      .map((c) => ({
        workload: c.workload,
        fields: c.fields.map((f) => ({ path: fieldId(f.path), current: f.current, proposed: f.proposed })),
        handOver: c.handOver ?? [],
        recommendations: c.recommendations
          .map((r) => ({
            id: r.id,
            risk: r.risk,
            decision: r.decision,
            outcomes: r.outcomes.map((o) => ({
              policy: o.policy,
              rule: o.rule,
              decision: o.decision,
              field: o.field,
              before: o.before,
              after: o.after,
            })),
          }))
          .sort((a, b) => a.id.localeCompare(b.id)),
      }))
      .sort((a, b) => a.workload.localeCompare(b.workload)),
  });
}

function fieldsOf(changes: WorkloadChange[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of changes)
    for (const f of c.fields)
      out[`${c.workload}#${fieldId(f.path)}`] =
        f.proposed !== null && typeof f.proposed === 'object'
          ? JSON.stringify(f.proposed)
          : String(f.proposed ?? '');
  for (const c of changes)
    for (const o of c.objects)
      out[`${c.workload}#object:${o.object.kind}/${o.object.name}`] = JSON.stringify(o.manifest);
  return out;
}
