/**
 * Node usage as the node sees it, against a real Prometheus (Debian's package) backfilled by
 * promtool with node-exporter and the kubelet's cAdvisor root cgroup both present: the Prometheus
 * queries and the file reader must agree interval by interval, pick node-exporter where a node
 * has it and cAdvisor elsewhere, and give the figures the history was written with.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrometheusClient } from '../prometheus/client.js';
import { createPrometheusSource } from '../prometheus/index.js';
import { createOpenMetricsSource } from '../openmetrics/index.js';
import { readPrometheusNodeUsage } from './prometheus.js';
import { readOpenMetricsNodeUsage } from './openmetrics.js';
import { nodeMatcher } from './match.js';
import type { NodeUsageRequest, NodeUsageResult, NodeUsageSeries } from './types.js';
import type { MetricsSource, UsageWindow } from '../types.js';
import { silentLogger } from '../../core/logger.js';
import { backfill, startPrometheus, type PrometheusServer } from '../../testing/prometheus.js';
import { describeWithPrometheus } from '../../testing/prometheus-tier.js';
import {
  writeNodeOpenMetrics,
  type SyntheticNode,
  type SyntheticPodContainer,
} from '../../testing/node-openmetrics.js';
import { SLOW_TEST_MS } from '../../testing/slow.js';
import { modelOf, pod, container } from '../../testing/model-fixtures.js';
import { createNodeFolder } from '../../model/node-usage/fold.js';
import { createUsageFolder } from '../../model/usage/fold.js';
import { buildPools } from '../../analyze/overcommit/pools.js';
import type { KubeObject } from '../types.js';

const STEP = 300;
const END = 1_800_000_000 - (1_800_000_000 % 86400);
const START = END - 2 * 86400;
const GiB = 2 ** 30;
const W: UsageWindow = { start: START, end: END, step: STEP };
const hour = (t: number) => Math.floor((t - START) / 3600) % 24;
/** web on n1: 1 core, 3 at 09–12 h; the batch job 0.5; the node runs 0.4 core more of its own. */
const webCpu = (t: number) => (hour(t) >= 9 && hour(t) < 12 ? 3 : 1);

const CONTAINERS: SyntheticPodContainer[] = [
  { namespace: 'shop', pod: 'web-a', container: 'app', node: 'n1', cpu: webCpu, mem: () => 2 * GiB },
  { namespace: 'batch', pod: 'job-a', container: 'main', node: 'n1', cpu: () => 0.5, mem: () => GiB },
];

const NODES: SyntheticNode[] = [
  {
    // kube-prometheus: node-exporter's instance relabelled to the node name (with a port here)
    cores: 8,
    busy: (t) => webCpu(t) + 0.5 + 0.4,
    memTotal: 32 * GiB,
    used: () => 3.8 * GiB,
    activeCache: () => 0.5 * GiB,
    nodeExporter: { instance: 'n1:9100', job: 'node-exporter' },
    cadvisor: { node: 'n1', instance: '10.0.0.1:10250', job: 'kubelet' },
  },
  {
    // kube-prometheus-stack: instance is IP:port, a node label names the node
    cores: 4,
    busy: () => 1,
    memTotal: 16 * GiB,
    used: () => 2 * GiB,
    nodeExporter: { instance: '10.0.0.2:9100', node: 'n2', job: 'node-exporter' },
  },
  {
    // no node-exporter: the kubelet's root cgroup only
    cores: 4,
    busy: () => 0.5,
    memTotal: 16 * GiB,
    used: () => GiB,
    activeCache: () => 0.25 * GiB,
    cadvisor: { node: 'n3', job: 'kubelet' },
  },
];

const REQUEST: NodeUsageRequest = {
  window: W,
  nodes: ['n1', 'n2', 'n3', 'n4'].map((name) => ({ name, aliases: [] })),
};

const byNode = (r: NodeUsageResult) => new Map(r.series.map((s) => [s.node, s]));

function compare(a: NodeUsageSeries, b: NodeUsageSeries): number {
  let compared = 0;
  for (const part of ['cpu', 'memory'] as const)
    for (let i = 0; i < a[part].length; i++) {
      const x = a[part][i]!;
      const y = b[part][i]!;
      if (Number.isNaN(x) || Number.isNaN(y)) {
        if (Number.isNaN(x) !== Number.isNaN(y))
          throw new Error(`${a.node} ${part}[${i}]: file ${x} vs prometheus ${y}`);
        continue;
      }
      compared++;
      // CPU comes back rounded to 0.1 millicores (as the container queries do), memory as scraped.
      const tol = part === 'memory' ? 0 : 1e-4 + Math.abs(x) * 1e-6;
      if (Math.abs(x - y) > tol) throw new Error(`${a.node} ${part}[${i}]: file ${x} vs prometheus ${y}`);
    }
  return compared;
}

describe('node usage: which series is which node', () => {
  it('matches a node label, a hostname, or an instance with its port, and nothing else', () => {
    const m = nodeMatcher([
      { name: 'ip-10-0-1-17.eu-west-1.compute.internal', aliases: ['ip-10-0-1-17'] },
      { name: 'n2', aliases: [] },
    ]);
    expect(m({ instance: 'ip-10-0-1-17:9100' })).toBe('ip-10-0-1-17.eu-west-1.compute.internal');
    expect(m({ instance: '10.0.0.2:9100', node: 'n2' })).toBe('n2');
    expect(m({ nodename: 'n2' })).toBe('n2');
    expect(m({ instance: '10.0.0.9:9100' })).toBeUndefined();
  });
});

describeWithPrometheus()('node usage on a real Prometheus (node-exporter and cAdvisor backfilled)', () => {
  let dir: string;
  let om: string;
  let prom: PrometheusServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tidemark-node-usage-'));
    om = join(dir, 'nodes.om');
    await writeNodeOpenMetrics(om, {
      start: START,
      end: END,
      scrape: 60,
      nodes: NODES,
      containers: CONTAINERS,
    });
    prom = await startPrometheus({ blocks: backfill(om, join(dir, 'blocks')) });
  }, SLOW_TEST_MS);

  afterAll(async () => {
    await prom?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const live = async (nodeUsage?: 'auto' | 'node-exporter' | 'cadvisor' | 'off') => {
    const c = createPrometheusClient({ url: prom.url });
    try {
      return await readPrometheusNodeUsage(c, { nodeUsage }, REQUEST, { logger: silentLogger });
    } finally {
      await c.close();
    }
  };

  it('reads node-exporter where a node has it and cAdvisor where not, the same as the file source', async () => {
    const file = await readOpenMetricsNodeUsage(om, REQUEST);
    const prom = await live();
    for (const r of [file, prom]) {
      expect(r.series.map((s) => [s.node, s.kind])).toEqual([
        ['n1', 'node-exporter'],
        ['n2', 'node-exporter'],
        ['n3', 'cadvisor'],
      ]);
      expect(r.missing).toEqual(['n4']);
    }
    const p = byNode(prom);
    let compared = 0;
    for (const f of file.series) compared += compare(f, p.get(f.node)!);
    // three nodes, two days of 5-minute intervals, CPU and memory each
    expect(compared).toBe(3 * 2 * 576);
    // node-exporter first, cAdvisor only for what it left: four queries
    expect(prom.queries).toHaveLength(4);
    expect(prom.queries[0]).toBe(
      'round(sum by (instance, node, job) (rate(node_cpu_seconds_total{mode!~"idle|iowait|steal"}[300001ms])), 0.0001)',
    );
  });

  it('gives the figures the history was written with', async () => {
    const p = byNode(await live());
    const n1 = p.get('n1')!;
    // interval 9 × 12 = 108 starts at 09:00: web 3 + job 0.5 + 0.4 of the node's own
    expect(n1.cpu[0]).toBeCloseTo(1.9, 4);
    expect(n1.cpu[108]).toBeCloseTo(3.9, 4);
    // node-exporter's used memory leaves the page cache out; cAdvisor's root working set keeps it
    // (held as float32: 3.8 GiB to within 256 bytes)
    expect(Math.abs(n1.memory[0]! - 3.8 * GiB)).toBeLessThan(256);
    expect(p.get('n3')!.memory[0]).toBe(1.25 * GiB);
    expect(p.get('n2')!.cpu[300]).toBeCloseTo(1, 4);
  });

  it('reads cAdvisor only when told to, and nothing when off', async () => {
    const file = byNode(await readOpenMetricsNodeUsage(om, REQUEST));
    const ca = await live('cadvisor');
    expect(ca.series.map((s) => [s.node, s.kind])).toEqual([
      ['n1', 'cadvisor'],
      ['n3', 'cadvisor'],
    ]);
    expect(ca.missing).toEqual(['n2', 'n4']);
    // the root working set is 0.5 GiB of page cache over what node-exporter calls used (to the
    // float32 the figures are held in: 4.3 GiB to within 512 bytes)
    expect(Math.abs(byNode(ca).get('n1')!.memory[5]! - file.get('n1')!.memory[5]! - 0.5 * GiB)).toBeLessThan(
      4096,
    );
    expect(byNode(ca).get('n1')!.cpu[108]).toBeCloseTo(3.9, 4);
    expect(await live('off')).toEqual({ series: [], queries: [], missing: ['n1', 'n2', 'n3', 'n4'] });
  });

  it('reports per pool what runs outside the containers, through the sources a plan uses', async () => {
    const node = (name: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'node-pool': 'p' } },
      spec: {},
      status: {
        capacity: { cpu: '8', memory: '32Gi' },
        allocatable: { cpu: '7500m', memory: '30Gi' },
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    });
    const pods = CONTAINERS.map((c) =>
      pod(c.pod, c.namespace, undefined, {
        node: c.node,
        containers: [container({ name: c.container, cpu: '100m', memory: '64Mi' })],
      }),
    );
    const pool = async (src: MetricsSource) => {
      const model = modelOf([node('n1'), ...pods], END);
      const folder = createUsageFolder(W);
      const nodes = createNodeFolder(model, W);
      const request = {
        window: W,
        containers: CONTAINERS.map(({ namespace, pod, container }) => ({ namespace, pod, container })),
      };
      for await (const b of src.readUsage(request, { logger: silentLogger }))
        for (const s of b.series) nodes.add(s);
      const view = await src.readNodeUsage!(
        { window: W, nodes: [{ name: 'n1', aliases: [] }] },
        { logger: silentLogger },
      );
      for (const s of view.series) nodes.addNode(s);
      model.usage = folder.finish();
      model.nodeUsage = nodes.finish();
      return buildPools(model, 'node-pool', {
        percentile: 0.95,
        margin: 0.1,
        cpu: { threshold: 0.65, policy: 'usage' },
        memory: { threshold: 0.7, policy: 'usage' },
      }).pools[0]!;
    };
    for (const src of [
      createPrometheusSource({ url: prom.url }, { progress: 'none' }),
      createOpenMetricsSource(om),
    ]) {
      const p = await pool(src);
      // the node sees 0.4 core and 0.8 GiB more than its containers, all the time
      expect(p.cpu.nodeView).toMatchObject({ nodes: 1, kinds: { 'node-exporter': 1 } });
      expect(p.cpu.nodeView!.differenceMean).toBeCloseTo(400, 1);
      expect(p.memory.nodeView!.differenceMean / GiB).toBeCloseTo(0.8, 5);
      // the system holds max(0.4 seen, 0.5 reserved) core and max(0.8, 2) GiB: the reservation
      expect(p.cpu.system).toBeCloseTo(500, 1);
      // P95 of the node: 3.9 cores at 09–12 h (12 of 96 slots a day)
      expect(p.cpu.nodeView!.node).toBeCloseTo(3900, 0);
    }
  });
});
