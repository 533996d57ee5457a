import { overcommitSection } from './overcommit.js';
import type { PlanClusterJson } from '../../plan/plan-document.js';

const GiB = 2 ** 30;

/**
 * One pool: 2 nodes of 16 cores / 64 GiB (31 cores and 124 GiB allocatable). CPU: the high tier's
 * containers use 6 cores at P95 and node-exporter sees 1.3 more (system 1.3 > the 1 reserved), so
 * the high tier holds 7.3; usable 32 × 0.65 − 3.2 = 17.6; headroom 10.3. The ratio may take half
 * (5.15 → raw 1.166): ×1.0 → ×1.1 lends 3.1; reclaim keeps 7.2 (22.5 % → 22 % = 7.04). Memory, no
 * exporter: 50 GiB requested (held as max(use, request)) + 4 reserved = 54; usable 89.6 − 12.8 =
 * 76.8; headroom 22.8; ×1.09 lends 11.16; reclaim 11.64 (9 % = 11.52).
 */
const pool = {
  pool: 'big',
  nodes: 2,
  cpu: {
    capacity: 32000,
    allocatable: 31000,
    reserved: 1000,
    requests: { high: 10000, mid: 0, batch: 0 },
    highContainers: 6000,
    system: 1300,
    held: 7300,
    heldWithMid: 7300,
    midUse: 0,
    batchUse: 0,
    margin: 3200,
    usable: 17600,
    headroom: 10300,
    batchHeadroom: 10300,
    basis: 'series',
    nodeView: {
      nodes: 2,
      kinds: { 'node-exporter': 2 },
      node: 8300,
      containers: 6000,
      differenceMean: 1100,
      differenceP: 1300,
    },
    amplificationBudget: 5150,
    rawRatio: 1.166,
    ratio: 1.1,
    change: 'step',
    amplified: 3100,
    reclaim: 7200,
    midMay: 7200,
    batchMay: 7200,
    midPercent: 22,
    batchPercent: 22,
    midCap: 7040,
    batchCap: 7040,
    reclaimPercent: 55,
    fallsBackAt: 17600,
    lowersAbove: 11400,
    current: 1,
    maxRatio: 2,
    threshold: 0.65,
    policy: 'usage',
  },
  memory: {
    capacity: 128 * GiB,
    allocatable: 124 * GiB,
    reserved: 4 * GiB,
    requests: { high: 50 * GiB, mid: 0, batch: 0 },
    highContainers: 50 * GiB,
    system: 4 * GiB,
    held: 54 * GiB,
    heldWithMid: 54 * GiB,
    midUse: 0,
    batchUse: 0,
    margin: 12.8 * GiB,
    usable: 76.8 * GiB,
    headroom: 22.8 * GiB,
    batchHeadroom: 22.8 * GiB,
    basis: 'series',
    amplificationBudget: 11.4 * GiB,
    rawRatio: 1.092,
    ratio: 1.09,
    change: 'raised',
    amplified: 11.16 * GiB,
    reclaim: 11.64 * GiB,
    midMay: 11.64 * GiB,
    batchMay: 11.64 * GiB,
    midPercent: 9,
    batchPercent: 9,
    midCap: 11.52 * GiB,
    batchCap: 11.52 * GiB,
    reclaimPercent: 60,
    fallsBackAt: 76.8 * GiB,
    lowersAbove: 54.48 * GiB,
    current: 1,
    maxRatio: 1.2,
    threshold: 0.7,
    policy: 'maxUsageRequest',
  },
};

const cluster = (details: object, status = 'rendered'): PlanClusterJson[] =>
  [
    {
      recommendations: [
        {
          analyzer: 'overcommit',
          workload: 'ConfigMap/koordinator-system/slo-controller-config',
          render: { status },
          evidence: { why: 'Lendable capacity per pool …' },
          details,
        },
      ],
    },
  ] as unknown as PlanClusterJson[];

const koordinator = { form: 'koordinator', margin: 0.1, raiseStep: 0.05, percentile: 0.95, pools: [pool] };

describe('render/pr-body/overcommit', () => {
  it('shows the stack per pool: high tier with the system, mid, amplification, batch, margin', () => {
    const lines = overcommitSection(cluster(koordinator));
    expect(lines).toContain('| CPU (cores) | 32 | 17.6 | 7.3 (1.3) | 0 | 3.1 | 7.2 | 0 | 3.2 |');
    // 76.8 − 54 − 11.16 − 11.64 = 0 (summed in floating point, shown as 0, not "over")
    expect(lines).toContain('| memory (GiB) | 128 | 76.8 | 54 (4) | 0 | 11.2 | 11.6 | 0 | 12.8 |');
    expect(lines.join('\n')).toContain('the ratio takes at most 50% of it');
  });

  it('shows what each tier may take, with the percents written and what they cap', () => {
    const lines = overcommitSection(cluster(koordinator));
    expect(lines).toContain(
      '| CPU (cores) | 10.3 | ×1 → **×1.1** (step, ceiling ×2): 3.1 | 7.2 → **22%** (7.04) | 7.2 → **22%** (7.04) | 10 / 0 / 0 |',
    );
    expect(lines).toContain(
      '| memory (GiB) | 22.8 | ×1 → **×1.09** (raised, ceiling ×1.2): 11.2 | 11.6 → **9%** (11.5) | 11.6 → **9%** (11.5) | 50 / 0 / 0 |',
    );
    // Koordinator gets the threshold less the margin: 65 − 10 = 55 and 70 − 10 = 60, as in the diff.
    expect(lines).toContain(
      'Margin kept free: 10% of capacity. Reclaim threshold: CPU 65% (written as 55%, the 10% margin taken off), memory 70% (written as 60%, the 10% margin taken off).',
    );
  });

  it('compares the node view with the containers where an exporter reported, and says so where none did', () => {
    const lines = overcommitSection(cluster(koordinator));
    expect(lines).toContain(
      '- CPU (node-exporter on 2 of 2 node(s)): the nodes see 8.3 cores at P95 where their containers sum to 6; the difference — system, kubelet, runtime, pods gone since — averages 1.1 cores (P95 1.3).',
    );
    expect(lines).toContain(
      '- memory: no node exporter reported; the system is counted at its reservation (capacity − allocatable), 4 GiB.',
    );
  });

  it('charts the same figures, and says when a ratio is lowered and when it falls back', () => {
    const lines = overcommitSection(cluster(koordinator));
    const text = lines.join('\n');
    const charts = [...text.matchAll(/```mermaid\nxychart-beta\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(charts).toHaveLength(2);
    expect(charts[0]).toContain('title "big: CPU (cores)"');
    expect(charts[0]).toContain(
      'x-axis ["capacity", "usable", "high tier holds", "mid tier uses", "amplification lends", "batch may take", "mid may take", "margin"]',
    );
    expect(charts[0]).toContain('bar [32, 17.6, 7.3, 0, 3.1, 7.2, 7.2, 3.2]');
    expect(charts[1]).toContain('bar [128, 76.8, 54, 0, 11.2, 11.6, 11.6, 12.8]');
    expect(lines).toContain(
      "- CPU: the next run lowers ×1.1 once what the high tier holds (P95 of its use with the system's) exceeds 11.4 cores (now 7.3); at 17.6 cores nothing is lent and the ratio falls back to ×1.0.",
    );
    expect(lines).toContain(
      "- memory: the next run lowers ×1.09 once what the high tier holds (P95 of max(use, request) with the system's) exceeds 54.5 GiB (now 54); at 76.8 GiB nothing is lent and the ratio falls back to ×1.0.",
    );
    // the raise step is the configured one, not a constant
    expect(text).toMatch(/Ratios rise at most 0\.05 per run/);
    expect(text).not.toMatch(/0\.1 per run/);
  });

  it('says only when a pool at ×1.0 falls back, and shows nothing for an unrendered plan', () => {
    const flat = {
      ...koordinator,
      pools: [{ ...pool, cpu: { ...pool.cpu, ratio: 1, change: 'unchanged', lowersAbove: undefined } }],
    };
    const cpuLine = overcommitSection(cluster(flat)).find((l) => l.startsWith('- CPU:'));
    expect(cpuLine).toBe('- CPU: at 17.6 cores nothing is lent and the ratio falls back to ×1.0.');
    expect(overcommitSection(cluster(koordinator, 'skipped'))).toEqual([]);
  });

  it('lists compression per tier with use and floor, and the cluster percentages', () => {
    const lines = overcommitSection(
      cluster({
        form: 'openshift',
        tierLabel: 'example.com/tier',
        tiers: [
          {
            tier: 'example.com/tier=gold',
            workloads: 2,
            cpuPercent: 50,
            cpuUsagePercent: 31,
            cpuFloorPercent: 50,
            memoryPercent: 51,
            memoryUsagePercent: 51,
            memoryFloorPercent: 7,
            excludedOom: ['Deployment/shop/leaky'],
          },
        ],
        cpuPercent: 50,
        memoryPercent: 51,
        memory: 'left unset (OOM kills in the window)',
        optedInNamespaces: ['shop'],
      }),
    );
    expect(lines).toContain(
      '| example.com/tier=gold | 2 | 50 (31 / 50) | 51 (51 / 7) | Deployment/shop/leaky |',
    );
    expect(lines.join('\n')).toContain('Cluster: CPU 50%, memory left unset (OOM kills in the window).');
    expect(lines.join('\n')).toContain('| tier (`example.com/tier` label, else QoS class) |');
  });
});

describe('render/pr-body/overcommit hotspots ahead', () => {
  const hotspots = [
    {
      pool: 'big',
      hot: [
        {
          node: 'n1',
          forecast: {
            method: 'cycle',
            cycle: 'daily',
            acf: 0.81,
            timezone: 'UTC',
            days: 7,
            windows: [
              {
                label: 'every day',
                days: [1, 2, 3, 4, 5, 6, 7],
                from: 510,
                hotFrom: 540,
                to: 660,
                share: 0.857,
                peak: 0.91,
              },
            ],
          },
          windows: ['08:30 (hot from 09:00) to 11:00, every day (UTC)'],
        },
      ],
      quiet: { 'never hot': 3 },
      reclaim: { resource: 'cpu', percent: 55, lowered: 35 },
      batchAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            preference: {
              matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'NotIn', values: ['n1'] }],
            },
          },
        ],
      },
    },
  ];

  it('lists the nodes forecast hot at recurring hours, their windows, and both proposals for the hours before', () => {
    const text = overcommitSection(cluster({ ...koordinator, hotspots })).join('\n');
    expect(text).toContain(
      'Pool `big`: 1 node(s) forecast to run hot at recurring hours (the others: 3 never hot).',
    );
    expect(text).toContain(
      '| `n1` | a daily cycle (autocorrelation 0.81) | 08:30 (hot from 09:00) to 11:00, every day (UTC) | 86% of 7 days | 91% |',
    );
    expect(text).toContain('lower `cpuReclaimThresholdPercent` for pool `big` from 55% to 35%');
    expect(text).toContain(
      '      - weight: 100\n        preference:\n          matchExpressions:\n            - key: kubernetes.io/hostname\n              operator: NotIn\n              values: [n1]',
    );
  });

  it('says a vote forecast (the default) by its days, not by a cycle it did not test', () => {
    const vote = [
      {
        ...hotspots[0]!,
        hot: [
          {
            ...hotspots[0]!.hot[0]!,
            forecast: { ...hotspots[0]!.hot[0]!.forecast, method: 'recurrent', days: 5 },
          },
        ],
      },
    ];
    const text = overcommitSection(cluster({ ...koordinator, hotspots: vote })).join('\n');
    expect(text).toContain(
      '| `n1` | the same hours on recent days (last 5 days) | 08:30 (hot from 09:00) to 11:00, every day (UTC) | 86% of 5 days | 91% |',
    );
  });

  it('has no hotspot part when no node runs hot at recurring hours', () => {
    expect(overcommitSection(cluster(koordinator)).join('\n')).not.toContain('Hotspots ahead');
  });
});
