/**
 * The Prometheus source against a real Prometheus (Debian's package) backfilled with promtool:
 * it must produce the same estimator input as the file source from the same OpenMetrics, and
 * handle the server's failures as the source contract says.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrometheusSource } from './index.js';
import { createOpenMetricsSource } from '../openmetrics/index.js';
import { request as httpRequest } from 'node:http';
import type { UsageRequest, UsageSeries } from '../types.js';
import { createMemoryLogger } from '../../core/logger.js';
import { SourceError } from '../../core/errors.js';
import {
  backfill,
  backfillRules,
  RECORDED_CPU_RATE,
  startPrometheus,
  writeCpuRateRule,
  type PrometheusServer,
} from '../../testing/prometheus.js';
import { describeWithPrometheus } from '../../testing/prometheus-tier.js';
import { writeSyntheticOpenMetrics, type SyntheticContainer } from '../../testing/usage-openmetrics.js';
import { prng } from '../../core/prng.js';
import { makeTestPki } from '../../testing/tls.js';
import { SLOW_TEST_MS } from '../../testing/slow.js';
import { readAllUsage as readAll, seriesKey as key, valueAt as at } from '../../testing/usage-read.js';
import { closeProxy as close, proxy } from '../../testing/http-proxy.js';

const STEP = 300;
const END = 1_800_000_000 - (1_800_000_000 % 86400); // a day boundary, aligned to every step
const START = END - 2 * 86400;
const MiB = 2 ** 20;

function containers(): SyntheticContainer[] {
  const out: SyntheticContainer[] = [];
  const rnd = prng(7);
  for (const ns of ['shop', 'batch-jobs']) {
    for (let p = 0; p < 6; p++) {
      const base = 0.05 + rnd() * 0.5;
      const memBase = (100 + rnd() * 400) * MiB;
      const noise = prng(p + ns.length * 100);
      const cache = new Map<number, number>();
      const jitter = (t: number): number => {
        if (!cache.has(t)) cache.set(t, noise());
        return cache.get(t)!;
      };
      out.push({
        namespace: ns,
        pod: `web-7d9f8-${p}x.${ns === 'shop' ? 'a' : 'b'}`,
        container: 'app',
        cpu: (t) => base * (1 + 0.6 * Math.sin((2 * Math.PI * t) / 86400)) + 0.1 * jitter(t),
        mem: (t) => memBase + 30 * MiB * jitter(t) + ((t - START) / 86400) * 10 * MiB,
        resets: p === 1 ? [START + 86400 + 17 * 60] : undefined,
        gaps: p === 2 ? [[START + 3600 * 10, START + 3600 * 11 + 120]] : undefined,
        duplicate: p === 3 ? 0.5 : undefined,
        ooms: p === 4 ? [START + 86400 * 1.5 - 60] : undefined,
      });
    }
  }
  // A sidecar in one pod, so pods with several containers are batched together.
  out.push({ ...out[0]!, container: 'istio-proxy', cpu: () => 0.01, mem: () => 40 * MiB, resets: undefined });
  return out;
}

/** Interval indexes whose 5-minute window touches a gap's edge (Prometheus extrapolates there). */
function nearGap(c: SyntheticContainer | undefined, i: number): boolean {
  return (c?.gaps ?? []).some(([a, b]) =>
    [a, b].some((edge) => Math.abs(START + i * STEP - edge) <= 2 * STEP),
  );
}

describeWithPrometheus()('collect/prometheus (real Prometheus)', () => {
  let dir: string;
  let prom: PrometheusServer;
  let blocks: string;
  let request: UsageRequest;
  const fast = { client: { retryMinMs: 20, retryMaxMs: 100 }, progress: 'none' as const };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tidemark-prom-test-'));
    const om = join(dir, 'usage.om');
    const cs = containers();
    await writeSyntheticOpenMetrics(om, { start: START, end: END, scrape: 60, containers: cs });
    blocks = backfill(om, join(dir, 'blocks'));
    prom = await startPrometheus({ blocks });
    request = {
      window: { start: START, end: END, step: STEP },
      containers: cs.map(({ namespace, pod, container }) => ({ namespace, pod, container })),
    };
    (globalThis as { __om?: string }).__om = om;
  }, SLOW_TEST_MS);

  afterAll(async () => {
    await prom?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('produces the estimator input the file source produces from the same history', async () => {
    const om = (globalThis as { __om?: string }).__om!;
    const file = await readAll(createOpenMetricsSource(om), request);
    const src = createPrometheusSource({ url: prom.url, maxSeriesPerQuery: 4, queryStats: true }, fast);
    const live = await readAll(src, request);
    expect(live.batches).toBeGreaterThan(2); // 13 containers, at most 4 per query
    expect(live.series.map(key).sort()).toEqual(file.series.map(key).sort());
    const byKey = new Map(live.series.map((s) => [key(s), s]));
    const spec = new Map(containers().map((c) => [key(c), c]));
    const slots = (END - START) / STEP;
    let compared = 0;
    for (const f of file.series) {
      const p = byKey.get(key(f))!;
      let onlyOne = 0;
      for (let i = 0; i < slots; i++) {
        for (const field of ['cpuMean', 'cpuMax', 'memMax'] as const) {
          const a = at(f, field, i);
          const b = at(p, field, i);
          if (Number.isNaN(a) !== Number.isNaN(b)) {
            onlyOne++;
            continue;
          }
          if (Number.isNaN(a)) continue;
          compared++;
          // CPU comes back rounded to 0.1 millicores, memory in bytes as scraped.
          const tol = field === 'memMax' ? 0 : 1e-4 + Math.abs(a) * 1e-6;
          if (Math.abs(a - b) > tol) {
            // At a gap's edge the file source averages over the covered seconds while
            // Prometheus' rate extrapolates half a scrape: allowed there, nowhere else.
            if (field !== 'memMax' && nearGap(spec.get(key(f)), i)) continue;
            throw new Error(`${key(f)} ${field}[${i}]: file ${a} vs prometheus ${b}`);
          }
        }
      }
      // Only the intervals touching a gap's edges may differ in whether they have data.
      expect(onlyOne).toBeLessThanOrEqual(6);
      expect(p.samples).toBeGreaterThan(0.9 * f.samples);
    }
    expect(compared).toBeGreaterThan(13 * slots * 2);
    expect(live.ooms.map((o) => key(o)).sort()).toEqual(file.ooms.map((o) => key(o)).sort());
    for (const o of live.ooms) {
      const f = file.ooms.find((x) => key(x) === key(o))!;
      expect(Math.abs(o.time - f.time)).toBeLessThanOrEqual(STEP);
    }
    expect(live.restarts!.reduce((n, r) => n + r.count, 0)).toBe(
      file.restarts!.reduce((n, r) => n + r.count, 0),
    );
    const st = src.stats();
    expect(st.queries).toBeGreaterThanOrEqual(live.batches * 5);
    expect(st.bytes).toBeGreaterThan(0);
    expect(st.serverSamples).toBeGreaterThan(0);
  });

  it("drops points above the container's node, counts them and warns once", async () => {
    const om = (globalThis as { __om?: string }).__om!;
    const file = await readAll(createOpenMetricsSource(om), request);
    const target = request.containers[0]!;
    const peaks = Array.from(file.series.find((s) => key(s) === key(target))!.memMax).filter(
      (v) => !Number.isNaN(v),
    );
    // A node smaller than this container's median peak: about half its intervals are impossible.
    // Halfway between two peaks, as the file source's float32 peaks are a few bytes off the raw ones.
    const sorted = [...peaks].sort((a, b) => a - b);
    const mid = Math.floor(peaks.length / 2);
    expect(sorted[mid + 1]! - sorted[mid]!).toBeGreaterThan(32);
    const cap = Math.round((sorted[mid]! + sorted[mid + 1]!) / 2);
    const above = peaks.filter((v) => v > cap).length;
    expect(above).toBeGreaterThan(peaks.length / 4);
    const r: UsageRequest = {
      ...request,
      containers: request.containers.map((c) =>
        c === target ? { ...c, ceiling: { cpuCores: 64, memoryBytes: cap, node: 'small-node' } } : c,
      ),
    };
    const logger = createMemoryLogger('info');
    const src = createPrometheusSource({ url: prom.url, maxSeriesPerQuery: 4 }, fast);
    const series: UsageSeries[] = [];
    for await (const b of src.readUsage(r, { logger })) series.push(...b.series);
    expect(src.stats().invalidSamples).toEqual({
      total: above,
      negative: 0,
      nonFinite: 0,
      aboveNode: above,
      example: expect.stringMatching(
        new RegExp(
          `^memMax of ${key(target).replace(/[.]/g, '\\.')} at \\S+Z: \\d+: above its node's capacity \\(\\d+Mi on small-node\\)$`,
        ),
      ),
    });
    const kept = series.find((s) => key(s) === key(target))!;
    expect(Array.from(kept.memMax).filter((v) => !Number.isNaN(v))).toEqual(peaks.filter((v) => v <= cap));
    const warnings = logger.lines.filter((l) => l.includes('"level":"warn"'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ invalidSamples: above, aboveNode: above });
  });

  it('sends every query as a POST form body, never in the URL, with the extra selector', async () => {
    const p = await proxy(prom.url, (_n, _res, forward) => forward());
    const seen = p.seen;
    try {
      const src = createPrometheusSource({ url: p.url, selector: 'job="cadvisor"' }, fast);
      const r = await readAll(src, request);
      expect(r.series.length).toBe(13);
      expect(seen.every((s) => s.method === 'POST' && /^\/api\/v1\/query(_range)?$/.test(s.url))).toBe(true);
      expect(seen.filter((s) => s.url === '/api/v1/query_range').length).toBeGreaterThan(0);
      const queries = seen.map((s) => new URLSearchParams(s.body).get('query')!);
      expect(queries.every((q) => q.includes('job="cadvisor"'))).toBe(true);
      expect(queries.some((q) => q.includes('pod=~"'))).toBe(true);
      // Batches carry pods as a regex with dots escaped, and stay in the form body.
      expect(queries.some((q) => q.includes('web-7d9f8-0x\\\\.a'))).toBe(true);
      // Query statistics cost the server time: asked for only when configured.
      expect(seen.some((s) => new URLSearchParams(s.body).has('stats'))).toBe(false);
      expect(src.stats().serverSamples).toBe(0);
    } finally {
      close(p.server);
    }
  });

  it('splits a query the server rejects as too large, instead of repeating it', async () => {
    const small = await startPrometheus({ blocks, flags: ['--query.max-samples=20000'] });
    try {
      const src = createPrometheusSource({ url: small.url, maxSamplesPerQuery: 100_000_000 }, fast);
      const r = await readAll(src, request);
      expect(r.series.length).toBe(13);
      const st = src.stats();
      expect(st.splits).toBeGreaterThan(0);
      expect(st.retries).toBe(0);
    } finally {
      await small.stop();
    }
  });

  it('splits a query that times out', async () => {
    // The first two answers take longer than the client's timeout.
    const p = await proxy(prom.url, (n, _res, forward) => {
      if (n === 3 || n === 4) setTimeout(forward, 2500);
      else forward();
    });
    try {
      const src = createPrometheusSource({ url: p.url, timeout: '1s', concurrency: 1 }, fast);
      const r = await readAll(src, request);
      expect(r.series.length).toBe(13);
      expect(src.stats().splits).toBeGreaterThanOrEqual(1);
    } finally {
      close(p.server);
    }
  });

  it('retries transient 5xx with backoff, then succeeds', async () => {
    const p = await proxy(prom.url, (n, res, forward) => {
      if (n === 2 || n === 3) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('bad gateway');
      } else forward();
    });
    try {
      const src = createPrometheusSource({ url: p.url, concurrency: 1 }, fast);
      const r = await readAll(src, request);
      expect(r.series.length).toBe(13);
      expect(src.stats().retries).toBe(2);
    } finally {
      close(p.server);
    }
  });

  it('fails clearly when Prometheus goes away mid-run, after retrying', async () => {
    const victim = await startPrometheus({ blocks });
    const p = await proxy(victim.url, (n, _res, forward) => {
      if (n === 4) void victim.stop().then(forward);
      else forward();
    });
    try {
      const src = createPrometheusSource({ url: p.url, concurrency: 1, retries: 2 }, fast);
      const err = await readAll(src, request).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SourceError);
      expect((err as Error).message).toMatch(/unreachable|failed|HTTP 5/);
      expect(src.stats().retries).toBe(2);
    } finally {
      close(p.server);
      await victim.stop();
    }
  });

  it('treats a response with warnings as missing data, and a bad query as a clear error', async () => {
    const p = await proxy(prom.url, (n, res, forward) => {
      if (n === 3) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            status: 'success',
            warnings: ['partial response: store gateway unavailable'],
            data: { resultType: 'matrix', result: [] },
          }),
        );
      } else forward();
    });
    try {
      const err = await readAll(createPrometheusSource({ url: p.url, concurrency: 1 }, fast), request).catch(
        (e: unknown) => e,
      );
      expect((err as SourceError).code).toBe('source-incomplete');
      expect((err as Error).message).toMatch(/partial response/);
    } finally {
      close(p.server);
    }
    const bad = await readAll(
      createPrometheusSource({ url: prom.url, selector: 'job=~"("' }, fast),
      request,
    ).catch((e: unknown) => e);
    expect((bad as SourceError).code).toBe('query-invalid');
    expect((bad as Error).message).toMatch(/rejected the query/);
  });

  it('fails fast on a metric name or selector that matches nothing', async () => {
    const err = await readAll(
      createPrometheusSource({ url: prom.url, selector: 'cluster="nope"' }, fast),
      request,
    ).catch((e: unknown) => e);
    expect((err as SourceError).code).toBe('source-incomplete');
    expect((err as Error).message).toMatch(
      /no container_cpu_usage_seconds_total series matching \{cluster="nope"\}/,
    );
  });

  it("a warm read's preflight looks only inside what it reads (a range query loads every block it spans)", async () => {
    const from = END - 6 * 3600;
    const { url, server, seen } = await proxy(prom.url, (_, __, forward) => forward());
    try {
      const got = await readAll(createPrometheusSource({ url }, fast), { ...request, from });
      expect(got.series.length).toBe(request.containers.length);
      // A metric scraped at the read's end is seen by one instant there, per metric.
      const looks = seen.filter((r) => decodeURIComponent(r.body).includes('count('));
      expect(looks.map((r) => [r.url.replace(/\?.*/, ''), new URLSearchParams(r.body).get('time')])).toEqual([
        ['/api/v1/query', String(END)],
        ['/api/v1/query', String(END)],
      ]);
    } finally {
      close(server);
    }
    // Nothing at that instant: four looks inside the read, none before it.
    const quiet = await proxy(prom.url, (_, res, forward) => {
      const last = quiet.seen.at(-1)!;
      if (
        last.url.startsWith('/api/v1/query') &&
        !last.url.startsWith('/api/v1/query_range') &&
        decodeURIComponent(last.body).includes('count(container')
      ) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
        return;
      }
      forward();
    });
    try {
      const got = await readAll(createPrometheusSource({ url: quiet.url }, fast), { ...request, from });
      expect(got.series.length).toBe(request.containers.length);
      const looks = quiet.seen
        .filter(
          (r) => r.url.startsWith('/api/v1/query_range') && decodeURIComponent(r.body).includes('count('),
        )
        .map((r) => new URLSearchParams(r.body));
      expect(looks).toHaveLength(2);
      for (const l of looks) {
        // Six hours in four looks of 5,400 s: the first at from + 5,400 s, the last at the end.
        expect([l.get('start'), l.get('end'), l.get('step')]).toEqual([
          String(from + 5400),
          String(END),
          '5400',
        ]);
      }
    } finally {
      close(quiet.server);
    }
  });

  it('does not fail fast on a history that only the whole-window count sees', async () => {
    // The window's last four days hold no data; its first hour does. The four preflight instants
    // (a day apart from the end) see nothing, the whole-window count sees the hour.
    const sparse: UsageRequest = {
      ...request,
      window: { start: END - 3600, end: END + 4 * 86400 - 3600, step: STEP },
    };
    const { url, server, seen } = await proxy(prom.url, (_, __, forward) => forward());
    try {
      const got = await readAll(createPrometheusSource({ url }, fast), sparse);
      expect(got.series.length).toBe(request.containers.length);
      // The hour's twelve intervals, and the one starting at END that holds END's own scrape.
      expect(new Set(got.series.map((s) => `${s.offset}:${s.cpuMean.length}`))).toEqual(new Set(['0:13']));
      const looks = seen.filter((r) => decodeURIComponent(r.body).includes('count('));
      // Per metric: the instant at the end, the four instants, then the whole window.
      expect(looks.map((r) => r.url.replace(/\?.*/, '')).sort()).toEqual([
        '/api/v1/query',
        '/api/v1/query',
        '/api/v1/query',
        '/api/v1/query',
        '/api/v1/query_range',
        '/api/v1/query_range',
      ]);
    } finally {
      close(server);
    }
    // On a big cluster the whole-window count may be too many samples for the server: that is
    // history too, and the run goes on (the batches split what is too large).
    const refusing = await proxy(prom.url, (_, res, forward) => {
      const last = refusing.seen.at(-1)!;
      if (
        !last.url.startsWith('/api/v1/query_range') &&
        decodeURIComponent(last.body).includes('count_over_time')
      ) {
        res.writeHead(422, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            status: 'error',
            errorType: 'execution',
            error: 'query processing would load too many samples into memory in query execution',
          }),
        );
      } else forward();
    });
    try {
      const got = await readAll(createPrometheusSource({ url: refusing.url }, fast), sparse);
      expect(got.series.length).toBe(request.containers.length);
      expect(refusing.seen.filter((r) => decodeURIComponent(r.body).includes('count_over_time')).length).toBe(
        2,
      );
    } finally {
      close(refusing.server);
    }
  });

  it(
    'reads CPU from a recorded irate rule (no subquery) and gets what the counter gives',
    async () => {
      // kube-prometheus' rule, narrowed to the primary cAdvisor job as its own is to the kubelet's.
      const rate = RECORDED_CPU_RATE;
      const rules = writeCpuRateRule(join(dir, 'rules.yml'), {
        interval: 60,
        matchers: 'job="cadvisor", container!=""',
      });
      const both = join(dir, 'with-rules');
      cpSync(blocks, both, { recursive: true });
      backfillRules(prom.url, rules, { start: START, end: END }, both);
      const withRules = await startPrometheus({ blocks: both });
      try {
        const { url, server, seen } = await proxy(withRules.url, (_, __, forward) => forward());
        try {
          const counter = await readAll(createPrometheusSource({ url: withRules.url }, fast), request);
          const recorded = await readAll(
            createPrometheusSource({ url, recordedCpuRate: rate }, fast),
            request,
          );
          const queries = seen.map((r) => new URLSearchParams(r.body).get('query') ?? '');
          expect(queries.some((q) => q.includes(':60s]'))).toBe(false); // no subquery
          expect(queries.filter((q) => q.includes(rate)).length).toBeGreaterThan(0);
          const byKey = new Map(counter.series.map((x) => [key(x), x]));
          // The rule runs on its own clock (promtool and Prometheus offset each group), so its point
          // in (t - 5m, t] reflects the scrapes up to a minute before: the same rates, lagged by
          // less than one evaluation. Totals agree; every peak is one the counter saw at t or t - 5m.
          let compared = 0;
          for (const r of recorded.series) {
            const c = byKey.get(key(r))!;
            const spec = containers().find((x) => key(x) === key(r));
            let sumC = 0;
            let sumR = 0;
            let peaksC = 0;
            let peaksR = 0;
            for (let i = 1; i < 576; i++) {
              expect(at(r, 'memMax', i)).toBe(at(c, 'memMax', i));
              if (nearGap(spec, i) || nearGap(spec, i - 1)) continue;
              const [meanC, meanR, maxR] = [at(c, 'cpuMean', i), at(r, 'cpuMean', i), at(r, 'cpuMax', i)];
              if ([meanC, meanR, maxR].some(Number.isNaN)) continue;
              compared++;
              sumC += meanC;
              sumR += meanR;
              peaksC += at(c, 'cpuMax', i);
              peaksR += maxR;
              const seen = Math.max(at(c, 'cpuMax', i - 1), at(c, 'cpuMax', i));
              if (maxR > seen + 1e-4 || maxR < meanR - 1e-4)
                throw new Error(`${key(r)} cpuMax[${i}]: recorded ${maxR}, counter peaks ${seen}`);
            }
            expect(Math.abs(sumR - sumC) / sumC).toBeLessThan(0.005);
            // Peaks are the per-scrape highs, not the means (which sit 6–30 % lower here).
            expect(Math.abs(peaksR / peaksC - 1)).toBeLessThan(0.01);
          }
          expect(compared).toBeGreaterThan(13 * 560);
          // With remote read, the working set comes decoded (whole-window arrays, as PromQL's
          // CPU is added to them on the main thread) and the batch is the same, interval by interval.
          const remote = await readAll(
            createPrometheusSource({ url, recordedCpuRate: rate, read: 'remote-read' }, fast),
            request,
          );
          const norm = (b: typeof recorded): unknown =>
            b.series
              .map((x) => ({ ...x, cpuMean: [...x.cpuMean], cpuMax: [...x.cpuMax], memMax: [...x.memMax] }))
              .sort((x, y) => key(x).localeCompare(key(y)));
          expect(norm(remote)).toEqual(norm(recorded));
          // A rule name that is not there fails fast and names the setting.
          const missing = await readAll(
            createPrometheusSource({ url, recordedCpuRate: 'no_such:rate' }, fast),
            request,
          ).catch((e: unknown) => e);
          expect((missing as SourceError).context.field).toBe('metrics.prometheus.recordedCpuRate');
          expect((missing as Error).message).toMatch(/no no_such:rate series/);
        } finally {
          close(server);
        }
      } finally {
        await withRules.stop();
      }
    },
    SLOW_TEST_MS,
  );

  it("with cpuPeaks: interval, skips the peak subquery and leaves peaks to the estimator's means", async () => {
    const full = createPrometheusSource({ url: prom.url }, fast);
    const lean = createPrometheusSource({ url: prom.url, cpuPeaks: 'interval' }, fast);
    const a = await readAll(full, request);
    const b = await readAll(lean, request);
    expect(b.series.map(key).sort()).toEqual(a.series.map(key).sort());
    expect(b.series.every((s) => s.cpuMax.every((v) => Number.isNaN(v)))).toBe(true);
    const sa = a.series.find((s) => s.pod.startsWith('web-7d9f8-0x'))!;
    const sb = b.series.find((s) => key(s) === key(sa))!;
    expect(Array.from(sb.cpuMean)).toEqual(Array.from(sa.cpuMean));
    expect(lean.stats().queries).toBe(full.stats().queries - a.batches);
  });

  it('with a coarse tier, returns hourly points for older history: mean CPU, highest peaks, spread over the hour', async () => {
    const full = createPrometheusSource({ url: prom.url }, fast);
    const coarse = createPrometheusSource({ url: prom.url, coarse: { after: '1d', step: '1h' } }, fast);
    const a = await readAll(full, request);
    const b = await readAll(coarse, request);
    expect(b.series.map(key).sort()).toEqual(a.series.map(key).sort());
    expect(coarse.stats().samples).toBeLessThan(0.6 * full.stats().samples);
    const fa = a.series.find((s) => key(s) === 'shop/web-7d9f8-0x.a/app')!;
    const fb = b.series.find((s) => key(s) === key(fa))!;
    const edge = 288; // the first day is coarse, the second fine
    for (let i = edge; i < 576; i++) expect(at(fb, 'memMax', i)).toBe(at(fa, 'memMax', i));
    for (let h = 1; h < 24; h++) {
      const slots = Array.from({ length: 12 }, (_, j) => h * 12 + j);
      const memPeak = Math.max(...slots.map((i) => at(fa, 'memMax', i)));
      const cpuMean = slots.reduce((n, i) => n + at(fa, 'cpuMean', i), 0) / 12;
      for (const i of slots) {
        expect(at(fb, 'memMax', i)).toBe(memPeak);
        expect(Math.abs(at(fb, 'cpuMean', i) - cpuMean)).toBeLessThan(2e-4);
      }
    }
  });

  it('returns nothing for a container without data, so the workload is skipped upstream', async () => {
    const r = await readAll(createPrometheusSource({ url: prom.url }, fast), {
      ...request,
      containers: [...request.containers, { namespace: 'shop', pod: 'ghost-0', container: 'app' }],
    });
    expect(r.series.some((s) => s.pod === 'ghost-0')).toBe(false);
    expect(r.series.length).toBe(13);
  });

  it('sends basic auth from a file, and a wrong password is a clear error that never prints it', async () => {
    // bcrypt of "s3cret-pass" (Prometheus' web config wants a hash).
    const hash = '$2b$12$CXLWidc3mLSiQ9W3Q/jowuxwwDEL.bKVGhtSfK3eiL2o7iYfu/OXq';
    const guarded = await startPrometheus({ blocks, webConfig: `basic_auth_users:\n  tidemark: ${hash}\n` });
    const { writeFileSync } = await import('node:fs');
    const good = join(dir, 'good.pw');
    const wrong = join(dir, 'wrong.pw');
    writeFileSync(good, 's3cret-pass\n');
    writeFileSync(wrong, 'not-the-Pa55word\n');
    try {
      const ok = await readAll(
        createPrometheusSource(
          { url: guarded.url, basicAuth: { username: 'tidemark', passwordFile: good } },
          fast,
        ),
        request,
      );
      expect(ok.series.length).toBe(13);
      const logger = createMemoryLogger('debug');
      const err = await readAll(
        createPrometheusSource(
          { url: guarded.url, basicAuth: { username: 'tidemark', passwordFile: wrong } },
          fast,
        ),
        request,
      ).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/refused the credentials \(HTTP 401\)/);
      const text = JSON.stringify({
        m: (err as Error).message,
        c: (err as SourceError).context,
        logs: logger.lines,
      });
      expect(text).not.toContain('not-the-Pa55word');
      expect(text).not.toContain(Buffer.from('tidemark:not-the-Pa55word').toString('base64'));
    } finally {
      await guarded.stop();
    }
  });

  it('speaks TLS with a private CA and a client certificate (mTLS), and fails clearly without one', async () => {
    const pki = makeTestPki();
    const tlsProm = await startPrometheus({
      blocks,
      scheme: 'https',
      webConfig: [
        'tls_server_config:',
        `  cert_file: ${pki.serverCert}`,
        `  key_file: ${pki.serverKey}`,
        '  client_auth_type: RequireAndVerifyClientCert',
        `  client_ca_file: ${pki.caCert}`,
        '',
      ].join('\n'),
    });
    try {
      const ok = await readAll(
        createPrometheusSource(
          { url: tlsProm.url, tls: { caFile: pki.caCert, certFile: pki.clientCert, keyFile: pki.clientKey } },
          fast,
        ),
        request,
      );
      expect(ok.series.length).toBe(13);
      const noCert = await readAll(
        createPrometheusSource({ url: tlsProm.url, retries: 0, tls: { caFile: pki.caCert } }, fast),
        request,
      ).catch((e: unknown) => e);
      expect(noCert).toBeInstanceOf(SourceError);
      const untrusted = await readAll(
        createPrometheusSource(
          { url: tlsProm.url, retries: 0, tls: { certFile: pki.clientCert, keyFile: pki.clientKey } },
          fast,
        ),
        request,
      ).catch((e: unknown) => e);
      expect((untrusted as Error).message).toMatch(/certificate/i);
    } finally {
      await tlsProm.stop();
      rmSync(pki.dir, { recursive: true, force: true });
    }
  });

  it('sends a bearer token from a file; a wrong one is a clear error that never prints it', async () => {
    const { writeFileSync } = await import('node:fs');
    const p = await proxy(prom.url, (_n, res, forward) => forward());
    // The proxy plays an auth gateway (as in front of Thanos or Mimir): only this token passes.
    p.server.removeAllListeners('request');
    p.server.on('request', (req, res) => {
      if (req.headers.authorization !== 'Bearer tok-GOOD-123') {
        res.writeHead(401, { 'content-type': 'text/plain' });
        res.end('unauthorized');
        return;
      }
      const up = httpRequest(
        { host: '127.0.0.1', port: prom.port, method: req.method, path: req.url, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      req.pipe(up);
    });
    const good = join(dir, 'good.token');
    const bad = join(dir, 'bad.token');
    writeFileSync(good, 'tok-GOOD-123\n');
    writeFileSync(bad, 'tok-WRONG-456\n');
    try {
      const ok = await readAll(createPrometheusSource({ url: p.url, bearerTokenFile: good }, fast), request);
      expect(ok.series.length).toBe(13);
      const err = await readAll(
        createPrometheusSource({ url: p.url, bearerTokenFile: bad }, fast),
        request,
      ).catch((e: unknown) => e);
      expect((err as SourceError).code).toBe('source-unavailable');
      expect((err as Error).message).toMatch(/refused the credentials \(HTTP 401\)/);
      expect(JSON.stringify({ m: (err as Error).message, c: (err as SourceError).context })).not.toContain(
        'tok-WRONG-456',
      );
    } finally {
      close(p.server);
    }
  });
});
