/** Human rows for tables (terminal and PR body): one row per changed field. */
import type { PlanRecommendationJson } from '../../plan/plan-document.js';

export interface ChangeRow {
  namespace: string;
  workload: string;
  container: string;
  resource: string;
  current: string;
  proposed: string;
  decision: string;
  why: string;
  rec: PlanRecommendationJson;
}

const FIELD_RE = /containers\[name=([^\]]+)\]\.resources\.(requests|limits)\.(cpu|memory)$/;

export function describeField(path: string): { container: string; resource: string } {
  const m = FIELD_RE.exec(path);
  if (m) return { container: m[1]!, resource: `${m[3]} ${m[2] === 'requests' ? 'request' : 'limit'}` };
  const tail = path.split('.').slice(-2).join('.');
  return { container: '', resource: tail };
}

export function rowsOf(recs: PlanRecommendationJson[]): ChangeRow[] {
  const rows: ChangeRow[] = [];
  for (const rec of recs) {
    const [, namespace = '', name = rec.workload] = rec.workload.split('/');
    const kind = rec.workload.split('/')[0] ?? '';
    for (const f of rec.fields) {
      const { container, resource } = describeField(f.path);
      const why = whyFor(rec, f, container, resource);
      // A recommendation is clamped when any of its fields was: each row says what befell its own.
      const decision =
        rec.decision === 'rejected'
          ? 'rejected'
          : rec.render.status === 'skipped' || rec.render.status === 'failed'
            ? `${rec.render.status} (${rec.render.reason})`
            : rec.decision === 'clamped'
              ? outcomeOf(rec, container, resource)?.decision === 'clamped'
                ? 'clamped'
                : 'accepted'
              : rec.decision;
      rows.push({
        namespace,
        workload: `${kind.toLowerCase()}/${name}`,
        container,
        resource,
        current: show(f.current),
        proposed: show(f.proposed),
        decision,
        why,
        rec,
      });
    }
  }
  return rows.sort(
    (a, b) =>
      a.namespace.localeCompare(b.namespace) ||
      a.workload.localeCompare(b.workload) ||
      a.container.localeCompare(b.container) ||
      a.resource.localeCompare(b.resource),
  );
}

/** The reason for one field: the rule that changed it, else its own statistic. */
function whyFor(
  rec: PlanRecommendationJson,
  f: PlanRecommendationJson['fields'][number],
  container: string,
  resource: string,
): string {
  if (rec.decision === 'rejected') return rec.outcomes.at(-1)?.reason ?? 'rejected by policy';
  if (rec.render.status === 'skipped' || rec.render.status === 'failed')
    return rec.render.detail ?? rec.render.reason ?? 'not rendered';
  const outcome = outcomeOf(rec, container, resource);
  const kind = resource.split(' ')[0] as 'cpu' | 'memory';
  const detail = (rec.evidence[kind] as { detail?: string } | undefined)?.detail;
  const base = detail ? `${detail}` : rec.evidence.why;
  if (outcome && outcome.decision === 'clamped')
    return `${outcome.reason} (analyzer: ${show(f.analyzerProposed)}; ${base})`;
  return base;
}

/** The last rule that acted on this field (rules name a resource field "container cpu request"). */
function outcomeOf(
  rec: PlanRecommendationJson,
  container: string,
  resource: string,
): PlanRecommendationJson['outcomes'][number] | undefined {
  return [...rec.outcomes].reverse().find((o) => o.field === `${container} ${resource}`);
}

export function show(v: unknown): string {
  if (v === undefined || v === null) return '—';
  return typeof v === 'string' ? v : JSON.stringify(v);
}
