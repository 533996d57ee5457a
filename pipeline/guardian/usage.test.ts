/**
 * Node usage from a real Prometheus scraping a live exporter every second (cAdvisor's metric names
 * and labels): CPU shares from the counter's rate, memory from the working set, and a node whose
 * series stop reads as stale rather than as its last value.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startPrometheus, type PrometheusServer } from '../testing/prometheus.js';
import { describeWithPrometheus } from '../testing/prometheus-tier.js';
import { createPrometheusClient } from '../collect/prometheus/client.js';
import { prometheusNodeUsage, type NodeUsageSource } from './usage.js';
import { nodeUsageRuleGroups } from './node-usage-rules.js';
import type { PrometheusClient } from '../collect/prometheus/client.js';
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

/** Waits until `countQuery` (a count_over_time) reaches `atLeast`: the range a rate() reads is covered. */
async function scrapes(
  client: PrometheusClient,
  countQuery: string,
  atLeast: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const n = await client.queryInstant(countQuery);
    if (n.length && Number(n[0]!.value[1]) >= atLeast) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

describeWithPrometheus()('guardian usage from a real Prometheus', () => {
  let prom: PrometheusServer;
  /** The same scrape, with deploy/guardian/prometheus-rules' rules loaded (evaluated every second). */
  let promRules: PrometheusServer;
  /** Working sets raised by a test ("namespace/pod" → bytes). */
  const raised = new Map<string, number>();
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
          `container_memory_working_set_bytes{${labels}} ${raised.get(`${ns}/${pod}`) ?? ws}`,
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
    const scrape = `scrape_configs:\n  - job_name: cadvisor\n    static_configs: [{ targets: ['127.0.0.1:${port}'] }]\n`;
    prom = await startPrometheus({ config: `global: { scrape_interval: 1s }\n${scrape}` });
    const rules = join(mkdtempSync(join(tmpdir(), 'guardian-rules-')), 'rules.yml');
    writeFileSync(rules, stringify({ groups: nodeUsageRuleGroups({ intervalSeconds: 1 }) }));
    promRules = await startPrometheus({
      config: `global: { scrape_interval: 1s }\nrule_files: ['${rules}']\n${scrape}`,
    });
  });

  afterAll(async () => {
    await prom?.stop();
    await promRules?.stop();
    exporter?.close();
  });

  it('reads CPU and memory shares per node, and a node whose series stop goes stale', async () => {
    const client = createPrometheusClient({ url: prom.url, timeout: '5s' });
    const source = prometheusNodeUsage(client, '', '30s');
    const nodes = [node('node-a'), node('node-b')];
    // rate() needs its range mostly covered by scrapes
    await scrapes(client, 'count_over_time(container_memory_working_set_bytes[30s])', 29, 60_000);
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
    await scrapes(client, 'count_over_time(container_cpu_cfs_periods_total{pod="web-a"}[30s])', 29, 60_000);
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

  it('between refreshes of the near-limit query a tick reads only the containers it found; a refresh runs off the tick and finds new ones', async () => {
    const client = createPrometheusClient({ url: prom.url, timeout: '5s' });
    const asked: string[] = [];
    const counting: PrometheusClient = Object.assign(Object.create(client) as PrometheusClient, {
      queryInstant: (q: string, time?: number, signal?: AbortSignal) => {
        asked.push(q);
        return client.queryInstant(q, time, signal);
      },
    });
    let clock = 1_000_000;
    const source: NodeUsageSource = prometheusNodeUsage(counting, '', '30s', {
      candidateRefreshSeconds: 10,
      now: () => clock,
    });
    const topks = () => asked.filter((q) => q.startsWith('topk(')).length;
    // The first call starts the near-limit query and does not wait: only the pods asked for.
    const zeroth = await source.containerMemory(0.8, 10, ['shop/web-b']);
    expect([...zeroth.keys()]).toEqual(['shop/web-b/app']);
    expect(topks()).toBe(1);
    await new Promise((r) => setTimeout(r, 1000));
    const first = await source.containerMemory(0.8, 10, []);
    expect([...first.keys()].sort()).toEqual(['other/web-b/app', 'shop/web-a/app', 'shop/web-near/app']);
    expect(topks()).toBe(1);

    raised.set('shop/web-b', 1000 * Mi); // 98 % of its limit from now on
    await new Promise((r) => setTimeout(r, 2500));
    clock += 5_000; // within the refresh period: no topk, the old candidates read afresh
    const second = await source.containerMemory(0.8, 10, []);
    expect(topks()).toBe(1);
    expect(second.has('shop/web-b/app')).toBe(false);
    expect(second.get('shop/web-a/app')!.workingSet).toBe(950 * Mi);

    clock += 5_000; // the period is over: a refresh starts in the background, this tick reads the old set
    const third = await source.containerMemory(0.8, 10, []);
    expect(topks()).toBe(2);
    expect(third.has('shop/web-b/app')).toBe(false);
    await new Promise((r) => setTimeout(r, 1000));
    const fourth = await source.containerMemory(0.8, 10, []);
    expect(topks()).toBe(2);
    expect(fourth.get('shop/web-b/app')!.workingSet).toBe(1000 * Mi);
    // Another floor or k is another question: asked at once, its answer used once it is in.
    expect((await source.containerMemory(0.9, 10, [])).size).toBe(0);
    expect(topks()).toBe(3);
    await new Promise((r) => setTimeout(r, 1000));
    expect([...(await source.containerMemory(0.9, 10, [])).keys()].sort()).toEqual([
      'other/web-b/app',
      'shop/web-a/app',
      'shop/web-b/app',
    ]);
    raised.clear();
    await client.close();
  });

  it('a near-limit query that keeps failing is reported once the candidates no longer cover the window', async () => {
    const client = createPrometheusClient({ url: prom.url, timeout: '5s' });
    let fail = false;
    const flaky: PrometheusClient = Object.assign(Object.create(client) as PrometheusClient, {
      queryInstant: (q: string, time?: number, signal?: AbortSignal) =>
        fail && q.startsWith('topk(')
          ? Promise.reject(new Error('boom'))
          : client.queryInstant(q, time, signal),
    });
    const scraped = Date.now() + 30_000;
    while (
      (await prometheusNodeUsage(client).containerMemory(0.8, 10, [])).size !== 3 &&
      Date.now() < scraped
    )
      await new Promise((r) => setTimeout(r, 500));
    let clock = 0;
    const source = prometheusNodeUsage(client, '', '30s', {
      candidateRefreshSeconds: 10,
      candidateClient: flaky,
      now: () => clock,
    });
    await source.containerMemory(0.8, 10, []);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await source.containerMemory(0.8, 10, [])).size).toBe(3);
    fail = true;
    clock += 10_000; // the refresh fails in the background: the last candidates still stand …
    await source.containerMemory(0.8, 10, []);
    await new Promise((r) => setTimeout(r, 200));
    clock += 20_000;
    expect((await source.containerMemory(0.8, 10, [])).size).toBe(3);
    await new Promise((r) => setTimeout(r, 200));
    clock += 1_000; // … until they are more than three periods old
    await expect(source.containerMemory(0.8, 10, [])).rejects.toThrow('boom');
    await client.close();
  });

  it('recorded node usage (deploy/guardian/prometheus-rules) reads what the raw queries read; without the rules it says so', async () => {
    const raw = createPrometheusClient({ url: promRules.url, timeout: '5s' });
    // rate()[1m] (the rules' window) needs a minute of scrapes to read the full rate
    await scrapes(
      raw,
      'count_over_time(container_memory_working_set_bytes{pod="web-node-a"}[1m])',
      58,
      90_000,
    );
    const nodes = [node('node-a'), node('node-c')];
    const recorded = await prometheusNodeUsage(raw, '', '1m', { recorded: true }).sample(nodes);
    const direct = await prometheusNodeUsage(raw, '', '1m').sample(nodes);
    expect([...recorded.keys()].sort()).toEqual(['node-a', 'node-c']);
    for (const n of ['node-a', 'node-c']) {
      expect(recorded.get(n)!.memory).toBeCloseTo(direct.get(n)!.memory, 6);
      expect(recorded.get(n)!.cpu).toBeCloseTo(direct.get(n)!.cpu, 1);
      expect(Math.abs(recorded.get(n)!.t - direct.get(n)!.t)).toBeLessThanOrEqual(2);
    }
    expect(recorded.get('node-a')!.memory).toBeCloseTo(0.5, 3); // 8 GiB of 16
    expect(recorded.get('node-a')!.cpu).toBeCloseTo(3.4 / 4, 1);

    const without = createPrometheusClient({ url: prom.url, timeout: '5s' });
    await expect(prometheusNodeUsage(without, '', '1m', { recorded: true }).sample(nodes)).rejects.toThrow(
      /tidemark_node:container_memory_working_set_bytes:newest_timestamp has no series: are deploy\/guardian\/prometheus-rules' recording rules loaded/,
    );
    await raw.close();
    await without.close();
  });
});
