/**
 * The demo planned twice, from the metrics file and from a real Prometheus backfilled with the
 * same file: both paths must recommend the same (within one rounding step or 2 %), and the
 * Prometheus run must report its queries in plan.json.
 */
import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { main } from '../cli/main.js';
import { prepareDemoWorkspace, type DemoWorkspace } from '../cli/demo-workspace.js';
import { createOpenMetricsSource } from '../collect/openmetrics/index.js';
import { getValidator } from '../core/json-schema.js';
import { createMemoryLogger, silentLogger } from '../core/logger.js';
import { parseQuantity } from '../core/quantity.js';
import type { PlanDocument } from '../plan/plan-document.js';
import { backfill, startPrometheus, type PrometheusServer } from '../testing/prometheus.js';
import { describeWithPrometheus } from '../testing/prometheus-tier.js';
import { allowSlowTests } from '../testing/slow.js';

allowSlowTests();

async function plan(
  config: string,
  out: string,
): Promise<{ code: number; doc?: PlanDocument; logs: string[]; err: string }> {
  const logger = createMemoryLogger('info');
  const chunks: string[] = [];
  const orig = process.stderr.write.bind(process.stderr);
  (process.stderr as { write: unknown }).write = (c: string): boolean => (chunks.push(String(c)), true);
  let code: number;
  try {
    code = await main(['plan', '--config', config, '--out', out], { stdout: () => {}, logger });
  } finally {
    (process.stderr as { write: unknown }).write = orig;
  }
  const file = join(out, 'plan.json');
  return {
    code,
    logs: logger.lines,
    err: chunks.join(''),
    doc: existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as PlanDocument) : undefined,
  };
}

function configWith(ws: DemoWorkspace, name: string, metrics: string, at: string): string {
  const base = readFileSync(ws.config, 'utf8');
  const text =
    base.replace(/metrics: \{ openmetrics: metrics\.om \}/, `metrics: ${metrics}`) +
    `analysis: { at: "${at}" }\n`;
  const file = join(ws.dir, name);
  writeFileSync(file, text);
  return file;
}

describeWithPrometheus()('e2e/plan from Prometheus', () => {
  let ws: DemoWorkspace;
  let prom: PrometheusServer;
  let at: string;

  beforeAll(async () => {
    ws = await prepareDemoWorkspace();
    const latest = await createOpenMetricsSource(join(ws.dir, 'metrics.om')).latestTimestamp!({
      logger: silentLogger,
    });
    at = new Date(latest! * 1000).toISOString();
    const blocks = backfill(join(ws.dir, 'metrics.om'), join(ws.dir, 'blocks'));
    // OpenCost's exporter, scraped minutely over the window's last two hours: every demo node at
    // twice the config's prices, one of them spot.
    const nodes = parseAllDocuments(readFileSync(join(ws.dir, 'cluster', 'nodes.yaml'), 'utf8'))
      .flatMap((d) => (d.toJS() as { items?: unknown[] }).items ?? [d.toJS()])
      .map((n) => (n as { metadata: { name: string } }).metadata.name);
    const family = (metric: string, value: (node: string) => number): string[] => [
      `# TYPE ${metric} gauge`,
      ...nodes.flatMap((n) =>
        Array.from(
          { length: 121 },
          (_, i) => `${metric}{node="${n}"} ${value(n)} ${latest! - 7200 + i * 60}`,
        ),
      ),
    ];
    writeFileSync(
      join(ws.dir, 'opencost.om'),
      [
        ...family('node_cpu_hourly_cost', () => 0.062),
        ...family('node_ram_hourly_cost', () => 0.0084),
        ...family('kubecost_node_is_spot', (n) => (n === nodes[0] ? 1 : 0)),
        '# EOF',
        '',
      ].join('\n'),
    );
    backfill(join(ws.dir, 'opencost.om'), blocks);
    prom = await startPrometheus({ blocks });
  });

  afterAll(async () => {
    await prom?.stop();
  });

  it('recommends what the file path recommends, and reports its queries', async () => {
    const fromFile = await plan(
      configWith(ws, 'file.yaml', '{ openmetrics: metrics.om }', at),
      join(ws.dir, 'out-file'),
    );
    const fromProm = await plan(
      configWith(
        ws,
        'prom.yaml',
        `{ prometheus: { url: "${prom.url}", concurrency: 2, queryStats: true } }`,
        at,
      ),
      join(ws.dir, 'out-prom'),
    );
    expect(fromFile.code).toBe(0);
    expect(fromProm.code).toBe(0);
    const a = fromFile.doc!.clusters[0]!;
    const b = fromProm.doc!.clusters[0]!;
    expect(getValidator('https://tidemark.io/schemas/plan.json')(fromProm.doc)).toBe(true);
    expect(b.window).toEqual(a.window);
    const id = (r: { workload: string; subject: string }): string => `${r.workload} ${r.subject}`;
    expect(b.recommendations.map(id).sort()).toEqual(a.recommendations.map(id).sort());
    expect(b.skipped.map((s) => `${s.workload} ${s.reason}`).sort()).toEqual(
      a.skipped.map((s) => `${s.workload} ${s.reason}`).sort(),
    );
    let compared = 0;
    for (const ra of a.recommendations) {
      const rb = b.recommendations.find((r) => id(r) === id(ra))!;
      expect(rb.decision).toBe(ra.decision);
      // Requests and limits within a rounding step; other fields (HPA numbers, overcommit JSON)
      // follow from them and the same decisions are asserted above.
      for (const fa of ra.fields.filter((f) => /resources\.(requests|limits)\./.test(f.path))) {
        const fb = rb.fields.find((f) => f.path === fa.path);
        expect(fb).toBeDefined();
        const x = parseQuantity(String(fa.proposed));
        const y = parseQuantity(String(fb!.proposed));
        // One rounding step (5m CPU, 1Mi memory… whichever is larger) or 2 %.
        const step = fa.path.endsWith('cpu') ? 0.005 : 2 ** 20;
        expect(Math.abs(x - y)).toBeLessThanOrEqual(Math.max(step, 0.02 * Math.max(x, y)));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(10);
    const m = b.sources.metrics;
    expect(m.queries).toBeGreaterThan(5);
    expect(m.series).toBeGreaterThan(20);
    expect(m.bytes).toBeGreaterThan(10_000);
    expect(m.serverSamples).toBeGreaterThan(100_000);
    expect(fromProm.doc!.run.stagesMs['collect.metrics']).toBeGreaterThan(0);
    // Peak RSS never falls from one stage to the next, and reading metrics needs some.
    const rss = fromProm.doc!.run.peakRssMiB!;
    expect(rss['collect.metrics']).toBeGreaterThan(20);
    expect(rss.render).toBeGreaterThanOrEqual(rss['collect.metrics']!);
  });

  it("prices every saving and node from OpenCost's node prices when prices.from is opencost", async () => {
    const source = `{ prometheus: { url: "${prom.url}", concurrency: 2 } }`;
    const fromConfig = await plan(configWith(ws, 'prom-config.yaml', source, at), join(ws.dir, 'out-config'));
    const opencost = configWith(ws, 'prom-opencost.yaml', source, at);
    writeFileSync(
      opencost,
      readFileSync(opencost, 'utf8').replace(
        'prices: { cpuCoreHour: 0.031, memoryGiBHour: 0.0042 }',
        'prices: { cpuCoreHour: 0.031, memoryGiBHour: 0.0042, from: opencost }',
      ),
    );
    const fromOpenCost = await plan(opencost, join(ws.dir, 'out-opencost'));
    expect(fromOpenCost.code).toBe(0);
    const a = fromConfig.doc!.clusters[0]!;
    const b = fromOpenCost.doc!.clusters[0]!;
    expect(getValidator('https://tidemark.io/schemas/plan.json')(fromOpenCost.doc)).toBe(true);
    expect(a.inventory!.prices.source).toBe('config');
    expect(b.inventory!.prices).toMatchObject({ source: 'opencost', cpuCoreHour: 0.031 });
    expect(b.inventory!.prices.nodes!.map((n) => [n.cpuCoreHour, n.memoryGiBHour])).toEqual(
      b.inventory!.prices.nodes!.map(() => [0.062, 0.0084]),
    );
    expect(b.inventory!.nodes.spot).toBe(1);
    // Twice the prices: twice every saving and what the nodes cost, the same cores and bytes.
    expect(b.summary.savings.total).toBeGreaterThan(1);
    // Each recommendation's CPU and memory savings are rounded to cents (plan/round-plan.ts):
    // doubled, each may differ by a cent and a half (half a cent in a, doubled, and half in b).
    const recs = a.recommendations.filter((r) => r.savings.total !== 0);
    expect(recs.length).toBeGreaterThan(0);
    for (const r of recs) {
      const twin = b.recommendations.find((x) => x.id === r.id)!;
      expect(Math.abs(twin.savings.cpu - 2 * r.savings.cpu)).toBeLessThanOrEqual(0.015 + 1e-9);
      expect(Math.abs(twin.savings.memory - 2 * r.savings.memory)).toBeLessThanOrEqual(0.015 + 1e-9);
    }
    expect(Math.abs(b.summary.savings.total - 2 * a.summary.savings.total)).toBeLessThanOrEqual(
      0.03 * recs.length + 1e-9,
    );
    expect(b.summary.savings.cores).toBeCloseTo(a.summary.savings.cores, 9);
    // What the nodes cost is in cents too.
    expect(Math.abs(b.inventory!.nodes.monthly - 2 * a.inventory!.nodes.monthly)).toBeLessThanOrEqual(
      0.015 + 1e-9,
    );
    expect(fromOpenCost.doc!.run.stagesMs['collect.prices']).toBeGreaterThanOrEqual(0);
  });

  it('stops with a clear error and writes nothing when Prometheus is unreachable', async () => {
    const out = join(ws.dir, 'out-down');
    const r = await plan(
      configWith(ws, 'down.yaml', '{ prometheus: { url: "http://127.0.0.1:9", retries: 1 } }', at),
      out,
    );
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/Prometheus at http:\/\/127\.0\.0\.1:9 is unreachable/);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });
});
