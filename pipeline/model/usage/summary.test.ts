/**
 * The usage figures a reader sees (p50…p99 and max per resource) on every path usage takes into
 * the model: runs of equal intervals folded at once (coarse points), the OpenMetrics file source,
 * and the Prometheus source at full resolution and with its coarse tier. On each: percentiles are
 * monotone, none is above max, and max is the highest value of the same series (CPU: 5-minute
 * means; memory: 5-minute peaks) as the source returned it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { createUsageFolder } from './fold.js';
import { usageSummary, type ContainerUsageSummary, type UsageSummary } from './summary.js';
import { createOpenMetricsSource } from '../../collect/openmetrics/index.js';
import { createPrometheusSource } from '../../collect/prometheus/index.js';
import type { MetricsSource, UsageRequest, UsageSeries } from '../../collect/types.js';
import { silentLogger } from '../../core/logger.js';
import { prng } from '../../core/prng.js';
import { writeSyntheticOpenMetrics, type SyntheticContainer } from '../../testing/usage-openmetrics.js';
import { backfill, startPrometheus, type PrometheusServer } from '../../testing/prometheus.js';
import { describeWithPrometheus } from '../../testing/prometheus-tier.js';
import { SLOW_TEST_MS } from '../../testing/slow.js';

const STEP = 300;
const END = 1_800_000_000 - (1_800_000_000 % 86400);

function expectConsistent(s: UsageSummary, what: string): void {
  const seq = [s.p50, s.p90, s.p95, s.p99, s.max];
  for (const v of seq) if (!(v >= 0 && Number.isFinite(v))) throw new Error(`${what}: ${JSON.stringify(s)}`);
  for (let i = 1; i < seq.length; i++)
    if (seq[i]! < seq[i - 1]!) throw new Error(`${what}: not monotone ${JSON.stringify(s)}`);
}

/** The highest finite value of one field over a container's series (as Float32, as folded). */
function highest(series: UsageSeries[], field: 'cpuMean' | 'memMax'): number {
  let top = 0;
  for (const s of series) for (const v of s[field]) if (v >= 0 && v > top) top = v;
  return top;
}

/** Folds a source's series per container and checks each summary against its own series. */
function checkSeries(
  series: UsageSeries[],
  window: { start: number; end: number; step: number },
  path: string,
) {
  const folder = createUsageFolder(window);
  const byContainer = new Map<string, UsageSeries[]>();
  for (const s of series) {
    const key = `${s.namespace}/${s.pod}/${s.container}`;
    byContainer.set(key, [...(byContainer.get(key) ?? []), s]);
    folder.add(`Deployment/${s.namespace}/${s.pod}`, s);
  }
  const usage = folder.finish();
  let checked = 0;
  for (const [key, list] of byContainer) {
    const [namespace, pod, container] = key.split('/') as [string, string, string];
    const d = usage.get(`Deployment/${namespace}/${pod}`)!.containers.get(container)!;
    const u: ContainerUsageSummary = usageSummary(d);
    expectConsistent(u.cpu, `${path} ${key} cpu`);
    expectConsistent(u.memory, `${path} ${key} memory`);
    expect(u.cpu.max).toBe(highest(list, 'cpuMean') * 1000);
    expect(u.memory.max).toBe(highest(list, 'memMax'));
    checked++;
  }
  return checked;
}

/**
 * A container's history, hour by hour: a CPU level (often tiny, where VPA's first buckets are 10 m
 * wide) with scrape-to-scrape noise, and a memory level. Levels come from fast-check; the noise
 * from a seed, so a failure replays.
 */
const hourly = (hours: number) =>
  fc.record({
    cpu: fc.array(
      fc.oneof(fc.double({ min: 0, max: 0.03, noNaN: true }), fc.double({ min: 0, max: 6, noNaN: true })),
      { minLength: hours, maxLength: hours },
    ),
    mem: fc.array(fc.integer({ min: 1_000_000, max: 8_000_000_000 }), { minLength: hours, maxLength: hours }),
    noise: fc.double({ min: 0, max: 0.5, noNaN: true }),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
  });
type Hourly = { cpu: number[]; mem: number[]; noise: number; seed: number };

function synthetic(h: Hourly, i: number, start: number): SyntheticContainer {
  const rnd = prng(h.seed);
  const jitter = new Map<number, number>();
  const at = (t: number): number => {
    if (!jitter.has(t)) jitter.set(t, rnd());
    return jitter.get(t)!;
  };
  const hour = (t: number): number => Math.min(h.cpu.length - 1, Math.max(0, Math.floor((t - start) / 3600)));
  return {
    namespace: 'ns',
    pod: `app-${i}`,
    container: 'app',
    cpu: (t) => h.cpu[hour(t)]! * (1 + h.noise * (at(t) - 0.5)),
    mem: (t) => h.mem[hour(t)]! * (1 + h.noise * (at(t + 1) - 0.5)),
  };
}

async function readAll(src: MetricsSource, r: UsageRequest): Promise<UsageSeries[]> {
  const out: UsageSeries[] = [];
  for await (const b of src.readUsage(r, { logger: silentLogger })) out.push(...b.series);
  return out;
}

const requestOf = (window: UsageRequest['window'], n: number): UsageRequest => ({
  window,
  containers: Array.from({ length: n }, (_, i) => ({ namespace: 'ns', pod: `app-${i}`, container: 'app' })),
});

describe('model/usage summary', () => {
  it('a coarse run of equal intervals folds to figures that hold the invariants, max the highest of its series', () => {
    const window = { start: END - 4 * 86400, end: END, step: STEP };
    const slots = (window.end - window.start) / STEP;
    const run = fc.record({
      length: fc.integer({ min: 1, max: 40 }),
      cpu: fc.oneof(
        fc.constant(NaN),
        fc.double({ min: 0, max: 0.03, noNaN: true }),
        fc.double({ min: 0, max: 8 }),
      ),
      max: fc.oneof(fc.constant(NaN), fc.double({ min: 0, max: 16, noNaN: true })),
      mem: fc.oneof(fc.constant(NaN), fc.double({ min: 1e6, max: 1e10, noNaN: true })),
    });
    fc.assert(
      fc.property(fc.array(run, { minLength: 1, maxLength: 60 }), (runs) => {
        const values = runs.flatMap((r) => Array.from({ length: r.length }, () => r)).slice(0, slots);
        if (!values.some((v) => v.cpu >= 0) || !values.some((v) => v.mem >= 0)) return;
        const series: UsageSeries = {
          namespace: 'ns',
          pod: 'app-0',
          container: 'app',
          offset: 0,
          cpuMean: Float32Array.from(values.map((v) => v.cpu)),
          cpuMax: Float32Array.from(values.map((v) => v.max)),
          memMax: Float32Array.from(values.map((v) => v.mem)),
          samples: values.length * 5,
        };
        expect(checkSeries([series], window, 'fold')).toBe(1);
      }),
      { numRuns: 200 },
    );
  });

  it('from an OpenMetrics file, p50 ≤ p90 ≤ p95 ≤ p99 ≤ max, max the highest 5-minute mean and peak', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-summary-om-'));
    const window = { start: END - 86400, end: END, step: STEP };
    try {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(hourly(24), { minLength: 1, maxLength: 3 }), async (list) => {
          const file = join(dir, `usage-${run++}.om`);
          await writeSyntheticOpenMetrics(file, {
            start: window.start,
            end: window.end,
            scrape: 60,
            containers: list.map((h, i) => synthetic(h, i, window.start)),
          });
          const series = await readAll(createOpenMetricsSource(file), requestOf(window, list.length));
          expect(checkSeries(series, window, 'openmetrics')).toBe(list.length);
          rmSync(file);
        }),
        { numRuns: 15 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeWithPrometheus()('model/usage summary from a real Prometheus', () => {
  const window = { start: END - 2 * 86400, end: END, step: STEP };
  // fast-check's own generator, drawn once: one backfill serves every container.
  const list = fc.sample(hourly(48), { numRuns: 6, seed: 19 });
  const request = requestOf(window, list.length);
  const fast = { client: { retryMinMs: 20, retryMaxMs: 100 }, progress: 'none' as const };
  let dir: string;
  let prom: PrometheusServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tidemark-summary-prom-'));
    const om = join(dir, 'usage.om');
    await writeSyntheticOpenMetrics(om, {
      start: window.start,
      end: window.end,
      scrape: 60,
      containers: list.map((h, i) => synthetic(h, i, window.start)),
    });
    prom = await startPrometheus({ blocks: backfill(om, join(dir, 'blocks')) });
  }, SLOW_TEST_MS);

  afterAll(async () => {
    await prom?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds the invariants at full resolution', async () => {
    const series = await readAll(createPrometheusSource({ url: prom.url }, fast), request);
    expect(checkSeries(series, window, 'prometheus')).toBe(list.length);
  });

  it('holds the invariants with the coarse tier (hourly points for the first day)', async () => {
    const coarse = createPrometheusSource({ url: prom.url, coarse: { after: '1d', step: '1h' } }, fast);
    const series = await readAll(coarse, request);
    expect(checkSeries(series, window, 'prometheus coarse')).toBe(list.length);
  });
});
