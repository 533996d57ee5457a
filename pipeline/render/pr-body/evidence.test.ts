import { renderPrBody } from './pr-body.js';
import { rowsOf } from './rows.js';
import type { PlanClusterJson, PlanRecommendationJson } from '../../plan/plan-document.js';

const NO_SAVINGS = { cpu: 0, memory: 0, total: 0, cores: 0, bytes: 0 };
const evidence = {
  window: { start: 1_793_923_200, end: 1_795_132_800 },
  samples: 4000,
  ooms: 0,
  why: 'etl: both resources',
  memory: { detail: 'P98 of 5-minute memory peaks is 2.17Gi' },
  cpu: { detail: 'P90 of 5-minute CPU is 801m' },
};
const path = (r: string) => `spec.template.spec.containers[name=etl].resources.${r}`;

function rec(over: Partial<PlanRecommendationJson>): PlanRecommendationJson {
  return {
    id: 'rightsize:Deployment/batch/etl:container etl',
    analyzer: 'rightsize',
    workload: 'Deployment/batch/etl',
    subject: 'container etl',
    decision: 'clamped',
    outcomes: [],
    fields: [],
    risk: 'low',
    evidence,
    savings: NO_SAVINGS,
    render: { status: 'rendered', files: ['batch/etl.yaml'] },
    ...over,
  };
}

function body(recs: PlanRecommendationJson[]): string {
  const cluster = {
    name: 'demo',
    at: '2026-11-20T00:00:00Z',
    window: { start: '2026-11-06T00:00:00Z', end: '2026-11-20T00:00:00Z', step: 300 },
    recommendations: recs,
    skipped: [],
    changes: [],
    summary: {
      recommendations: recs.length,
      accepted: 0,
      clamped: recs.length,
      rejected: 0,
      skipped: 0,
      workloadsChanged: 1,
      savings: NO_SAVINGS,
    },
    sources: { metrics: { queries: 0, series: 0, samples: 0, bytes: 0 } },
  } as PlanClusterJson;
  return renderPrBody(
    { prices: { cpuCoreHour: 0.031, memoryGiBHour: 0.0042, currency: 'USD' }, tidemarkVersion: '0' },
    [cluster],
  );
}

/** The demo's etl: CPU 1 → 925m left out as too small a change; memory 3Gi → 2554Mi kept as proposed. */
const etl = rec({
  outcomes: [
    {
      policy: 'defaults',
      rule: 'min-change',
      decision: 'rejected',
      reason: 'a 7.5% change is below the 10% worth a PR',
      field: 'etl cpu request',
      before: '925m',
    },
  ],
  fields: [
    {
      object: 'Deployment/batch/etl',
      path: path('requests.memory'),
      current: '3Gi',
      proposed: '2554Mi',
      analyzerProposed: '2554Mi',
    },
  ],
});

/** Memory clamped by max-decrease on request and limit, CPU left out. */
const worker = rec({
  workload: 'Deployment/batch/worker',
  subject: 'container etl',
  outcomes: [
    {
      policy: 'defaults',
      rule: 'max-decrease',
      decision: 'clamped',
      reason: 'at most 20% lower per 7 days',
      field: 'etl memory request',
      before: '1Gi',
      after: '1639Mi',
    },
    {
      policy: 'defaults',
      rule: 'max-decrease',
      decision: 'clamped',
      reason: 'at most 20% lower per 7 days',
      field: 'etl memory limit',
      before: '1Gi',
      after: '1639Mi',
    },
    {
      policy: 'defaults',
      rule: 'min-change',
      decision: 'rejected',
      reason: 'a 4.0% change is below the 10% worth a PR',
      field: 'etl cpu request',
      before: '480m',
    },
  ],
  fields: [
    {
      object: 'Deployment/batch/worker',
      path: path('requests.memory'),
      current: '2Gi',
      proposed: '1639Mi',
      analyzerProposed: '1Gi',
    },
  ],
});

describe('render/pr-body evidence', () => {
  it('says which fields policy left out and which it clamped, never an empty list', () => {
    const text = body([etl, worker]);
    expect(text).not.toMatch(/\(\)/);
    expect(text).toContain(
      '- `Deployment/batch/etl` (container etl): policy left out etl cpu request by min-change (a 7.5% change is below the 10% worth a PR).',
    );
    expect(text).toContain(
      '- `Deployment/batch/worker` (container etl): policy clamped etl memory request, etl memory limit by max-decrease (at most 20% lower per 7 days): the next run may continue the step. It left out etl cpu request by min-change (a 4.0% change is below the 10% worth a PR).',
    );
  });

  it("marks each row with its own field's decision: the kept memory row of a clamped recommendation is accepted", () => {
    expect(rowsOf([etl, worker]).map((r) => [r.workload, r.resource, r.decision])).toEqual([
      ['deployment/etl', 'memory request', 'accepted'],
      ['deployment/worker', 'memory request', 'clamped'],
    ]);
  });

  it('shows a structured value (JSON in a ConfigMap key) as JSON, never [object Object]', () => {
    const koordinator = rec({
      id: 'overcommit:ConfigMap/koordinator-system/slo-controller-config:pools',
      analyzer: 'overcommit',
      workload: 'ConfigMap/koordinator-system/slo-controller-config',
      subject: 'overcommit for 1 pool(s)',
      decision: 'accepted',
      evidence: { ...evidence, why: 'Lendable capacity per pool' },
      fields: [
        {
          object: 'ConfigMap/koordinator-system/slo-controller-config',
          path: 'data.colocation-config',
          current: '{"enable":true,"cpuReclaimThresholdPercent":60}',
          proposed: { enable: true, cpuReclaimThresholdPercent: 55 },
          analyzerProposed: { enable: true, cpuReclaimThresholdPercent: 55 },
        },
      ],
    });
    const text = body([koordinator]);
    expect(text).not.toContain('[object Object]');
    expect(text).toContain(
      '- `data.colocation-config`: `{"enable":true,"cpuReclaimThresholdPercent":60}` → `{"enable":true,"cpuReclaimThresholdPercent":55}`',
    );
  });
});
