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

/**
 * A fleet for the cost report, every figure chosen by hand (expected values in
 * pipeline/report/model/build.test.ts and pipeline/report/report.browser.test.ts):
 * prices 0.05 per core-hour and 0.01 per GiB-hour, so a core costs 36.5 and a GiB 7.3 a month.
 *
 *   prod (now, T):      shop/web       3 × (1 core, 2 GiB)   team storefront, right-size → 600m, 1536Mi (low risk)
 *                       shop/checkout  2 × (2 cores, 4 GiB)  core, 2 OOM kills, right-size → 1 core (low risk)
 *                       batch/etl      1 × (4 cores, 8 GiB)  team data, 1 day at its CPU limit
 *                       nodes: 2, $800 a month
 *   prod (T − 31 days): web at 1.2 cores (right-size → 1), nodes $900
 *   staging (T − 1 d):  shop/web       1 × (0.5 core, 1 GiB) right-size memory → 512Mi (medium risk and confidence)
 *                       nodes: 1, $100 a month; the same 40 days before
 */
export const FLEET_PRICES = { cpuCoreHour: 0.05, memoryGiBHour: 0.01, currency: 'USD' };
export const FLEET_NOW = Date.parse('2026-11-20T00:00:00Z') / 1000;
const DAY = 86400;
const GiB = 2 ** 30;

export interface InvWorkloadOpts {
  workload: string;
  replicas: number;
  cpu: number;
  memoryGiB: number;
  team?: string;
  core?: string;
  usage?: { cpuP95: number; cpuPeak: number; memoryGiBP95: number; memoryGiBPeak: number };
  ooms?: number;
  throttledDays?: number;
  /** A usage series: 168 two-hour points ending at `end`. */
  series?: { end: number; cpu: (i: number) => number; memoryGiB: (i: number) => number };
}

export function inventoryWorkload(
  o: InvWorkloadOpts,
): NonNullable<PlanClusterJson['inventory']>['workloads'][number] {
  const container = o.workload.split('/')[2]!;
  return {
    workload: o.workload,
    ...(o.team ? { team: o.team } : {}),
    ...(o.core ? { core: o.core } : {}),
    replicas: o.replicas,
    requests: { cpuCores: o.cpu, memoryBytes: o.memoryGiB * GiB },
    containers: [{ name: container, cpuCores: o.cpu, memoryBytes: o.memoryGiB * GiB }],
    ...(o.usage
      ? {
          usage: {
            cpuCoresP95: o.usage.cpuP95,
            cpuCoresPeak: o.usage.cpuPeak,
            memoryBytesP95: o.usage.memoryGiBP95 * GiB,
            memoryBytesPeak: o.usage.memoryGiBPeak * GiB,
            days: 14,
          },
        }
      : {}),
    ooms: o.ooms ?? 0,
    restarts: 0,
    throttledDays: o.throttledDays ?? 0,
    ...(o.series ? { series: encodeSeries(o.series, o.replicas) } : {}),
  };
}

function encodeSeries(
  s: NonNullable<InvWorkloadOpts['series']>,
  replicas: number,
): NonNullable<NonNullable<PlanClusterJson['inventory']>['workloads'][number]['series']> {
  const n = 168;
  const cpu = Array.from({ length: n }, (_, i) => s.cpu(i));
  const mem = Array.from({ length: n }, (_, i) => s.memoryGiB(i) * GiB);
  const top = (a: number[]): number => Math.max(...a);
  const enc = (a: number[], max: number): string =>
    Buffer.from(a.map((v) => Math.round((v / max) * 254))).toString('base64');
  return {
    start: s.end - 14 * DAY,
    step: 7200,
    cpuCoresMax: top(cpu),
    memoryBytesMax: top(mem),
    podsMax: replicas,
    cpu: enc(cpu, top(cpu)),
    memory: enc(mem, top(mem)),
    pods: enc(Array(n).fill(replicas), replicas),
  };
}

function fleetCluster(
  name: string,
  at: number,
  recs: PlanRecommendationJson[],
  workloads: InvWorkloadOpts[],
  nodes: { count: number; monthly: number },
): PlanClusterJson {
  const c = cluster(name, recs);
  return {
    ...c,
    at: new Date(at * 1000).toISOString(),
    window: {
      start: new Date((at - 14 * DAY) * 1000).toISOString(),
      end: new Date(at * 1000).toISOString(),
      step: 300,
    },
    changes: recs
      .filter((r) => r.render.status === 'rendered')
      .map((r) => ({
        workload: r.workload,
        files: [`clusters/${name}/${r.workload.split('/')[1]}/x.yaml`],
        fields: r.fields.length,
        objects: 0,
      })),
    inventory: {
      prices: { source: 'config', currency: 'USD', cpuCoreHour: 0.05, memoryGiBHour: 0.01 },
      nodes: {
        count: nodes.count,
        spot: 0,
        cpuCores: 8 * nodes.count,
        memoryBytes: 32 * GiB * nodes.count,
        monthly: nodes.monthly,
      },
      workloads: workloads.map(inventoryWorkload),
    },
  };
}

const render = (cluster: string, ns: string): PlanRecommendationJson['render'] => ({
  status: 'rendered',
  files: [`clusters/${cluster}/${ns}/x.yaml`],
});

/** The fleet's plan documents: prod now and a period ago, staging now and 40 days before. */
export function fleetPlans(): { name: string; doc: PlanDocument }[] {
  const T = FLEET_NOW;
  const webSeries = {
    end: T,
    cpu: (i: number) => 1.2 + 0.6 * Math.sin((i / 12) * Math.PI),
    memoryGiB: () => 3,
  };
  const prodNow = fleetCluster(
    'prod',
    T,
    [
      rec({
        workload: 'Deployment/shop/web',
        subject: 'container web',
        fields: [
          { path: resourcePath('web', 'requests', 'cpu'), current: '1', proposed: '600m' },
          { path: resourcePath('web', 'requests', 'memory'), current: '2Gi', proposed: '1536Mi' },
        ],
        // 0.4 cores × 3 × 36.5 = 43.8; 0.5 GiB × 3 × 7.3 = 10.95
        savings: { cpu: 43.8, memory: 10.95, cores: 1.2, bytes: 1.5 * GiB },
        risk: 'low',
        render: render('prod', 'shop'),
      }),
      rec({
        workload: 'Deployment/shop/checkout',
        subject: 'container checkout',
        fields: [{ path: resourcePath('checkout', 'requests', 'cpu'), current: '2', proposed: '1' }],
        // 1 core × 2 × 36.5
        savings: { cpu: 73, cores: 2 },
        risk: 'low',
        render: render('prod', 'shop'),
      }),
    ],
    [
      {
        workload: 'Deployment/shop/web',
        replicas: 3,
        cpu: 1,
        memoryGiB: 2,
        team: 'storefront',
        usage: { cpuP95: 1.5, cpuPeak: 1.8, memoryGiBP95: 3, memoryGiBPeak: 3 },
        series: webSeries,
      },
      {
        workload: 'Deployment/shop/checkout',
        replicas: 2,
        cpu: 2,
        memoryGiB: 4,
        team: 'storefront',
        core: 'annotation tidemark.io/core=true',
        usage: { cpuP95: 2.5, cpuPeak: 3, memoryGiBP95: 6, memoryGiBPeak: 7 },
        ooms: 2,
      },
      {
        workload: 'Deployment/batch/etl',
        replicas: 1,
        cpu: 4,
        memoryGiB: 8,
        team: 'data',
        usage: { cpuP95: 1.2, cpuPeak: 3.9, memoryGiBP95: 8, memoryGiBPeak: 8 },
        throttledDays: 1,
      },
    ],
    { count: 2, monthly: 800 },
  );
  const prodBefore = fleetCluster(
    'prod',
    T - 31 * DAY,
    [
      rec({
        workload: 'Deployment/shop/web',
        subject: 'container web',
        fields: [{ path: resourcePath('web', 'requests', 'cpu'), current: '1200m', proposed: '1' }],
        // 0.2 × 3 × 36.5
        savings: { cpu: 21.9, cores: 0.6 },
        render: render('prod', 'shop'),
      }),
    ],
    [
      { workload: 'Deployment/shop/web', replicas: 3, cpu: 1.2, memoryGiB: 2, team: 'storefront' },
      {
        workload: 'Deployment/shop/checkout',
        replicas: 2,
        cpu: 2,
        memoryGiB: 4,
        team: 'storefront',
        core: 'annotation tidemark.io/core=true',
      },
      { workload: 'Deployment/batch/etl', replicas: 1, cpu: 4, memoryGiB: 8, team: 'data' },
    ],
    { count: 2, monthly: 900 },
  );
  const stagingWeb = {
    workload: 'Deployment/shop/web',
    replicas: 1,
    cpu: 0.5,
    memoryGiB: 1,
    team: 'storefront',
  };
  const stagingNow = fleetCluster(
    'staging',
    T - DAY,
    [
      rec({
        workload: 'Deployment/shop/web',
        subject: 'container web',
        fields: [{ path: resourcePath('web', 'requests', 'memory'), current: '1Gi', proposed: '512Mi' }],
        // 0.5 GiB × 1 × 7.3
        savings: { memory: 3.65, bytes: 0.5 * GiB },
        risk: 'medium',
        render: render('staging', 'shop'),
      }),
    ],
    [stagingWeb],
    { count: 1, monthly: 100 },
  );
  stagingNow.recommendations[0]!.evidence.confidence = { days: 4, level: 'medium' };
  const stagingBefore = fleetCluster('staging', T - 41 * DAY, [], [stagingWeb], { count: 1, monthly: 100 });
  for (const c of [prodNow, prodBefore, stagingNow])
    for (const r of c.recommendations) r.evidence.confidence ??= { days: 14, level: 'high' };
  const doc = (c: PlanClusterJson): PlanDocument =>
    planDocument([c], {
      prices: FLEET_PRICES,
      generatedAt: new Date((Date.parse(c.at) / 1000 + 600) * 1000).toISOString(),
    });
  return [
    { name: 'prod-now', doc: doc(prodNow) },
    { name: 'prod-before', doc: doc(prodBefore) },
    { name: 'staging-now', doc: doc(stagingNow) },
    { name: 'staging-before', doc: doc(stagingBefore) },
  ];
}

/** Tidemark's commits in the fleet's repository (oldest first): message and committer time. */
export function fleetCommits(): { message: string; time: number; file: string }[] {
  const T = FLEET_NOW;
  return [
    {
      // Before the period: not counted.
      message:
        'chore(tidemark): right-size shop/etl\n\nTidemark-Change: Deployment/batch/etl container/etl/requests/cpu 5->4\nTidemark-Policy: defaults\nTidemark-Cluster: prod\n',
      time: T - 45 * DAY,
      file: 'clusters/prod/batch/etl.yaml',
    },
    {
      // Merged, and live now (the newest plan shows 1 core): 0.2 × 3 × 36.5 = 21.9 merged and realised.
      message:
        'chore(tidemark): right-size shop/web cpu 1200m→1\n\nTidemark-Change: Deployment/shop/web container/web/requests/cpu 1200m->1\nTidemark-Policy: defaults\nTidemark-Cluster: prod\n',
      time: T - 10 * DAY,
      file: 'clusters/prod/shop/web.yaml',
    },
    {
      // Merged, not live (the plan still shows 4 GiB); no cluster trailer: only prod has checkout.
      // 1 GiB × 2 × 7.3 = 14.6 merged, 0 realised.
      message:
        'chore(tidemark): right-size shop/checkout memory 4Gi→3Gi\n\nTidemark-Change: Deployment/shop/checkout container/checkout/requests/memory 4Gi->3Gi\nTidemark-Policy: defaults\n',
      time: T - 5 * DAY,
      file: 'clusters/prod/shop/checkout.yaml',
    },
    {
      message:
        'revert(tidemark): #7 after a regression\n\nTidemark-Change: Deployment/shop/checkout revert -->pr-7\nTidemark-Policy: watch\n',
      time: T - 4 * DAY,
      file: 'clusters/prod/shop/checkout.yaml',
    },
    {
      message:
        'chore(tidemark): lift HPA shop/web ceiling (emergency)\n\nsaturated for 3 minutes\n\nTidemark-Guardian-Journal: lift shop/web 10->15\n',
      time: T - 2 * DAY,
      file: 'clusters/prod/shop/web-hpa.yaml',
    },
  ];
}

export const FLEET_PULLS = {
  apiVersion: 'tidemark.io/v1alpha1' as const,
  kind: 'Pulls' as const,
  generatedAt: '2026-11-20T00:10:00.000Z',
  pulls: [
    {
      cluster: 'prod',
      number: 42,
      url: 'https://github.com/acme/gitops/pull/42',
      title: 'chore(tidemark): right-size shop/web (prod)',
      branch: 'tidemark/prod/shop-deployment-web',
      workloads: ['Deployment/shop/web'],
    },
  ],
};

/** A git repository holding the fleet's Tidemark commits at their times (real git). */
export async function fleetRepo(dir: string): Promise<string> {
  const { simpleGit } = await import('simple-git');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { dirname, join } = await import('node:path');
  mkdirSync(dir, { recursive: true });
  await simpleGit(dir).init(['-q', '-b', 'main']);
  let n = 0;
  for (const c of fleetCommits()) {
    mkdirSync(join(dir, dirname(c.file)), { recursive: true });
    writeFileSync(join(dir, c.file), `n: ${n++}\n`);
    const date = new Date(c.time * 1000).toISOString();
    const g = simpleGit({
      baseDir: dir,
      config: ['user.name=tidemark', 'user.email=tidemark@example.com'],
      allowEnvironment: ['GIT_AUTHOR_DATE', 'GIT_COMMITTER_DATE'],
    });
    await g.add('.');
    await g
      .env({
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_DATE: date,
      })
      .commit(c.message);
  }
  return dir;
}
