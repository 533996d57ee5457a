/**
 * The plan as rows a person or a spreadsheet reads: one row per changed field, a summary per
 * namespace and totals per cluster. The one model behind every `plan --output` format (table,
 * wide, json, yaml, csv, markdown), so they all say the same thing; json and csv are stable
 * formats (schemas/tidemark/plan-rows.schema.json, plan-rows.csv.schema.json).
 */
import type { PlanDocument } from '../../plan/plan-document.js';
import { rowsOf } from '../../render/pr-body/rows.js';
import { summarizeChange } from './value-summary.js';

export const PLAN_ROWS_KIND = 'PlanRows';

export interface PlanRow {
  cluster: string;
  /** '' for a cluster-scoped subject. */
  namespace: string;
  kind: string;
  name: string;
  /** '' when the field is not a container's. */
  container: string;
  /** "cpu request", "memory limit", or the field's last two path segments. */
  resource: string;
  /** The field's full path in the edited object. */
  field: string;
  /** Kind/namespace/name of the edited object (an HPA, a ConfigMap, the workload itself). */
  object: string;
  /** Full values as text ('' when absent: a field added or removed). */
  current: string;
  proposed: string;
  /** One short line: "3Gi → 2554Mi", or the changed leaves of a structured value. */
  change: string;
  analyzer: string;
  /** accepted | clamped | rejected | skipped (reason) | failed (reason). */
  decision: string;
  risk: string;
  /**
   * Money per month this field's change saves (negative: adds), in `currency`. Only a rendered
   * request field moves money (requests reserve capacity); every other row is 0.
   */
  monthlySavings: number;
  currency: string;
  why: string;
  recommendation: string;
}

export interface RowCounts {
  workloads: number;
  changes: number;
  accepted: number;
  clamped: number;
  rejected: number;
  /** Workloads skipped with a reason (plan.json has each one). */
  skipped: number;
  monthlySavings: number;
}

export interface NamespaceSummary extends RowCounts {
  cluster: string;
  namespace: string;
}

export interface ClusterSummary extends RowCounts {
  cluster: string;
}

export interface PlanRowsDocument {
  apiVersion: 'tidemark.io/v1alpha1';
  kind: typeof PLAN_ROWS_KIND;
  generatedAt: string;
  currency: string;
  rows: PlanRow[];
  namespaces: NamespaceSummary[];
  clusters: ClusterSummary[];
  total: RowCounts;
}

export function planRows(doc: PlanDocument): PlanRowsDocument {
  const rows: PlanRow[] = [];
  const namespaces: NamespaceSummary[] = [];
  const clusters: ClusterSummary[] = [];
  for (const c of doc.clusters) {
    const clusterRows: PlanRow[] = [];
    for (const r of rowsOf(c.recommendations)) {
      const [kind = '', , name = ''] = r.rec.workload.split('/');
      const field = r.rec.fields.find(
        (f) => show(f.current) === r.current && show(f.proposed) === r.proposed && matches(f.path, r),
      );
      const rendered = r.rec.render.status === 'rendered';
      const monthly = !rendered
        ? 0
        : r.resource === 'cpu request'
          ? r.rec.savings.cpu
          : r.resource === 'memory request'
            ? r.rec.savings.memory
            : 0;
      clusterRows.push({
        cluster: c.name,
        namespace: r.namespace,
        kind,
        name,
        container: r.container,
        resource: r.resource,
        field: field?.path ?? '',
        object: field?.object ?? r.rec.workload,
        current: text(field?.current),
        proposed: text(field?.proposed),
        change: summarizeChange(r.resource, field?.current, field?.proposed),
        analyzer: r.rec.analyzer,
        decision: r.decision,
        risk: r.rec.risk,
        monthlySavings: monthly,
        currency: doc.prices.currency,
        why: r.why,
        recommendation: r.rec.id,
      });
    }
    rows.push(...clusterRows);
    const skippedByNs = new Map<string, Set<string>>();
    for (const s of c.skipped) {
      const ns = s.workload.split('/')[1] ?? '';
      if (!skippedByNs.has(ns)) skippedByNs.set(ns, new Set());
      skippedByNs.get(ns)!.add(s.workload);
    }
    const names = [...new Set([...clusterRows.map((r) => r.namespace), ...skippedByNs.keys()])].sort();
    for (const ns of names) {
      const inNs = clusterRows.filter((r) => r.namespace === ns);
      namespaces.push({
        cluster: c.name,
        namespace: ns,
        ...counts(inNs, skippedByNs.get(ns)?.size ?? 0),
      });
    }
    const skippedWorkloads = new Set(c.skipped.map((s) => s.workload)).size;
    clusters.push({ cluster: c.name, ...counts(clusterRows, skippedWorkloads) });
  }
  const all = rows.reduce((a, r) => a + r.monthlySavings, 0);
  // Rounded to cents once, after every sum: a total is never the sum of rounded parts.
  for (const r of rows) r.monthlySavings = round2(r.monthlySavings);
  const total: RowCounts = {
    workloads: sum(clusters, 'workloads'),
    changes: sum(clusters, 'changes'),
    accepted: sum(clusters, 'accepted'),
    clamped: sum(clusters, 'clamped'),
    rejected: sum(clusters, 'rejected'),
    skipped: sum(clusters, 'skipped'),
    monthlySavings: round2(all),
  };
  return {
    apiVersion: 'tidemark.io/v1alpha1',
    kind: PLAN_ROWS_KIND,
    generatedAt: doc.generatedAt,
    currency: doc.prices.currency,
    rows,
    namespaces,
    clusters,
    total,
  };
}

/** A row's field: rowsOf keeps the path's container and resource, so it names its own field. */
function matches(path: string, r: { container: string; resource: string }): boolean {
  if (!r.container) return path.split('.').slice(-2).join('.') === r.resource;
  const [resource, role] = r.resource.split(' ');
  return path.endsWith(
    `[name=${r.container}].resources.${role === 'limit' ? 'limits' : 'requests'}.${resource}`,
  );
}

function counts(rows: PlanRow[], skipped: number): RowCounts {
  const decided = (d: string): number => rows.filter((r) => r.decision === d).length;
  return {
    workloads: new Set(rows.map((r) => `${r.cluster}/${r.kind}/${r.namespace}/${r.name}`)).size,
    changes: rows.length,
    accepted: decided('accepted'),
    clamped: decided('clamped'),
    rejected: decided('rejected'),
    skipped,
    monthlySavings: round2(rows.reduce((a, r) => a + r.monthlySavings, 0)),
  };
}

function sum(list: ClusterSummary[], key: keyof RowCounts): number {
  return list.reduce((a, c) => a + c[key], 0);
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

function show(v: unknown): string {
  if (v === undefined || v === null) return '—';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}
