/**
 * The publish stage's PR body additions: the usage chart GitHub renders and the `<details>` block
 * holding the exact queries and windows behind each workload's numbers.
 */
import { composePrBody, composePrTitle, type QuerySource } from './body.js';
import type { PlanClusterJson, PlanDocument, PlanRecommendationJson } from '../../plan/plan-document.js';
import type { WorkloadChange } from '../../plan/types.js';
import type { ClusterConfig } from '../../config/types.js';
import type { PrMarker } from './marker.js';
import { container, deploymentWithPods, modelOf } from '../../testing/model-fixtures.js';

const END = 1_795_132_800; // 2026-11-20T00:00:00Z
const START = END - 14 * 86400;
const MiB = 2 ** 20;

const marker: PrMarker = {
  v: 1,
  cluster: 'prod',
  group: 'g',
  fields: {},
  fingerprint: 'f',
  labels: [],
  base: 'main',
};

function rec(
  name: string,
  o: { usage?: unknown; savings?: number; cpu?: [string, string]; memory?: [string, string] } = {},
): PlanRecommendationJson {
  const path = (r: string): string => `spec.template.spec.containers[name=${name}].resources.requests.${r}`;
  const fields = [
    ...(o.cpu
      ? [{ object: `Deployment/shop/${name}`, path: path('cpu'), current: o.cpu[0], proposed: o.cpu[1] }]
      : []),
    ...(o.memory
      ? [
          {
            object: `Deployment/shop/${name}`,
            path: path('memory'),
            current: o.memory[0],
            proposed: o.memory[1],
          },
        ]
      : []),
  ];
  return {
    id: `rightsize:Deployment/shop/${name}:container ${name}`,
    analyzer: 'rightsize',
    workload: `Deployment/shop/${name}`,
    subject: `container ${name}`,
    decision: 'accepted',
    outcomes: [],
    fields,
    risk: 'low',
    evidence: {
      window: { start: START, end: END },
      samples: 4032,
      ooms: 0,
      why: 'fits',
      statistic: 'P90 of 5-minute CPU',
      ...(o.usage ? { usage: o.usage } : {}),
    },
    savings: { cpu: o.savings ?? 1, memory: 0, total: o.savings ?? 1, cores: 0.1, bytes: 0 },
    render: { status: 'rendered', files: [`apps/${name}.yaml`] },
  } as PlanRecommendationJson;
}

function changeOf(r: PlanRecommendationJson): WorkloadChange {
  return {
    cluster: 'prod',
    workload: r.workload,
    fields: [],
    objects: [],
    handOver: [],
    recommendations: [{ id: r.id, analyzer: r.analyzer }],
  } as unknown as WorkloadChange;
}

function body(recs: PlanRecommendationJson[], source?: QuerySource): string {
  const clusterDoc = {
    name: 'prod',
    at: new Date(END * 1000).toISOString(),
    window: {
      start: new Date(START * 1000).toISOString(),
      end: new Date(END * 1000).toISOString(),
      step: 300,
    },
    recommendations: recs,
    skipped: [],
    changes: [],
    summary: {
      recommendations: recs.length,
      accepted: recs.length,
      clamped: 0,
      rejected: 0,
      skipped: 0,
      workloadsChanged: recs.length,
      savings: { cpu: 0, memory: 0, total: 0, cores: 0, bytes: 0 },
    },
    sources: { metrics: { queries: 0, series: 0, samples: 0, bytes: 0 } },
  } as PlanClusterJson;
  const doc = {
    tidemarkVersion: 'test',
    prices: { cpuCoreHour: 0.03, memoryGiBHour: 0.004, currency: 'USD' },
    clusters: [clusterDoc],
  } as unknown as PlanDocument;
  return composePrBody(doc, clusterDoc, recs.map(changeOf), marker, source);
}

/** The cluster's model (web's two pods), window and a metrics source as configured. */
function sourceWith(metrics: ClusterConfig['metrics']): QuerySource {
  const model = modelOf(
    [
      ...deploymentWithPods('web', 'shop', {
        containers: [container({ name: 'web', cpu: '500m', memory: '512Mi' })],
      }),
      ...deploymentWithPods('cart', 'shop'),
    ],
    END,
  );
  return {
    cluster: { name: 'prod', metrics } as ClusterConfig,
    model,
    window: { start: START, end: END, step: 300 },
  };
}

function details(text: string): string {
  const m = /<details><summary>Queries and windows<\/summary>([\s\S]*?)<\/details>/.exec(text);
  expect(m).not.toBeNull();
  return m![1]!;
}

function charts(text: string): string[] {
  return [...text.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

describe('publish/pr/body', () => {
  describe('queries and windows', () => {
    it('puts the exact Prometheus range queries for the workload pods inside <details>', () => {
      const text = body(
        [rec('web', { cpu: ['500m', '250m'] })],
        sourceWith({
          prometheus: {
            url: 'https://user:secret@prom.example.com/prometheus/?token=abc',
            selector: 'cluster="prod-gz"',
            scrapeInterval: '30s',
          },
        }),
      );
      const d = details(text);
      const fence = /```promql\n([\s\S]*?)```/.exec(d)![1]!;
      // the workload's own pods, namespace and the configured extra selector, as the source sends them
      expect(fence).toContain(
        'round(rate(container_cpu_usage_seconds_total{namespace="shop", pod=~"web-7d9f8c6b5-aaaaa|web-7d9f8c6b5-bbbbb", container!="", container!="POD", cluster="prod-gz"}[300001ms]), 0.0001)',
      );
      // cpuMax at the configured scrape resolution (2.5 × 30s), memory and events
      expect(fence).toMatch(
        /max_over_time\(irate\(container_cpu_usage_seconds_total\{[^}]+\}\[75s\]\)\[299s:30s\]\)/,
      );
      expect(fence).toMatch(
        /container_memory_working_set_bytes\{namespace="shop", pod=~"web-[^}]*\}\[300s\] offset 1ms/,
      );
      expect(fence).toMatch(
        /kube_pod_container_status_last_terminated_reason\{reason="OOMKilled", namespace="shop"/,
      );
      expect(fence).toMatch(/kube_pod_container_status_restarts_total\{namespace="shop"/);
      // the window and step each query ran over
      expect(fence).toContain(
        '# cpuMean (mean CPU per interval, cores to 0.1 millicores): start=2026-11-06T00:05:00Z end=2026-11-20T00:00:00Z step=300s',
      );
      // another workload's pods never appear, nor any credential of the URL
      expect(fence).not.toContain('cart-');
      expect(fence).toContain('# source: Prometheus at https://prom.example.com/prometheus');
      expect(text).not.toMatch(/secret|token=abc/);
      expect(d).toContain(
        '- container web: window 2026-11-06T00:00:00Z → 2026-11-20T00:00:00Z; P90 of 5-minute CPU',
      );
    });

    it('leaves out the CPU peak query when cpuPeaks is interval, and shows a coarse tier at its own step', () => {
      const fence = details(
        body(
          [rec('web', { cpu: ['500m', '250m'] })],
          sourceWith({
            prometheus: {
              url: 'http://prom:9090',
              cpuPeaks: 'interval',
              coarse: { after: '2d', step: '1h' },
            },
          }),
        ),
      );
      expect(fence).not.toContain('irate(');
      expect(fence).toContain(
        '# cpuMean (mean CPU per interval, cores to 0.1 millicores): start=2026-11-06T01:00:00Z end=2026-11-18T00:00:00Z step=3600s',
      );
      expect(fence).toContain(
        'round(rate(container_cpu_usage_seconds_total{namespace="shop", pod=~"web-7d9f8c6b5-aaaaa|web-7d9f8c6b5-bbbbb", container!="", container!="POD"}[3600001ms]), 0.0001)',
      );
      expect(fence).toContain(
        '# cpuMean (mean CPU per interval, cores to 0.1 millicores): start=2026-11-18T00:05:00Z end=2026-11-20T00:00:00Z step=300s',
      );
      // events are always read at the analysis step over the whole window
      expect(fence).toContain(
        '# oom (OOM kills): start=2026-11-06T00:05:00Z end=2026-11-20T00:00:00Z step=300s',
      );
    });

    it('shows the recorded rate a recordedCpuRate source reads, with no subquery', () => {
      const rule = 'node_namespace_pod_container:container_cpu_usage_seconds_total:sum_irate';
      const fence = details(
        body(
          [rec('web', { cpu: ['500m', '250m'] })],
          sourceWith({ prometheus: { url: 'http://prom:9090', recordedCpuRate: rule } }),
        ),
      );
      expect(fence).not.toContain('irate(');
      const sel =
        'namespace="shop", pod=~"web-7d9f8c6b5-aaaaa|web-7d9f8c6b5-bbbbb", container!="", container!="POD"';
      expect(fence).toContain(`round(avg_over_time(${rule}{${sel}}[299s]), 0.0001)`);
      expect(fence).toContain(`round(max_over_time(${rule}{${sel}}[299s]), 0.0001)`);
    });

    it('names the file and the series read from it for an OpenMetrics source', () => {
      const d = details(
        body([rec('web', { cpu: ['500m', '250m'] })], sourceWith({ openmetrics: '/runner/tmp/metrics.om' })),
      );
      expect(d).toContain(
        '# source: OpenMetrics file metrics.om, samples 2026-11-06T00:00:00Z → 2026-11-20T00:00:00Z folded into 300s intervals',
      );
      expect(d).toContain(
        'container_cpu_usage_seconds_total{namespace="shop", pod=~"web-7d9f8c6b5-aaaaa|web-7d9f8c6b5-bbbbb", container!="", container!="POD"}',
      );
      expect(d).not.toContain('/runner/tmp');
    });

    it('lists only windows when no source is known', () => {
      const d = details(body([rec('web', { cpu: ['500m', '250m'] })]));
      expect(d).toContain('**Deployment/shop/web**');
      expect(d).not.toContain('```promql');
    });
  });

  describe('usage chart', () => {
    const usage = {
      cpu: { p50: 120, p90: 200, p95: 230, p99: 260, max: 300 },
      memory: { p50: 100 * MiB, p90: 150 * MiB, p95: 160 * MiB, p99: 170 * MiB, max: 180 * MiB },
    };

    it('charts usage percentiles against the current and proposed request, in cores and MiB', () => {
      const [cpu, memory] = charts(
        body([rec('web', { usage, cpu: ['500m', '250m'], memory: ['512Mi', '256Mi'] })]),
      );
      expect(cpu).toBe(
        [
          'xychart-beta',
          '    title "shop/web container web cpu (cores)"',
          '    x-axis ["p50", "p90", "p95", "p99", "max"]',
          '    y-axis "cores"',
          '    bar [0.12, 0.2, 0.23, 0.26, 0.3]',
          '    line [0.5, 0.5, 0.5, 0.5, 0.5]',
          '    line [0.25, 0.25, 0.25, 0.25, 0.25]',
          '',
        ].join('\n'),
      );
      expect(memory).toContain('    bar [100, 150, 160, 170, 180]');
      expect(memory).toContain('    line [512, 512, 512, 512, 512]');
      expect(memory).toContain('    line [256, 256, 256, 256, 256]');
    });

    it('charts the three largest changes only, largest first', () => {
      const recs = ['a', 'b', 'c', 'd'].map((n, i) =>
        rec(n, { usage, savings: [1, 40, 20, 30][i], cpu: ['1', '500m'] }),
      );
      const titles = charts(body(recs)).map((c) => /title "shop\/(\w)/.exec(c)![1]);
      expect(titles).toEqual(['b', 'b', 'd', 'd', 'c', 'c']);
    });

    it('draws bars alone when the request does not change, and nothing without usage evidence', () => {
      const [cpu] = charts(body([rec('web', { usage: { cpu: usage.cpu }, memory: ['512Mi', '256Mi'] })]));
      expect(cpu).toContain('bar [0.12, 0.2, 0.23, 0.26, 0.3]');
      expect(cpu).not.toContain('line');
      const none = body([rec('web', { cpu: ['500m', '250m'] })]);
      expect(none).not.toContain('```mermaid');
      expect(none).not.toContain('Usage against requests');
    });
  });
});

describe('publish/pr/title', () => {
  const change = (analyzers: string[], workload = 'Deployment/shop/web'): WorkloadChange =>
    ({
      cluster: 'prod',
      workload,
      recommendations: analyzers.map((analyzer) => ({ analyzer })),
      fields: [],
      objects: [],
      handOver: [],
    }) as unknown as WorkloadChange;

  it('names what a change does with one verb per analyzer, in reading order', () => {
    const group = { cluster: 'prod', key: 'Deployment/shop/web', slug: 's', changes: [] };
    expect(composePrTitle(group, [change(['placement', 'cronhpa', 'hpa', 'rightsize'])], 'workload')).toBe(
      'chore(tidemark): right-size + autoscale + schedule + place shop/web (prod)',
    );
    expect(composePrTitle(group, [change(['cronhpa'])], 'workload')).toBe(
      'chore(tidemark): schedule shop/web (prod)',
    );
    expect(
      composePrTitle(
        { ...group, key: 'namespace/shop' },
        [change(['rightsize']), change(['hpa'], 'Deployment/shop/cart')],
        'namespace',
      ),
    ).toBe('chore(tidemark): right-size + autoscale 2 workload(s) in namespace shop (prod)');
  });
});
