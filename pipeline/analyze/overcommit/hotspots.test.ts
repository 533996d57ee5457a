/**
 * Hotspots ahead, per pool, from a model folded as a plan folds it: the node's own view where an
 * exporter reports, the sum of its containers where none does. Windows read off the series.
 */
import { container, deployment, modelOf, pod, replicaSet } from '../../testing/model-fixtures.js';
import { series, windowOf, withUsage } from '../../testing/usage-fixtures.js';
import type { KubeObject } from '../../collect/types.js';
import type { NodeUsageSeries } from '../../collect/node-usage/types.js';
import { buildPools } from './pools.js';
import { poolHotspots } from './hotspots.js';
import { HOTSPOT_DEFAULTS } from './args.js';

const END = 1_800_000_000 - (1_800_000_000 % 86400);

function poolNode(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'node-pool': 'p', 'kubernetes.io/hostname': `${name}.example` } },
    spec: {},
    status: {
      capacity: { cpu: '8', memory: '32Gi' },
      allocatable: { cpu: '7500m', memory: '30Gi' },
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

function webPod(node: string) {
  const containers = [container({ name: 'c', cpu: '1', memory: '1Gi' })];
  const d = deployment(`web-${node}`, 'ns', { replicas: 1, containers });
  const rs = replicaSet(d);
  return [
    d,
    rs,
    pod(
      `web-${node}-7d9f8c6b5-a`,
      'ns',
      { kind: 'ReplicaSet', name: rs.metadata.name },
      { node, containers },
    ),
  ];
}

/**
 * Three 8-core nodes, 14 days. n1: its pod uses 2 cores, but node-exporter sees 7 (87.5 %) at
 * 09:00–11:00 UTC every day — load outside the containers. n2: no exporter; its pod uses 7 cores
 * at 14:00–15:00 UTC. n3: 2 cores all day, never hot.
 */
function scene() {
  const w = windowOf(END, 14);
  const hour = (t: number) => Math.floor((t % 86400) / 3600);
  const objects = [poolNode('n1'), poolNode('n2'), poolNode('n3')];
  for (const n of ['n1', 'n2', 'n3']) objects.push(...webPod(n));
  const ref = (n: string) => ({ namespace: 'ns', pod: `web-${n}-7d9f8c6b5-a`, container: 'c' });
  const list = [
    series(w, ref('n1'), { cpu: () => 2, mem: () => 2 ** 30 }),
    series(w, ref('n2'), { cpu: (t) => (hour(t) === 14 ? 7 : 2), mem: () => 2 ** 30 }),
    series(w, ref('n3'), { cpu: () => 2, mem: () => 2 ** 30 }),
  ];
  const slots = (w.end - w.start) / w.step;
  const cpu = new Float32Array(slots);
  const memory = new Float32Array(slots).fill(4 * 2 ** 30);
  for (let i = 0; i < slots; i++) {
    const h = hour(w.start + i * w.step);
    cpu[i] = h === 9 || h === 10 ? 7 : 2.5;
  }
  const exporter: NodeUsageSeries = { node: 'n1', kind: 'node-exporter', cpu, memory };
  return withUsage(modelOf(objects, END), w, list, [], { series: [exporter] });
}

describe('poolHotspots', () => {
  it('forecasts from the node view where there is one, from the containers where not; proposes reclaim and affinity', () => {
    const model = scene();
    const { pools } = buildPools(model, 'node-pool', {
      percentile: 0.95,
      margin: 0.1,
      cpu: { threshold: 0.65, policy: 'usage' },
      memory: { threshold: 0.7, policy: 'maxUsageRequest' },
    });
    const [p] = poolHotspots(model, pools, HOTSPOT_DEFAULTS, 'UTC', () => 55);
    expect(p!.pool).toBe('p');
    expect(p!.hot.map((h) => [h.node, h.windows])).toEqual([
      ['n1', ['08:30 (hot from 09:00) to 11:00, every day (UTC)']],
      ['n2', ['13:30 (hot from 14:00) to 15:00, every day (UTC)']],
    ]);
    // 7 of 8 cores: the peak is 0.875; hot on all 7 recent days.
    expect(p!.hot[0]!.forecast.windows[0]).toMatchObject({ share: 1, peak: 0.875 });
    expect(p!.quiet).toEqual({ 'never hot': 1 });
    // 55 % − the 20-point step = 35 %.
    expect(p!.reclaim).toEqual({ resource: 'cpu', percent: 55, lowered: 35 });
    expect(p!.batchAntiAffinity!.preferredDuringSchedulingIgnoredDuringExecution[0]!.preference).toEqual({
      matchExpressions: [
        { key: 'kubernetes.io/hostname', operator: 'NotIn', values: ['n1.example', 'n2.example'] },
      ],
    });
  });

  it('never lowers reclaim under the floor, nor raises one already under it', () => {
    const model = scene();
    const { pools } = buildPools(model, 'node-pool', {
      percentile: 0.95,
      margin: 0.1,
      cpu: { threshold: 0.65, policy: 'usage' },
      memory: { threshold: 0.7, policy: 'maxUsageRequest' },
    });
    expect(poolHotspots(model, pools, HOTSPOT_DEFAULTS, 'UTC', () => 25)[0]!.reclaim!.lowered).toBe(10);
    expect(poolHotspots(model, pools, HOTSPOT_DEFAULTS, 'UTC', () => 5)[0]!.reclaim!.lowered).toBe(5);
  });

  it('reports no pool when no node runs hot at a regular time', () => {
    const model = scene();
    const { pools } = buildPools(model, 'node-pool', {
      percentile: 0.95,
      margin: 0.1,
      cpu: { threshold: 0.65, policy: 'usage' },
      memory: { threshold: 0.7, policy: 'maxUsageRequest' },
    });
    // Hot from 90 %: 7 of 8 cores is not.
    expect(poolHotspots(model, pools, { ...HOTSPOT_DEFAULTS, threshold: 0.9 }, 'UTC', () => 55)).toEqual([]);
  });
});
