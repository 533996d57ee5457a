/**
 * Title and body of one group's PR: the plan's PR body restricted to the group, plus a chart
 * GitHub renders (Mermaid xychart-beta: usage percentiles against current and proposed
 * requests, collapsed), what Argo CD / Flux will do, the exact queries and windows, and the marker.
 */
import type { PlanDocument, PlanClusterJson, PlanRecommendationJson } from '../../plan/plan-document.js';
import type { WorkloadChange } from '../../plan/types.js';
import { renderPrBody } from '../../render/pr-body/pr-body.js';
import { parseQuantity } from '../../core/quantity.js';
import { encodeMarker, type PrMarker } from './marker.js';
import type { ChangeGroup, Grouping } from './grouping.js';
import type { ClusterPlanResult } from '../../plan/run.js';
import { parseDuration } from '../../core/duration.js';
import { coarseTier, tiers, PROMETHEUS_DEFAULTS } from '../../collect/prometheus/index.js';
import {
  CPU_METRIC,
  MEM_METRIC,
  OOM_METRIC,
  RESTART_METRIC,
  matchers,
  workloadQueries,
  type BatchSelector,
} from '../../collect/prometheus/queries.js';

/**
 * Where a cluster's numbers came from: its metrics source as configured, the window the source
 * was read over, and the model (which pods belong to each workload). Absent, the PR body lists
 * windows only.
 */
export type QuerySource = Pick<ClusterPlanResult, 'cluster' | 'model' | 'window'>;

export function composePrTitle(group: ChangeGroup, applied: WorkloadChange[], grouping: Grouping): string {
  const prefix = 'chore(tidemark):';
  if (grouping === 'workload' && applied.length === 1) {
    const [kind, ns, name] = applied[0]!.workload.split('/');
    const what = describeAnalyzers(applied);
    return `${prefix} ${what} ${ns ? `${ns}/${name}` : `${kind} ${name}`} (${group.cluster})`;
  }
  if (group.concern) {
    const scope = group.concern === 'overcommit' ? 'settings for the cluster' : 'node pools';
    return `${prefix} ${describeAnalyzers(applied)} ${scope} (${group.cluster})`;
  }
  const scope = grouping === 'namespace' ? `namespace ${group.key.split('/')[1]}` : 'cluster';
  return `${prefix} ${describeAnalyzers(applied)} ${applied.length} workload(s) in ${scope} (${group.cluster})`;
}

function describeAnalyzers(changes: WorkloadChange[]): string {
  const ids = new Set(changes.flatMap((c) => c.recommendations.map((r) => r.analyzer)));
  // Verbs in the order a reviewer reads a change: its size first, then how it scales, then where.
  const words: [string, string][] = [
    ['rightsize', 'right-size'],
    ['hpa', 'autoscale'],
    ['cronhpa', 'schedule'],
    ['placement', 'place'],
    ['overcommit', 'overcommit'],
    ['scaledown', changes.some((c) => /^Node(Group|Pool)\//.test(c.workload)) ? 'scale down' : 'protect'],
  ];
  const known = new Set<string>(words.map(([id]) => id));
  const verbs = [
    ...words.filter(([id]) => (ids as Set<string>).has(id)).map(([, w]) => w),
    ...[...ids].filter((i) => !known.has(i)).sort(),
  ];
  return verbs.join(' + ') || 'update';
}

export function composePrBody(
  doc: PlanDocument,
  clusterDoc: PlanClusterJson,
  applied: WorkloadChange[],
  marker: PrMarker,
  source?: QuerySource,
  /** reportUrl: where the cost report is (report.url, or the Actions run holding it). */
  opts: { maxChars?: number; reportUrl?: string } = {},
): string {
  const scoped = scopedCluster(clusterDoc, applied);
  const recs = scoped.recommendations;
  const extra: string[] = [];
  if (opts.reportUrl)
    extra.push(`Cost board: [report.html](${opts.reportUrl}) — cost, savings and risk across clusters.`);
  const chart = usageChart(recs);
  if (chart) extra.push(chart);
  extra.push(gitopsNotes(applied));
  const queries = queriesBlock(recs, source);
  if (queries) extra.push(queries);
  return renderPrBody(doc, [scoped], {
    maxChars: opts.maxChars,
    extraSections: extra,
    footerMarker: encodeMarker(marker),
  });
}

interface ClusterIndex {
  recs: Map<string, number>;
  skipped: Map<string, number[]>;
  changes: Map<string, number[]>;
}
const clusterIndex = new WeakMap<PlanClusterJson, ClusterIndex>();

/**
 * The cluster's plan restricted to some changes: their recommendations, and the skips and change
 * notes of their workloads, each in plan order. Indexed once per plan: `plan` scopes it for every
 * PR, and a big cluster has thousands.
 */
export function scopedCluster(
  clusterDoc: PlanClusterJson,
  applied: Pick<WorkloadChange, 'workload' | 'recommendations'>[],
): PlanClusterJson {
  let index = clusterIndex.get(clusterDoc);
  if (!index) {
    const positions = (items: { workload: string }[]): Map<string, number[]> => {
      const m = new Map<string, number[]>();
      items.forEach((it, i) => m.set(it.workload, [...(m.get(it.workload) ?? []), i]));
      return m;
    };
    index = {
      recs: new Map(clusterDoc.recommendations.map((r, i) => [r.id, i])),
      skipped: positions(clusterDoc.skipped),
      changes: positions(clusterDoc.changes),
    };
    clusterIndex.set(clusterDoc, index);
  }
  const { recs, skipped, changes } = index;
  const workloads = [...new Set(applied.map((c) => c.workload))];
  const ids = new Set(applied.flatMap((c) => c.recommendations.map((r) => r.id)));
  const pick = <T>(all: T[], at: (number | undefined)[]): T[] =>
    at
      .filter((i): i is number => i !== undefined)
      .sort((a, b) => a - b)
      .map((i) => all[i]!);
  return {
    ...clusterDoc,
    recommendations: pick(
      clusterDoc.recommendations,
      [...ids].map((id) => recs.get(id)),
    ),
    skipped: pick(
      clusterDoc.skipped,
      workloads.flatMap((w) => skipped.get(w) ?? []),
    ),
    changes: pick(
      clusterDoc.changes,
      workloads.flatMap((w) => changes.get(w) ?? []),
    ),
  };
}

/** Top workloads by size of change: usage percentiles vs current and proposed request. */
function usageChart(recs: PlanRecommendationJson[]): string | undefined {
  const charts: string[] = [];
  const ranked = recs
    .filter((r) => r.evidence.usage && typeof r.evidence.usage === 'object')
    .sort((a, b) => Math.abs(b.savings.total) - Math.abs(a.savings.total))
    .slice(0, 3);
  for (const r of ranked) {
    const usage = r.evidence.usage as Record<string, Record<string, number>>;
    for (const resource of ['cpu', 'memory'] as const) {
      const u = usage[resource];
      if (!u) continue;
      const field = r.fields.find((f) => f.path.endsWith(`requests.${resource}`));
      const toUnit = (v: number): number => (resource === 'cpu' ? v / 1000 : v / 2 ** 20);
      const unit = resource === 'cpu' ? 'cores' : 'MiB';
      const labels = Object.keys(u).filter((k) => Number.isFinite(u[k]));
      if (!labels.length) continue;
      const values = labels.map((k) => round(toUnit(u[k]!)));
      const current =
        field?.current !== undefined ? round(toUnit(quantity(field.current, resource))) : undefined;
      const proposed =
        field?.proposed !== undefined ? round(toUnit(quantity(field.proposed, resource))) : undefined;
      const lines = [
        '```mermaid',
        'xychart-beta',
        `    title "${r.workload.split('/').slice(1).join('/')} ${r.subject} ${resource} (${unit})"`,
        `    x-axis [${labels.map((l) => `"${l}"`).join(', ')}]`,
        `    y-axis "${unit}"`,
        `    bar [${values.join(', ')}]`,
      ];
      if (current !== undefined) lines.push(`    line [${labels.map(() => current).join(', ')}]`);
      if (proposed !== undefined) lines.push(`    line [${labels.map(() => proposed).join(', ')}]`);
      lines.push('```');
      charts.push(lines.join('\n'));
    }
  }
  if (!charts.length) return undefined;
  return [
    '<details><summary><b>Usage against requests</b> (charts)</summary>',
    '',
    'Bars: usage percentiles over the window. Lines: the current request, then the proposed one.',
    '',
    ...charts,
    '',
    '</details>',
  ].join('\n');
}

function gitopsNotes(applied: WorkloadChange[]): string {
  const lines = ['### Argo CD and Flux', ''];
  lines.push(
    "- Only the fields in the diff change. After merge, Argo CD (auto-sync or a manual sync) and Flux apply them; pods roll according to each workload's update strategy.",
  );
  if (applied.some((c) => c.fields.some((f) => f.path.includes('replicas')))) {
    lines.push(
      '- This PR touches replica fields: check the workload is not also scaled by an HPA (Tidemark never writes `spec.replicas` while an HPA targets it).',
    );
  }
  lines.push(
    '- Argo CD `selfHeal` or Flux drift correction will revert any manual `kubectl` edit of these fields; change them through Git.',
  );
  return lines.join('\n');
}

function queriesBlock(recs: PlanRecommendationJson[], source: QuerySource | undefined): string | undefined {
  const rows: string[] = [];
  const byWorkload = new Map<string, PlanRecommendationJson[]>();
  for (const r of recs) byWorkload.set(r.workload, [...(byWorkload.get(r.workload) ?? []), r]);
  for (const [workload, list] of byWorkload) {
    rows.push(`**${workload}**`, '');
    for (const r of list) {
      const w = r.evidence.window;
      const span = `${isoSeconds(w.start)} → ${isoSeconds(w.end)}`;
      rows.push(`- ${r.subject}: window ${span}${r.evidence.statistic ? `; ${r.evidence.statistic}` : ''}`);
    }
    const queries = [
      ...(source ? sourceQueries(source, workload) : []),
      ...list.flatMap((r) => r.evidence.queries ?? []),
    ];
    if (queries.length) rows.push('', '```promql', ...new Set(queries), '```');
    rows.push('');
  }
  if (!rows.length) return undefined;
  return ['<details><summary>Queries and windows</summary>', '', ...rows, '</details>'].join('\n');
}

/**
 * The exact queries behind one workload's numbers: for Prometheus the range queries the source
 * sends (its selector, step and scrape resolution), for an OpenMetrics file the file and the
 * series read from it. Workloads without pods (node pools, config objects) have none.
 */
function sourceQueries(source: QuerySource, workload: string): string[] {
  const metrics = source.cluster?.metrics;
  const pods = source.model ? (podsByWorkload(source.model).get(workload) ?? []) : [];
  const namespace = workload.split('/')[1];
  if (!metrics || !pods.length || !namespace || !source.window) return [];
  const w = source.window;
  if ('prometheus' in metrics) {
    const cfg = metrics.prometheus;
    const sel: BatchSelector = { namespace, pods, extra: cfg.selector };
    return [
      `# source: Prometheus at ${publicUrl(cfg.url)}`,
      ...workloadQueries(sel, {
        window: w,
        scrape: parseDuration(cfg.scrapeInterval ?? PROMETHEUS_DEFAULTS.scrapeInterval),
        cpuPeaks: cfg.cpuPeaks,
        recordedCpuRate: cfg.recordedCpuRate,
        tiers: tiers(w, coarseTier(cfg, w)),
      }),
    ];
  }
  const sel: BatchSelector = { namespace, pods };
  return [
    `# source: OpenMetrics file ${basename(metrics.openmetrics)}, samples ${isoSeconds(w.start)} → ${isoSeconds(w.end)} folded into ${w.step}s intervals`,
    `${CPU_METRIC}{${matchers(sel, true)}}`,
    `${MEM_METRIC}{${matchers(sel, true)}}`,
    `${OOM_METRIC}{reason="OOMKilled", ${matchers(sel, false)}}`,
    `${RESTART_METRIC}{${matchers(sel, false)}}`,
  ];
}

const podIndex = new WeakMap<QuerySource['model'], Map<string, string[]>>();

/** Pod names per workload, sorted, built once per model: `plan` composes a body per workload. */
function podsByWorkload(model: QuerySource['model']): Map<string, string[]> {
  let index = podIndex.get(model);
  if (!index) {
    index = new Map();
    for (const p of model.pods?.values() ?? []) {
      if (!p.workload) continue;
      const list = index.get(p.workload) ?? [];
      list.push(p.name);
      index.set(p.workload, list);
    }
    for (const list of index.values()) list.sort();
    podIndex.set(model, index);
  }
  return index;
}

/** Scheme, host and path only: credentials in the user-info or query string never reach a PR. */
function publicUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return '(configured URL)';
  }
}

function basename(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

function isoSeconds(t: number): string {
  return new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function quantity(v: unknown, resource: 'cpu' | 'memory'): number {
  try {
    const base = parseQuantity(v as string | number);
    return resource === 'cpu' ? base * 1000 : base;
  } catch {
    return NaN;
  }
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
