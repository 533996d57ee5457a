/**
 * Node usage from a real Prometheus scraping a live exporter every second (cAdvisor's metric names
 * and labels): CPU shares from the counter's rate, memory from the working set, and a node whose
 * series stop reads as stale rather than as its last value.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startPrometheus, type PrometheusServer } from '../testing/prometheus.js';
import { describeWithPrometheus } from '../testing/prometheus-tier.js';
import { createPrometheusClient } from '../collect/prometheus/client.js';
import { prometheusNodeUsage } from './usage.js';
import { UsageWindow } from './signals.js';
import { GUARDIAN_DEFAULTS } from './settings.js';
import { trimNode } from './kube/objects.js';
import { allowSlowTests } from '../testing/slow.js';

allowSlowTests();

const node = (name: string) =>
  trimNode({
    metadata: { name },
    status: { allocatable: { cpu: '4', memory: '16Gi' }, conditions: [{ type: 'Ready', status: 'True' }] },
  });

const Mi = 2 ** 20;
/** namespace, pod, working set, cAdvisor's limit (0: none), cores, share of CFS periods throttled. */
const CONTAINERS: [string, string, number, number, number, number][] = [
  ['shop', 'web-a', 950 * Mi, 1024 * Mi, 1.5, 0.4], // 93 % of its limit
  ['shop', 'web-near', 870 * Mi, 1024 * Mi, 0.2, 0], // 85 %
  ['shop', 'web-b', 100 * Mi, 1024 * Mi, 0.1, 0], // 10 %
  ['other', 'web-b', 1000 * Mi, 1024 * Mi, 0.1, 0], // the same pod name elsewhere, 98 %
  ['shop', 'web.c', 2000 * Mi, 0, 0.1, 0], // no limit
];

describeWithPrometheus()('guardian usage from a real Prometheus', () => {
  let prom: PrometheusServer;
  let exporter: Server;
  const started = Date.now() / 1000;
  /** Cores each node's one container burns, and whether node-b is still exported. */
  const cores: Record<string, number> = { 'node-a': 3.4, 'node-b': 1 };
  let exportB = true;

  beforeAll(async () => {
    exporter = createServer((_, res) => {
      const t = Date.now() / 1000 - started;
      const lines = [
        '# TYPE container_cpu_usage_seconds_total counter',
        '# TYPE container_memory_working_set_bytes gauge',
      ];
      for (const [n, c] of Object.entries(cores)) {
        if (n === 'node-b' && !exportB) continue;
        const labels = `namespace="shop",pod="web-${n}",container="web",node="${n}"`;
        lines.push(`container_cpu_usage_seconds_total{${labels}} ${(c * t).toFixed(3)}`);
        lines.push(`container_memory_working_set_bytes{${labels}} ${n === 'node-a' ? 8 * 2 ** 30 : 2 ** 30}`);
        // the pause container never counts
        lines.push(
          `container_cpu_usage_seconds_total{namespace="shop",pod="web-${n}",container="POD",node="${n}"} ${(100 * t).toFixed(3)}`,
        );
      }
      // In-place resize: working set against cAdvisor's limit, and CFS throttling, on node-c.
      lines.push(
        '# TYPE container_spec_memory_limit_bytes gauge',
        '# TYPE container_cpu_cfs_periods_total counter',
        '# TYPE container_cpu_cfs_throttled_periods_total counter',
      );
      for (const [ns, pod, ws, limit, cores, throttled] of CONTAINERS) {
        const labels = `namespace="${ns}",pod="${pod}",container="app",node="node-c"`;
        lines.push(
          `container_memory_working_set_bytes{${labels}} ${ws}`,
          `container_spec_memory_limit_bytes{${labels}} ${limit}`,
          `container_cpu_usage_seconds_total{${labels}} ${(cores * t).toFixed(3)}`,
          `container_cpu_cfs_periods_total{${labels}} ${(10 * t).toFixed(3)}`,
          `container_cpu_cfs_throttled_periods_total{${labels}} ${(throttled * 10 * t).toFixed(3)}`,
        );
      }
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(lines.join('\n') + '\n');
    });
    await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
    const port = (exporter.address() as AddressInfo).port;
    prom = await startPrometheus({
      config: `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: cadvisor\n    static_configs: [{ targets: ['127.0.0.1:${port}'] }]\n`,
    });
  });

  afterAll(async () => {
    await prom?.stop();
    exporter?.close();
  });

  it('reads CPU and memory shares per node, and a node whose series stop goes stale', async () => {
    const client = createPrometheusClient({ url: prom.url, timeout: '5s' });
    const source = prometheusNodeUsage(client, '', '30s');
    const nodes = [node('node-a'), node('node-b')];
    // rate() needs its range mostly covered by scrapes
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const n = await client.queryInstant('count_over_time(container_memory_working_set_bytes[30s])');
      if (n.length && Number(n[0]!.value[1]) >= 29) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const first = await source.sample(nodes);
    expect(first.get('node-a')!.cpu).toBeCloseTo(3.4 / 4, 1);
    expect(first.get('node-a')!.memory).toBeCloseTo(0.5, 3);
    expect(first.get('node-b')!.cpu).toBeCloseTo(1 / 4, 1);
    expect(Math.abs(first.get('node-a')!.t - Date.now() / 1000)).toBeLessThan(3);

    exportB = false;
    await new Promise((r) => setTimeout(r, 4000));
    const later = await source.sample(nodes);
    expect(later.has('node-a')).toBe(true);
    expect(later.has('node-b')).toBe(false); // Prometheus marked its series stale
    const settings = { ...GUARDIAN_DEFAULTS, intervalSeconds: 1, windowSeconds: 10 };
    const w = new UsageWindow();
    w.add(first.get('node-b')!);
    expect(w.signal(Date.now() / 1000, settings).state).toBe('stale');
    await client.close();
  });

  it('in-place resize: containers near their limit (nearest first, at most k) plus the pods asked for, and CPU with throttling per container on a node', async () => {
    const client = createPrometheusClient({ url: prom.url, timeout: '5s' });
    const source = prometheusNodeUsage(client, '', '30s');
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const n = await client.queryInstant(
        'count_over_time(container_cpu_cfs_periods_total{pod="web-a"}[30s])',
      );
      if (n.length && Number(n[0]!.value[1]) >= 29) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const near = await source.containerMemory(0.8, 10, []);
    expect([...near.keys()].sort()).toEqual(['other/web-b/app', 'shop/web-a/app', 'shop/web-near/app']);
    expect(near.get('shop/web-a/app')!.workingSet).toBe(950 * Mi);
    expect(Math.abs(near.get('shop/web-a/app')!.t - Date.now() / 1000)).toBeLessThan(3);
    // at most two: the nearest (98 %, 93 %); and shop/web-b asked for by name, not other/… twice
    const two = await source.containerMemory(0.8, 2, ['shop/web-b', 'shop/web.c']);
    expect([...two.keys()].sort()).toEqual([
      'other/web-b/app',
      'shop/web-a/app',
      'shop/web-b/app',
      'shop/web.c/app',
    ]);
    expect(two.get('shop/web-b/app')!.workingSet).toBe(100 * Mi);

    const cpu = await source.containerCpu('node-c');
    expect(cpu.get('shop/web-a/app')!.cores).toBeCloseTo(1.5, 1);
    expect(cpu.get('shop/web-a/app')!.throttled).toBeCloseTo(0.4, 2);
    expect(cpu.get('shop/web-b/app')!.throttled).toBe(0);
    expect(await source.containerCpu('node-a')).toEqual(
      new Map([['shop/web-node-a/web', expect.objectContaining({ throttled: 0 })]]),
    );
    await client.close();
  });
});
