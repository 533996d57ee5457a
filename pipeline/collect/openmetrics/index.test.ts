import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOpenMetricsSource } from './index.js';
import type { UsageBatch, UsageRequest } from '../types.js';
import { createMemoryLogger, silentLogger } from '../../core/logger.js';

const T0 = 1_800_000_000; // aligned to 300 s
const window = { start: T0, end: T0 + 900, step: 300 };
const req = (containers: [string, string, string][]): UsageRequest => ({
  window,
  containers: containers.map(([namespace, pod, container]) => ({ namespace, pod, container })),
});

function file(lines: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'om-'));
  const p = join(dir, 'm.om');
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

async function read(path: string, r: UsageRequest): Promise<UsageBatch> {
  const out: UsageBatch = { series: [], ooms: [], restarts: [] };
  for await (const b of createOpenMetricsSource(path).readUsage(r, { logger: silentLogger })) {
    out.series.push(...b.series);
    out.ooms.push(...b.ooms);
    out.restarts!.push(...(b.restarts ?? []));
  }
  return out;
}

const cpu = (pod: string, v: number, t: number, extra = ''): string =>
  `container_cpu_usage_seconds_total{namespace="shop",pod="${pod}",container="web"${extra}} ${v} ${t}`;
const mem = (pod: string, v: number, t: number): string =>
  `container_memory_working_set_bytes{namespace="shop",pod="${pod}",container="web"} ${v} ${t}`;

describe('collect/openmetrics', () => {
  it('computes interval CPU mean, max rate and memory peak by hand', async () => {
    // 60 s scrapes. Interval 0: increases 6,6,12,6,0 over 300 s → mean 0.1 core, max 0.2.
    const values = [0, 6, 12, 24, 30, 30, 60];
    const lines = [
      '# TYPE container_cpu_usage_seconds counter',
      ...values.map((v, i) => cpu('web-1', v, T0 + i * 60)),
      '# TYPE container_memory_working_set_bytes gauge',
      mem('web-1', 100, T0 + 10),
      mem('web-1', 300, T0 + 200),
      mem('web-1', 250, T0 + 310),
      '# EOF',
    ];
    const b = await read(file(lines), req([['shop', 'web-1', 'web']]));
    const s = b.series[0]!;
    expect(s.offset).toBe(0);
    expect(s.cpuMean[0]).toBeCloseTo(0.1, 6);
    expect(s.cpuMax[0]).toBeCloseTo(0.2, 6);
    expect(s.cpuMean[1]).toBeCloseTo(0.5, 6); // one pair 300→360: 30/60
    expect(s.memMax[0]).toBe(300);
    expect(s.memMax[1]).toBe(250);
    expect(s.samples).toBe(7);
  });

  it('treats a counter drop as a restart from zero, never a negative rate', async () => {
    const lines = [
      cpu('web-1', 100, T0),
      cpu('web-1', 106, T0 + 60),
      cpu('web-1', 3, T0 + 120),
      cpu('web-1', 9, T0 + 180),
      '# EOF',
    ];
    const s = (await read(file(lines), req([['shop', 'web-1', 'web']]))).series[0]!;
    // increases 6, 3 (from zero), 6 over 180 s
    expect(s.cpuMean[0]).toBeCloseTo(15 / 180, 6);
    expect(Math.min(...Array.from(s.cpuMean).filter((v) => !Number.isNaN(v)))).toBeGreaterThanOrEqual(0);
  });

  it('leaves a gap as missing data instead of averaging across it', async () => {
    const lines = [
      cpu('web-1', 0, T0),
      cpu('web-1', 6, T0 + 60),
      cpu('web-1', 594, T0 + 780),
      cpu('web-1', 600, T0 + 840),
      cpu('web-1', 606, T0 + 899),
      '# EOF',
    ];
    const s = (await read(file(lines), req([['shop', 'web-1', 'web']]))).series[0]!;
    expect(s.cpuMean[0]).toBeCloseTo(0.1, 6);
    expect(s.offset + s.cpuMean.length).toBe(3);
    expect(Number.isNaN(s.cpuMean[1]!)).toBe(true); // the 780 s gap is not a rate
  });

  it('dedupes a container exported twice (two scrape jobs) with max, not sum, and skips NaN', async () => {
    const lines = [
      cpu('web-1', 0, T0, ',job="a"'),
      cpu('web-1', 30, T0 + 300, ',job="a"'),
      cpu('web-1', 0, T0, ',job="b"'),
      cpu('web-1', 30, T0 + 300, ',job="b"'),
      mem('web-1', NaN, T0 + 5),
      mem('web-1', 42, T0 + 6),
      '# EOF',
    ].map((l) => l.replace(' NaN ', ' NaN '));
    const s = (await read(file(lines), req([['shop', 'web-1', 'web']]))).series[0]!;
    expect(s.cpuMean[0]).toBeCloseTo(0.1, 6);
    expect(s.memMax[0]).toBe(42);
  });

  it('ignores the POD pause container and the empty container; lists containers not asked for', async () => {
    const lines = [
      `container_cpu_usage_seconds_total{namespace="shop",pod="web-1",container="POD"} 1 ${T0}`,
      `container_cpu_usage_seconds_total{namespace="shop",pod="web-1",container=""} 1 ${T0}`,
      `container_cpu_usage_seconds_total{namespace="other",pod="x-1",container="x"} 1 ${T0}`,
      `container_cpu_usage_seconds_total{namespace="other",pod="x-1",container="x",job="b"} 1 ${T0}`,
      `container_memory_working_set_bytes{namespace="other",pod="x-1",container="x"} 1 ${T0}`,
      `container_memory_working_set_bytes{namespace="other",pod="x-2",container="x"} 1 ${T0 + 900}`,
      '# EOF',
    ];
    const out: UsageBatch[] = [];
    for await (const b of createOpenMetricsSource(file(lines)).readUsage(req([['shop', 'web-1', 'web']]), {
      logger: silentLogger,
    }))
      out.push(b);
    expect(out.flatMap((b) => b.series)).toEqual([]);
    // One per metric and container (two scrape jobs are one); x-2's only sample is after the window.
    expect(out.flatMap((b) => b.unrequested ?? [])).toEqual([
      { namespace: 'other', pod: 'x-1', container: 'x' },
      { namespace: 'other', pod: 'x-1', container: 'x' },
    ]);
  });

  it('finds OOM kills on the 0→1 transition of the kube-state-metrics gauge, and restarts', async () => {
    const oom = (v: number, t: number): string =>
      `kube_pod_container_status_last_terminated_reason{namespace="shop",pod="web-1",container="web",reason="OOMKilled"} ${v} ${t}`;
    const rs = (v: number, t: number): string =>
      `kube_pod_container_status_restarts_total{namespace="shop",pod="web-1",container="web"} ${v} ${t}`;
    const lines = [
      oom(0, T0),
      oom(1, T0 + 120),
      oom(1, T0 + 180),
      oom(0, T0 + 400),
      oom(1, T0 + 600),
      rs(0, T0),
      rs(1, T0 + 120),
      rs(1, T0 + 180),
      rs(3, T0 + 600),
      '# EOF',
    ];
    const b = await read(file(lines), req([['shop', 'web-1', 'web']]));
    expect(b.ooms.map((o) => o.time - T0)).toEqual([120, 600]);
    expect(b.restarts!.map((r) => [r.time - T0, r.count])).toEqual([
      [120, 1],
      [600, 2],
    ]);
  });

  it('names the file and line of a malformed sample, and a missing # EOF', async () => {
    await expect(
      read(
        file([cpu('web-1', 0, T0), 'container_cpu_usage_seconds_total{namespace="shop" 1', '# EOF']),
        req([]),
      ),
    ).rejects.toThrow(/m\.om: line 2: malformed OpenMetrics sample/);
    await expect(read(file([cpu('web-1', 0, T0)]), req([]))).rejects.toThrow(/does not end with # EOF/);
    await expect(read('/nonexistent/m.om', req([]))).rejects.toThrow(/metrics file not found/);
  });

  it('reads one series written with its labels in another order, escaped quotes and braces in values, and CRLF lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'om-'));
    const p = join(dir, 'm.om');
    const lines = [
      `container_cpu_usage_seconds_total{namespace="shop",pod="web-1",container="web",note="a \\"}\\" b"} 0 ${T0}`,
      `container_cpu_usage_seconds_total{container="web",note="a \\"}\\" b",pod="web-1",namespace="shop"} 30 ${T0 + 300}`,
      `container_cpu_usage_seconds_total{namespace="shop",pod="web-1",container="web",note="a \\"}\\" b"} 60 ${T0 + 600}`,
      '# EOF',
    ];
    writeFileSync(p, lines.join('\r\n') + '\r\n');
    const b = await read(p, req([['shop', 'web-1', 'web']]));
    expect(b.series).toHaveLength(1);
    expect(b.series[0]!.cpuMean[0]).toBeCloseTo(0.1, 6);
    expect(b.series[0]!.cpuMean[1]).toBeCloseTo(0.1, 6);
    // one label set, so one series: the two spellings did not become two scrape jobs
    expect(b.series[0]!.samples).toBe(3);
  });

  it('rejects a sample line whose value or timestamp is missing even in a series it skips', async () => {
    const lines = [`container_cpu_usage_seconds_total{namespace="other",pod="x-1",container="x"} 1`, '# EOF'];
    await expect(read(file(lines), req([['shop', 'web-1', 'web']]))).rejects.toThrow(/line 1: malformed/);
  });

  it('drops invalid samples (negative, not finite, above the node), counts them and warns once with the first', async () => {
    const GiB = 2 ** 30;
    const lines = [
      cpu('web-1', 0, T0),
      cpu('web-1', 30, T0 + 60), // 0.5 core
      cpu('web-1', -3, T0 + 90), // negative counter
      cpu('web-1', 1e12, T0 + 120), // 1e12 core-seconds in 60 s: far above 4 cores × 2
      cpu('web-1', 90, T0 + 180), // 60 over 120 s from the last valid one: 0.5 core
      cpu('web-1', 'NaN' as unknown as number, T0 + 240),
      mem('web-1', 100, T0 + 10),
      mem('web-1', 1e18, T0 + 20), // above the node's 16 GiB
      mem('web-1', -5, T0 + 30),
      mem('web-1', 16 * GiB, T0 + 40), // exactly the node: valid
      mem('web-1', 'NaN' as unknown as number, T0 + 50),
      '# EOF',
    ];
    const logger = createMemoryLogger('info');
    const src = createOpenMetricsSource(file(lines));
    const r: UsageRequest = {
      window,
      containers: [
        {
          namespace: 'shop',
          pod: 'web-1',
          container: 'web',
          ceiling: { cpuCores: 4, memoryBytes: 16 * GiB, node: 'node-1' },
        },
      ],
    };
    const series: UsageBatch['series'] = [];
    for await (const b of src.readUsage(r, { logger })) series.push(...b.series);
    const s = series[0]!;
    expect(s.cpuMean[0]).toBeCloseTo(90 / 180, 6); // the bad samples are not in the rate
    expect(s.cpuMax[0]).toBeCloseTo(0.5, 6);
    expect(s.memMax[0]).toBe(16 * GiB);
    expect(s.samples).toBe(3);
    expect(src.stats().invalidSamples).toEqual({
      total: 6,
      negative: 2,
      nonFinite: 2,
      aboveNode: 2,
      example: expect.stringMatching(
        /m\.om: line 3: container_cpu_usage_seconds_total\{.*\} -3 \d+: negative$/,
      ),
    });
    const warnings = logger.lines.filter((l) => l.includes('"level":"warn"'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({
      msg: 'invalid usage samples dropped (negative, not finite, or above the node)',
      invalidSamples: 6,
      aboveNode: 2,
    });
  });

  it('names the node and its capacity for a sample above it', async () => {
    const src = createOpenMetricsSource(file([mem('web-1', 1e18, T0 + 20), '# EOF']));
    const r: UsageRequest = {
      window,
      containers: [
        {
          namespace: 'shop',
          pod: 'web-1',
          container: 'web',
          ceiling: { cpuCores: 4, memoryBytes: 2 ** 34, node: 'node-1' },
        },
      ],
    };
    for await (const _ of src.readUsage(r, { logger: silentLogger })) void _;
    expect(src.stats().invalidSamples!.example).toMatch(
      /line 1: container_memory_working_set_bytes\{namespace="shop",pod="web-1",container="web"\} 1000000000000000000 \d+: above its node's capacity \(16\.00Gi on node-1\)$/,
    );
  });

  it('reports the newest sample time, so a file that ends in the past sets the analysis time', async () => {
    const src = createOpenMetricsSource(file([cpu('web-1', 0, T0), mem('web-1', 5, T0 + 500), '# EOF']));
    expect(await src.latestTimestamp!({ logger: silentLogger })).toBe(T0 + 500);
  });
});
