import { overcommitSection } from './overcommit.js';
import type { PlanClusterJson } from '../../plan/plan-document.js';

const GiB = 2 ** 30;

/**
 * One pool, the figures of pools.test.ts: CPU 32 cores (31 allocatable), higher tiers request 10
 * and use 6, batch requests 2; 10 % margin 3.2; lendable 20.8 − 6 − 1 − 3.2 = 10.6. Memory 128 GiB
 * (124), requests 50 (held: memory's policy is max(use, request)), use 30; 89.6 − 50 − 4 − 12.8 =
 * 22.8. Both go ×1.0 → ×1.1. When load rises: lent nothing once held reaches capacity × threshold
 * − reserved − margin (CPU 16.6, memory 72.8); ×1.1 is lowered once held passes that − 0.1 ×
 * allocatable (CPU 13.5, memory 60.4).
 */
const pool = {
  pool: 'big',
  nodes: 2,
  cpu: {
    capacity: 32000,
    allocatable: 31000,
    reserved: 1000,
    hpUsage: 6000,
    hpRequests: 10000,
    hpMaxUsageRequest: 10000,
    beRequests: 2000,
    held: 6000,
    margin: 3200,
    available: 10600,
    rawRatio: 1.342,
    fallsBackAt: 16600,
    lowersAbove: 13500,
    current: 1,
    ratio: 1.1,
    change: 'step',
    maxRatio: 2,
    threshold: 0.65,
    reclaimPercent: 55,
    policy: 'usage',
  },
  memory: {
    capacity: 128 * GiB,
    allocatable: 124 * GiB,
    reserved: 4 * GiB,
    hpUsage: 30 * GiB,
    hpRequests: 50 * GiB,
    hpMaxUsageRequest: 50 * GiB,
    beRequests: 0,
    held: 50 * GiB,
    margin: 12.8 * GiB,
    available: 22.8 * GiB,
    rawRatio: 1.184,
    fallsBackAt: 72.8 * GiB,
    lowersAbove: 60.4 * GiB,
    current: 1,
    ratio: 1.1,
    change: 'step',
    maxRatio: 1.2,
    threshold: 0.7,
    reclaimPercent: 60,
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
  it('charts CPU and memory use against capacity and allocation, per pool', () => {
    const text = overcommitSection(cluster(koordinator)).join('\n');
    const charts = [...text.matchAll(/```mermaid\nxychart-beta\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(charts).toHaveLength(2);
    const xAxis =
      'x-axis ["capacity", "allocatable", "allocated", "higher tiers use", "held", "margin", "lendable", "schedulable at x1.1"]';
    expect(charts[0]).toContain('title "big: CPU (cores)"');
    expect(charts[0]).toContain(xAxis);
    // allocated = higher tiers' 10 + batch 2; schedulable = 31 × 1.1
    expect(charts[0]).toContain('bar [32, 31, 12, 6, 6, 3.2, 10.6, 34.1]');
    expect(charts[1]).toContain('title "big: memory (GiB)"');
    expect(charts[1]).toContain('bar [128, 124, 50, 30, 50, 12.8, 22.8, 136.4]');
  });

  it('shows each ratio with its ceiling, the margin, and when it falls back as load rises', () => {
    const lines = overcommitSection(cluster(koordinator));
    // Koordinator gets the threshold less the margin: 65 − 10 = 55 and 70 − 10 = 60, as in the diff.
    expect(lines).toContain(
      'Margin kept free: 10% of capacity. Reclaim threshold: CPU 65% (written as 55%, the 10% margin taken off), memory 70% (written as 60%, the 10% margin taken off).',
    );
    expect(lines).toContain(
      '| CPU (cores) | 32 | 31 | 12 (38.7%) | 6 (18.8%) | 6 | 3.2 | 10.6 | ×1 → **×1.1** (step) | ×2 |',
    );
    expect(lines).toContain(
      '| memory (GiB) | 128 | 124 | 50 (40.3%) | 30 (23.4%) | 50 | 12.8 | 22.8 | ×1 → **×1.1** (step) | ×1.2 |',
    );
    expect(lines).toContain(
      '- CPU: the next run lowers ×1.1 once what the higher tiers hold (P95 use) exceeds 13.5 cores (now 6); at 16.6 cores nothing is lent and the ratio falls back to ×1.0.',
    );
    expect(lines).toContain(
      '- memory: the next run lowers ×1.1 once what the higher tiers hold (max(P95 use, request) per pod) exceeds 60.4 GiB (now 50); at 72.8 GiB nothing is lent and the ratio falls back to ×1.0.',
    );
    // the raise step is the configured one, not a constant
    expect(lines.join('\n')).toMatch(/Ratios rise at most 0\.05 per run/);
    expect(lines.join('\n')).not.toMatch(/0\.1 per run/);
  });

  it('says only when a pool at ×1.0 falls back, and shows nothing for an unrendered plan', () => {
    const flat = {
      ...koordinator,
      pools: [{ ...pool, cpu: { ...pool.cpu, ratio: 1, change: 'unchanged' } }],
    };
    const cpuLine = overcommitSection(cluster(flat)).find((l) => l.startsWith('- CPU:'));
    expect(cpuLine).toBe('- CPU: at 16.6 cores nothing is lent and the ratio falls back to ×1.0.');
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
