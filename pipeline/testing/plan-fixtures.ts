/**
 * Small plan.json documents for the outputs that read them (the terminal table, the output
 * formats, the cost report): every number in them is chosen here, so tests can compute what a
 * reader should see by hand.
 */
import type { PlanClusterJson, PlanDocument, PlanRecommendationJson } from '../plan/plan-document.js';
import { NO_SAVINGS, type Savings } from '../plan/savings.js';

export const PRICES = { cpuCoreHour: 0.031, memoryGiBHour: 0.0042, currency: 'USD' };

const WINDOW = { start: 1793923200, end: 1795132800 };

export interface RecOpts {
  analyzer?: PlanRecommendationJson['analyzer'];
  workload: string;
  subject?: string;
  decision?: PlanRecommendationJson['decision'];
  fields: { path: string; current?: unknown; proposed?: unknown; object?: string }[];
  savings?: Partial<Savings>;
  why?: string;
  risk?: string;
  render?: PlanRecommendationJson['render'];
  outcomes?: PlanRecommendationJson['outcomes'];
  details?: Record<string, unknown>;
}

export function rec(o: RecOpts): PlanRecommendationJson {
  const analyzer = o.analyzer ?? 'rightsize';
  const subject = o.subject ?? 'container app';
  const decision = o.decision ?? 'accepted';
  const savings = { ...NO_SAVINGS, ...o.savings };
  if (o.savings && o.savings.total === undefined) savings.total = savings.cpu + savings.memory;
  return {
    id: `${analyzer}:${o.workload}:${subject}`,
    analyzer,
    workload: o.workload,
    subject,
    decision,
    outcomes: o.outcomes ?? [],
    fields: o.fields.map((f) => ({
      object: f.object ?? o.workload,
      path: f.path,
      current: f.current as never,
      proposed: f.proposed as never,
      analyzerProposed: f.proposed as never,
    })),
    risk: o.risk ?? 'low',
    evidence: {
      window: WINDOW,
      samples: 4032,
      ooms: 0,
      why: o.why ?? 'P90 of 5-minute CPU is 412m',
    },
    savings,
    render:
      o.render ??
      (decision === 'rejected'
        ? { status: 'not-rendered', reason: 'policy-rejected' }
        : { status: 'rendered', files: ['clusters/x.yaml'] }),
    ...(o.details ? { details: o.details } : {}),
  } as PlanRecommendationJson;
}

/** The spec path of a container's request or limit. */
export function resourcePath(
  container: string,
  role: 'requests' | 'limits',
  resource: 'cpu' | 'memory',
): string {
  return `spec.template.spec.containers[name=${container}].resources.${role}.${resource}`;
}

export function cluster(
  name: string,
  recommendations: PlanRecommendationJson[],
  o: Partial<PlanClusterJson> = {},
): PlanClusterJson {
  const sum = (k: keyof Savings): number =>
    recommendations.reduce((a, r) => a + (r.render.status === 'rendered' ? r.savings[k] : 0), 0);
  return {
    name,
    at: new Date(WINDOW.end * 1000).toISOString(),
    window: {
      start: new Date(WINDOW.start * 1000).toISOString(),
      end: new Date(WINDOW.end * 1000).toISOString(),
      step: 300,
    },
    recommendations,
    skipped: [],
    changes: [],
    summary: {
      recommendations: recommendations.length,
      accepted: recommendations.filter((r) => r.decision === 'accepted').length,
      clamped: recommendations.filter((r) => r.decision === 'clamped').length,
      rejected: recommendations.filter((r) => r.decision === 'rejected').length,
      skipped: o.skipped?.length ?? 0,
      workloadsChanged: new Set(
        recommendations.filter((r) => r.render.status === 'rendered').map((r) => r.workload),
      ).size,
      savings: {
        cpu: sum('cpu'),
        memory: sum('memory'),
        total: sum('total'),
        cores: sum('cores'),
        bytes: sum('bytes'),
      },
    },
    sources: { metrics: { queries: 0, series: 0, samples: 0, bytes: 0 } },
    ...o,
  };
}

export function planDocument(clusters: PlanClusterJson[], o: Partial<PlanDocument> = {}): PlanDocument {
  return {
    apiVersion: 'tidemark.io/v1alpha1',
    kind: 'Plan',
    generatedAt: '2026-11-20T06:17:00.000Z',
    tidemarkVersion: '0.1.0',
    config: '/work/tidemark.yaml',
    prices: PRICES,
    clusters,
    run: { stagesMs: {} },
    ...o,
  };
}

/** Koordinator's colocation-config before and after lowering the general pool's thresholds. */
export const COLOCATION_BEFORE =
  '{"enable":true,"cpuReclaimThresholdPercent":60,"memoryReclaimThresholdPercent":65,"nodeConfigs":[{"name":"general","nodeSelector":{"matchLabels":{"node-pool":"general"}},"cpuReclaimThresholdPercent":60,"memoryReclaimThresholdPercent":65}]}';
export const COLOCATION_AFTER = {
  enable: true,
  cpuReclaimThresholdPercent: 60,
  memoryReclaimThresholdPercent: 65,
  nodeConfigs: [
    {
      name: 'general',
      nodeSelector: { matchLabels: { 'node-pool': 'general' } },
      cpuReclaimThresholdPercent: 55,
      memoryReclaimThresholdPercent: 65,
    },
  ],
};

/** The plan the output-format tests print: two clusters, every kind of row, money chosen by hand. */
export const LONG_WHY =
  'at most 20% lower per 7 days (analyzer: 560m; P90 of 5-minute CPU is 487m over 14.0 days, with 15% headroom for the peaks that the weekly cycle brings back every Monday)';

export function outputFixture(): PlanDocument {
  return planDocument([
    cluster(
      'prod',
      [
        rec({
          workload: 'Deployment/shop/cart',
          subject: 'container cart',
          decision: 'clamped',
          fields: [
            { path: resourcePath('cart', 'requests', 'cpu'), current: '1', proposed: '800m' },
            { path: resourcePath('cart', 'requests', 'memory'), current: '2Gi', proposed: '1639Mi' },
          ],
          savings: { cpu: 13.58, memory: 2.1 },
          why: LONG_WHY,
          outcomes: [
            {
              policy: 'defaults',
              rule: 'maxDecrease',
              decision: 'clamped',
              reason: 'at most 20% lower per 7 days',
              field: 'cart cpu request',
            } as never,
            {
              policy: 'defaults',
              rule: 'maxDecrease',
              decision: 'clamped',
              reason: 'at most 20% lower per 7 days',
              field: 'cart memory request',
            } as never,
          ],
        }),
        rec({
          workload: 'Deployment/shop/web',
          subject: 'container web',
          fields: [{ path: resourcePath('web', 'requests', 'memory'), current: '768Mi', proposed: '615Mi' }],
          savings: { memory: 1.38 },
        }),
        rec({
          analyzer: 'overcommit',
          workload: 'ConfigMap/koordinator-system/slo-controller-config',
          subject: 'overcommit for 1 pool(s)',
          fields: [
            { path: 'data.colocation-config', current: COLOCATION_BEFORE, proposed: COLOCATION_AFTER },
          ],
          why: 'Lendable capacity per pool = capacity × threshold − higher tiers − system reserved − 10% margin.',
        }),
        rec({
          workload: 'Deployment/kube-system/coredns',
          subject: 'container coredns',
          decision: 'rejected',
          fields: [{ path: resourcePath('coredns', 'requests', 'cpu'), current: '100m', proposed: '25m' }],
          outcomes: [
            {
              policy: 'exclude-system',
              rule: 'exclude',
              decision: 'rejected',
              reason: 'kube-system is excluded by policy exclude-system',
            },
          ],
        }),
        rec({
          workload: 'Deployment/payments/worker',
          subject: 'container worker',
          fields: [{ path: resourcePath('worker', 'requests', 'cpu'), current: '1', proposed: '800m' }],
          render: {
            status: 'skipped',
            reason: 'render-refused',
            detail: 'payments-values.yaml: a ScaledObject cannot be added to a Helm release from its values',
          },
        }),
      ],
      {
        skipped: [
          {
            analyzer: 'hpa',
            workload: 'CronJob/batch/nightly',
            reason: 'unsupported-kind',
            detail: 'CronJobs are not scaled by replicas',
          },
        ],
      },
    ),
    cluster('staging', [
      rec({
        workload: 'Deployment/shop/cart',
        subject: 'container cart',
        fields: [{ path: resourcePath('cart', 'requests', 'memory'), current: '1Gi', proposed: '512Mi' }],
        savings: { memory: 1.05 },
      }),
      rec({
        workload: 'Deployment/shop/api',
        subject: 'container api',
        fields: [{ path: resourcePath('api', 'requests', 'memory'), current: '256Mi', proposed: '356Mi' }],
        savings: { memory: -0.43 },
      }),
    ]),
  ]);
}
