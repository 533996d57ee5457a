/**
 * plan.json: every recommendation (with its policy decision and render outcome) and every
 * skipped workload with its reason, plus a run summary. Schema: schemas/tidemark/plan.schema.json.
 */
import type { HistoryRecord } from '../model/usage/checkpoint/usage-history.js';
import type { AnalyzerReport, Skipped, Evidence, FieldProposal, JsonValue } from '../analyze/types.js';
import type { RuleOutcome } from '../policy/types.js';
import type { PipelineConfig } from '../config/types.js';
import type { MetricsStats, UsageWindow } from '../collect/types.js';
import type { PlanRun } from './run.js';
import { formatFieldPath } from './field-path.js';
import { replicasOf, savingsOf, addSavings, NO_SAVINGS, type Savings } from './savings.js';
import { configPrices, workloadPrice } from './prices.js';
import { buildInventory, type InventoryJson } from './inventory.js';
import { reportSettingsFrom } from '../config/report-settings.js';
import { roundPlanDocument, roundSavings } from './round-plan.js';

export interface PlanFieldJson {
  object: string;
  path: string;
  current?: JsonValue;
  proposed?: JsonValue;
  analyzerProposed?: JsonValue;
}

export interface PlanRecommendationJson {
  id: string;
  analyzer: string;
  workload: string;
  subject: string;
  decision: 'accepted' | 'clamped' | 'rejected';
  outcomes: RuleOutcome[];
  fields: PlanFieldJson[];
  risk: string;
  evidence: Evidence;
  savings: Savings;
  render: {
    /** failed: the change held objects that contradict each other (render's consistency check). */
    status: 'rendered' | 'skipped' | 'not-rendered' | 'failed';
    files?: string[];
    reason?: string;
    detail?: string;
  };
  details?: Record<string, unknown>;
}

export interface PlanClusterJson {
  name: string;
  at: string;
  window: { start: string; end: string; step: number };
  recommendations: PlanRecommendationJson[];
  skipped: Skipped[];
  changes: { workload: string; files: string[]; fields: number; objects: number; handOver?: string[] }[];
  summary: {
    recommendations: number;
    accepted: number;
    clamped: number;
    rejected: number;
    skipped: number;
    workloadsChanged: number;
    savings: Savings;
  };
  sources: {
    kubernetes?: Record<string, { requests: number; bytes: number; objects: number }>;
    metrics: MetricsStats;
  };
  reports?: AnalyzerReport[];
  /** Every workload with what the cost report reads (plan/inventory.ts). */
  inventory?: InventoryJson;
  /** Cold or warm, and why, when the config keeps state (model/usage/checkpoint/README.md). */
  history?: {
    mode: 'cold' | 'warm';
    reason?: string;
    message: string;
    read: { start: string; end: string };
    checkpointEnd?: string;
    checkpoint: HistoryRecord['checkpoint'];
  };
}

export interface PlanDocument {
  apiVersion: 'tidemark.io/v1alpha1';
  kind: 'Plan';
  generatedAt: string;
  tidemarkVersion: string;
  config: string;
  prices: PipelineConfig['prices'];
  clusters: PlanClusterJson[];
  run: { stagesMs: Record<string, number>; peakRssMiB?: Record<string, number> };
}

const iso = (unix: number): string => new Date(unix * 1000).toISOString();
const objectText = (f: FieldProposal): string =>
  `${f.object.kind}/${f.object.namespace ?? ''}/${f.object.name}`;
const fieldKey = (f: FieldProposal): string => `${objectText(f)}#${formatFieldPath(f.path)}`;

export function buildPlanDocument(
  run: PlanRun,
  config: PipelineConfig,
  version: string,
  now: Date,
): PlanDocument {
  // Rounded once, here, each number to its unit's precision (round-plan.ts).
  return roundPlanDocument({
    apiVersion: 'tidemark.io/v1alpha1',
    kind: 'Plan',
    generatedAt: now.toISOString(),
    tidemarkVersion: version,
    config: config.file,
    prices: config.prices,
    clusters: run.clusters.map((c) => {
      const prices = c.prices ?? configPrices(config.prices);
      const renderSkips = new Map<string, Skipped>();
      for (const s of c.render.skipped) if (!s.container) renderSkips.set(s.workload, s);
      const recs = c.decided.map((d): PlanRecommendationJson => {
        const rendered = c.render.rendered.get(d.workload);
        const skip = renderSkips.get(d.workload);
        const containerSkip = c.render.skipped.find(
          (s) => s.workload === d.workload && s.container && d.subject === `container ${s.container}`,
        );
        const status: PlanRecommendationJson['render'] =
          d.decision === 'rejected'
            ? { status: 'not-rendered', reason: 'policy-rejected' }
            : containerSkip
              ? { status: 'skipped', reason: containerSkip.reason, detail: containerSkip.detail }
              : skip
                ? {
                    status: skip.reason === 'contradiction' ? 'failed' : 'skipped',
                    reason: skip.reason,
                    detail: skip.detail,
                  }
                : rendered
                  ? { status: 'rendered', files: rendered }
                  : { status: 'not-rendered', reason: 'no-change' };
        const counted = status.status === 'rendered' ? d.fields : [];
        // A rule may drop a field (the CPU change below the minimum): what the analyzer proposed is
        // found by the field's own key, never by its position among what is left.
        const analyzerProposed = new Map(d.proposedFields.map((f) => [fieldKey(f), f.proposed]));
        return {
          id: d.id,
          analyzer: d.analyzer,
          workload: d.workload,
          subject: d.subject,
          decision: d.decision,
          outcomes: d.outcomes,
          fields: d.fields.map((f) => ({
            object: objectText(f),
            path: formatFieldPath(f.path),
            current: f.current,
            proposed: f.proposed,
            analyzerProposed: analyzerProposed.get(fieldKey(f)),
          })),
          risk: d.risk,
          evidence: d.evidence,
          // In cents before they are summed, so the cluster's total is the sum of what is shown.
          savings: roundSavings(
            savingsOf(counted, replicasOf(c.model, d.workload), workloadPrice(c.model, prices, d.workload)),
          ),
          render: status,
          ...(d.details ? { details: d.details } : {}),
        };
      });
      const total = recs.reduce((acc, r) => addSavings(acc, r.savings), NO_SAVINGS);
      return {
        name: c.cluster.name,
        at: iso(c.window.end),
        window: windowJson(c.window),
        recommendations: recs,
        skipped: c.skipped,
        changes: c.changes.map((ch) => ({
          workload: ch.workload,
          files: c.render.rendered.get(ch.workload) ?? [],
          fields: ch.fields.length,
          objects: ch.objects.length,
          ...(c.render.handOverNotes?.get(ch.workload)?.length
            ? { handOver: c.render.handOverNotes.get(ch.workload) }
            : {}),
        })),
        summary: {
          recommendations: recs.length,
          accepted: recs.filter((r) => r.decision === 'accepted').length,
          clamped: recs.filter((r) => r.decision === 'clamped').length,
          rejected: recs.filter((r) => r.decision === 'rejected').length,
          skipped: c.skipped.length,
          workloadsChanged: c.render.rendered.size,
          savings: total,
        },
        sources: { kubernetes: c.stats.kubernetes, metrics: c.stats.metrics },
        ...reportsOf(c),
        inventory: buildInventory(c.model, prices, c.decided, reportSettingsFrom(config)),
        ...(c.history ? { history: historyJson(c.history) } : {}),
      };
    }),
    run: { stagesMs: run.stages, peakRssMiB: run.peakRssMiB },
  });
}

function historyJson(h: HistoryRecord): NonNullable<PlanClusterJson['history']> {
  return {
    mode: h.mode,
    ...(h.reason ? { reason: h.reason } : {}),
    message: h.message,
    read: { start: iso(h.read.start), end: iso(h.read.end) },
    ...(h.checkpointEnd !== undefined ? { checkpointEnd: iso(h.checkpointEnd) } : {}),
    checkpoint: h.checkpoint,
  };
}

function windowJson(w: UsageWindow): PlanClusterJson['window'] {
  return { start: iso(w.start), end: iso(w.end), step: w.step };
}

function reportsOf(c: PlanRun['clusters'][number]): { reports?: AnalyzerReport[] } {
  const reports = [...c.analyzerResults.values()].flatMap((r) => r.reports ?? []);
  return reports.length ? { reports } : {};
}
