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
});
