/**
 * The PR body's layout: the summary a reviewer decides on comes first, tables hold no raw JSON,
 * the detail is collapsed, the body keeps to its budget, and the scale-down report appears only
 * where a pool changes.
 */
import type { PlanClusterJson, PlanRecommendationJson } from '../../plan/plan-document.js';
import { renderPrBody } from './pr-body.js';

const START = 1_793_923_200; // 2026-11-06T00:00:00Z
const END = START + 14 * 86400;
const doc = {
  prices: { cpuCoreHour: 0.031, memoryGiBHour: 0.0042, currency: 'USD' },
  tidemarkVersion: 'test',
};
const container = (c: string, r: string) =>
  `spec.template.spec.containers[name=${c}].resources.requests.${r}`;

function rec(
  o: Partial<PlanRecommendationJson> & Pick<PlanRecommendationJson, 'workload' | 'fields'>,
): PlanRecommendationJson {
  return {
    id: `${o.analyzer ?? 'rightsize'}:${o.workload}:${o.subject ?? 'x'}`,
    analyzer: 'rightsize',
    subject: 'container cart',
    decision: 'accepted',
    outcomes: [],
    risk: 'low',
    evidence: { window: { start: START, end: END }, samples: 4032, ooms: 0, why: 'fits' },
    savings: { cpu: 0, memory: 0, total: 0, cores: 0, bytes: 0 },
    render: { status: 'rendered', files: ['x.yaml'] },
    ...o,
  } as PlanRecommendationJson;
}

/**
 * cart: CPU 1 → 800m on 2 replicas frees 0.4 cores = 0.4 × 0.031 × 730 = $9.052/month; memory
 * 2Gi → 1639Mi (409Mi × 2 = 818Mi = 0.79883 GiB) = 0.79883 × 0.0042 × 730 = $2.449/month.
 */
const cart = rec({
  workload: 'Deployment/shop/cart',
  decision: 'clamped',
  outcomes: [
    {
      policy: 'defaults',
      rule: 'max-decrease',
      decision: 'clamped',
      reason: 'at most 20% lower per 7 days',
      field: 'cart cpu request',
    },
  ] as PlanRecommendationJson['outcomes'],
  fields: [
    { object: 'Deployment/shop/cart', path: container('cart', 'cpu'), current: '1', proposed: '800m' },
    { object: 'Deployment/shop/cart', path: container('cart', 'memory'), current: '2Gi', proposed: '1639Mi' },
  ],
  savings: { cpu: 9.052, memory: 2.449, total: 11.501, cores: 0.4, bytes: 818 * 2 ** 20 },
});

const json = (cpu: number) =>
  JSON.stringify({
    enable: true,
    nodeConfigs: [
      {
        name: 'general',
        nodeSelector: { matchLabels: { 'node-pool': 'general' } },
        cpuReclaimThresholdPercent: cpu,
      },
    ],
  });
const slo = rec({
  analyzer: 'overcommit',
  workload: 'ConfigMap/koordinator-system/slo-controller-config',
  subject: 'overcommit for 1 pool(s)',
  risk: 'medium',
  fields: [
    {
      object: 'ConfigMap/koordinator-system/slo-controller-config',
      path: 'data.colocation-config',
      current: json(60),
      proposed: json(55),
    },
  ],
  details: { form: 'other' },
});

const pool = rec({
  analyzer: 'scaledown',
  workload: 'NodePool//general',
  subject: 'limits',
  risk: 'medium',
  fields: [{ object: 'NodePool//general', path: 'spec.limits.cpu', current: '64', proposed: '48' }],
});

const report = {
  analyzer: 'scaledown',
  data: {
    threshold: 0.5,
    candidateUtilization: 0.5,
    workloads: [],
    freed: { nodes: 1, cpu: 16000, memory: 64 * 2 ** 30 },
    nodes: [
      {
        node: 'node-3',
        pool: 'general',
        score: 2.5,
        factors: [],
        requestedShare: 0.04,
        status: 'candidate',
        reason: 'fits',
        order: 1,
        moves: [],
        pods: [],
      },
    ],
  },
};

function cluster(recommendations: PlanRecommendationJson[]): PlanClusterJson {
  return {
    name: 'demo',
    at: '2026-11-20T00:00:00Z',
    window: { start: '2026-11-06T00:00:00.000Z', end: '2026-11-20T00:00:00.000Z', step: 300 },
    recommendations,
    skipped: [],
    changes: [],
    summary: {} as PlanClusterJson['summary'],
    sources: { metrics: { queries: 0, series: 0, samples: 0, bytes: 0 } },
    reports: [report],
  } as unknown as PlanClusterJson;
}

describe('render/pr-body/pr-body', () => {
  it('opens with what changes, what it saves and what the risk is, before any table', () => {
    const body = renderPrBody(doc, [cluster([cart])]);
    const lines = body.split('\n');
    expect(lines.slice(0, 9)).toEqual([
      '## Tidemark: right-sizing for `demo`',
      '',
      '**What changes:**',
      '',
      '- `Deployment/shop/cart`, container cart: cpu request 1 → 800m, memory request 2Gi → 1639Mi',
      '',
      '**What it saves:** saves $11.50/month (CPU $9.05, memory $2.45; 0.40 cores, 818Mi requested).',
      '',
      '**Risk: low.** 1 change(s) held back by policy, which the next run may continue: see *Risks* below.',
    ]);
    expect(body.indexOf('**What changes:**')).toBeLessThan(body.indexOf('| Workload |'));
  });

  it('summarises a structured value in the table, never raw JSON in a cell', () => {
    const body = renderPrBody(doc, [cluster([slo])]);
    const cells = body.split('\n').filter((l) => l.startsWith('| configmap/'));
    expect(cells).toHaveLength(1);
    expect(cells[0]).toContain('`nodeConfigs[general].cpuReclaimThresholdPercent` 60 → 55');
    expect(body.split('\n').filter((l) => l.startsWith('|') && /[{[]"/.test(l))).toEqual([]);
    expect(body).toContain('**Risk: medium**, as the overcommit analyzer rates this kind of change');
    expect(body).toContain('**What it saves:** no cost change: no request changes.');
  });

  it('shows the scale-down report only in a body that changes a pool, collapsed', () => {
    expect(renderPrBody(doc, [cluster([cart])])).not.toContain('Scale-down');
    const withPool = renderPrBody(doc, [cluster([pool])]);
    expect(withPool).toContain('<details><summary><b>Scale-down (<code>demo</code>)</b></summary>');
    expect(withPool).not.toContain('### Scale-down');
    expect(withPool).toContain('| 1 | `node-3` | general | 2.5 | 4 % | 0 | none |');
  });

  it('keeps to 20 KB by default, cutting evidence first with a pointer to plan.json', () => {
    const many = Array.from({ length: 60 }, (_, i) =>
      rec({
        workload: `Deployment/shop/w${i}`,
        subject: `container w${i}`,
        evidence: {
          window: { start: START, end: END },
          samples: 4032,
          ooms: 0,
          why: `w${i}: ${'a long explanation of the numbers '.repeat(4)}`,
        },
        fields: [
          {
            object: `Deployment/shop/w${i}`,
            path: container(`w${i}`, 'cpu'),
            current: '1',
            proposed: '500m',
          },
        ],
      }),
    );
    const body = renderPrBody(doc, [cluster(many)], { footerMarker: '<!-- tidemark:v1 abc -->' });
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(20_000);
    expect(body).toMatch(
      /_\d+ more evidence block\(s\) omitted to keep this body under 20 KB; see `plan.json`._/,
    );
    expect(body).toContain('- and 52 more workload(s), in the tables below');
    expect(body.trimEnd().endsWith('<!-- tidemark:v1 abc -->')).toBe(true);
  });
});
