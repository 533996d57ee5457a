/**
 * Remote read against a real Prometheus (Debian's package) backfilled with promtool: the same
 * estimator input as the PromQL path from the same TSDB, with counter resets, gaps, series that
 * start or end inside the window, jittered scrape times and duplicate series, at a 60 s and a
 * 300 s scrape; and a server that does not stream remote read falls back to PromQL.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrometheusSource } from './index.js';
import type { PrometheusConfig } from '../../config/types.js';
import type { UsageBatch, UsageRequest } from '../types.js';
import { createMemoryLogger } from '../../core/logger.js';
import { SourceError } from '../../core/errors.js';
import { backfill, startPrometheus, type PrometheusServer } from '../../testing/prometheus.js';
import { describeWithPrometheus } from '../../testing/prometheus-tier.js';
import { writeSyntheticOpenMetrics, type SyntheticContainer } from '../../testing/usage-openmetrics.js';
import { closeProxy, proxy } from '../../testing/http-proxy.js';
import { prng } from '../../core/prng.js';
import { SLOW_TEST_MS } from '../../testing/slow.js';
import { readAllUsage as readAll, seriesKey as key, valueAt as at } from '../../testing/usage-read.js';
import { chunkedReadResponse, frame } from '../../testing/remote-read-answer.js';
import { decodeWorkerCount, liveDecodeWorkers } from './remote-read/decode-pool.js';

const STEP = 300;
const END = 1_800_000_000 - (1_800_000_000 % 86400);
const START = END - 2 * 86400;
const MiB = 2 ** 20;

function containers(scrape: number): SyntheticContainer[] {
  const ns = `scrape-${scrape}`;
  const out: SyntheticContainer[] = [];
  for (let p = 0; p < 7; p++) {
    const rnd = prng(scrape + p);
    const base = 0.05 + rnd() * 0.5;
    const memBase = (100 + rnd() * 400) * MiB;
    const noise = new Map<number, number>();
    const at = (t: number): number => {
      if (!noise.has(t)) noise.set(t, rnd());
      return noise.get(t)!;
    };
    const drift = prng(1000 + scrape + p);
    out.push({
      namespace: ns,
      pod: `api-5c8d-${p}`,
      container: 'app',
      cpu: (t) => base * (1 + 0.6 * Math.sin((2 * Math.PI * t) / 86400)) + 0.2 * at(t),
      mem: (t) => memBase + 30 * MiB * at(t),
      // Scrapes land up to ±2.5 s off the nominal time, to the millisecond (not pod 0).
      jitter: p === 0 ? undefined : () => (drift() - 0.5) * 5,
      resets: p === 1 ? [START + 86400 + 17 * 60, START + 86400 + 47 * 60] : undefined,
      gaps:
        p === 2
          ? [[START + 3600 * 10, START + 3600 * 11 + 2 * scrape]]
          : p === 3
            ? [[START, START + 7 * 3600 + 13 * 60]] // starts inside the window
            : p === 4
              ? [[END - 5 * 3600 - 7 * 60, END + 1]] // ends inside it
              : undefined,
      duplicate: p === 5 ? 0.5 : undefined,
      ooms: p === 6 ? [START + 86400 * 1.5 - 60] : undefined,
    });
  }
  return out;
}

interface Parity {
  points: Record<'cpuMean' | 'cpuMax' | 'memMax', number>;
  exact: Record<'cpuMean' | 'cpuMax' | 'memMax', number>;
  maxDiff: Record<'cpuMean' | 'cpuMax' | 'memMax', number>;
  presence: number;
}

/** Compares two reads interval by interval; throws on the first difference beyond the rounding. */
function compare(promql: UsageBatch, remote: UsageBatch, slots: number): Parity {
  expect(remote.series.map(key).sort()).toEqual(promql.series.map(key).sort());
  const byKey = new Map(remote.series.map((s) => [key(s), s]));
  const zero = (): Record<'cpuMean' | 'cpuMax' | 'memMax', number> => ({ cpuMean: 0, cpuMax: 0, memMax: 0 });
  const out: Parity = { points: zero(), exact: zero(), maxDiff: zero(), presence: 0 };
  for (const a of promql.series) {
    const b = byKey.get(key(a))!;
    expect(b.samples).toBe(a.samples);
    for (let i = 0; i < slots; i++)
      for (const field of ['cpuMean', 'cpuMax', 'memMax'] as const) {
        const x = at(a, field, i);
        const y = at(b, field, i);
        if (Number.isNaN(x) !== Number.isNaN(y))
          throw new Error(`${key(a)} ${field}[${i}]: promql ${x} vs remote read ${y}`);
        if (Number.isNaN(x)) continue;
        out.points[field]++;
        const d = Math.abs(x - y);
        if (d === 0) out.exact[field]++;
        out.maxDiff[field] = Math.max(out.maxDiff[field], d);
        // CPU is rounded to 0.1 millicores on both sides: one rounding step apart at most.
        if (d > (field === 'memMax' ? 0 : 1e-4 * 1.0001))
          throw new Error(`${key(a)} ${field}[${i}]: promql ${x} vs remote read ${y}`);
      }
  }
  expect(remote.ooms.map(key).sort()).toEqual(promql.ooms.map(key).sort());
  expect(remote.restarts).toEqual(promql.restarts);
  return out;
}

describeWithPrometheus()('collect/prometheus remote read (real Prometheus)', () => {
  let dir: string;
  let prom: PrometheusServer;
  const fast = { client: { retryMinMs: 20, retryMaxMs: 100 }, progress: 'none' as const };
  const request = (scrape: number): UsageRequest => ({
    window: { start: START, end: END, step: STEP },
    containers: containers(scrape).map(({ namespace, pod, container }) => ({ namespace, pod, container })),
  });
  const cfg = (scrape: number, extra: Partial<PrometheusConfig> = {}): PrometheusConfig => ({
    url: prom.url,
    scrapeInterval: `${scrape}s`,
    maxSeriesPerQuery: 3,
    ...extra,
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tidemark-rread-test-'));
    const blocks = join(dir, 'blocks');
    for (const scrape of [60, 300]) {
      const om = join(dir, `usage-${scrape}.om`);
      await writeSyntheticOpenMetrics(om, { start: START, end: END, scrape, containers: containers(scrape) });
      backfill(om, blocks);
    }
    prom = await startPrometheus({ blocks });
  }, SLOW_TEST_MS);

  afterAll(async () => {
    await prom?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  // Decoded in worker threads (the default), and on the main thread where no worker can start.
  for (const [scrape, decodeWorkers] of [
    [60, undefined],
    [300, undefined],
    [60, 0],
    [300, 0],
  ] as const) {
    const where = decodeWorkers === 0 ? 'decoded on the main thread' : 'decoded in workers';
    it(`gives the PromQL path's series at a ${scrape} s scrape, ${where}`, async () => {
      const r = request(scrape);
      const promql = await readAll(createPrometheusSource(cfg(scrape), fast), r);
      const src = createPrometheusSource(cfg(scrape, { read: 'remote-read' }), { ...fast, decodeWorkers });
      const remote = await readAll(src, r);
      const parity = compare(promql, remote, (END - START) / STEP);
      // Every interval of 7 pods (one of them duplicated) over two days, less the gaps.
      expect(parity.points.memMax).toBeGreaterThan(6 * 576 * 0.8);
      expect(parity.points.cpuMax).toBeGreaterThan(6 * 576 * 0.8);
      console.log(`remote read parity at ${scrape} s: ${JSON.stringify(parity)}`);
      const st = src.stats();
      expect(st.read).toMatchObject({ mode: 'remote-read' });
      // 8 cAdvisor CPU series and 7 working-set series, two days at `scrape`, less the gaps.
      const perSeries = (2 * 86400) / scrape;
      expect(st.read!.rawSamples).toBeGreaterThan(15 * perSeries * 0.7);
      expect(st.read!.rawSamples).toBeLessThan(15 * (perSeries + 2 * (86400 / scrape)));
      // Batches of at most 3 containers: ceil(7/3) = 3 remote reads plus the probe.
      expect(st.read!.requests).toBe(3);
    });
  }

  it("matches a warm read's intervals and a coarse tier, in workers and on the main thread", async () => {
    const r = { ...request(60), from: END - 86400 + 3 * STEP };
    const coarse = { after: '12h', step: '1h' };
    const promql = await readAll(createPrometheusSource(cfg(60, { coarse }), fast), r);
    for (const decodeWorkers of [undefined, 0]) {
      const remote = await readAll(
        createPrometheusSource(cfg(60, { coarse, read: 'remote-read' }), { ...fast, decodeWorkers }),
        r,
      );
      const parity = compare(promql, remote, (END - START) / STEP);
      expect(parity.points.cpuMean).toBeGreaterThan(6 * 12 * 12);
    }
  });

  it('sends one snappy-compressed protobuf POST per batch to /api/v1/read, with the selector', async () => {
    const p = await proxy(prom.url, (_n, _res, forward) => forward());
    try {
      const src = createPrometheusSource(
        { ...cfg(60, { read: 'remote-read', selector: 'job="cadvisor"' }), url: p.url },
        fast,
      );
      const remote = await readAll(src, request(60));
      const reads = p.seen.filter((s) => s.url === '/api/v1/read');
      expect(reads).toHaveLength(1 + 3); // the probe, then one per batch
      expect(reads.every((s) => s.method === 'POST')).toBe(true);
      // The duplicate series (job cadvisor-2) is left out by the selector: one series per container.
      const dup = remote.series.find((s) => s.pod === 'api-5c8d-5')!;
      const promql = await readAll(
        createPrometheusSource(cfg(60, { selector: 'job="cadvisor"' }), fast),
        request(60),
      );
      expect(Array.from(dup.cpuMean)).toEqual(
        Array.from(promql.series.find((s) => s.pod === 'api-5c8d-5')!.cpuMean),
      );
      // Only kube-state-metrics' events went to query_range.
      const queries = p.seen
        .filter((s) => s.url === '/api/v1/query_range')
        .map((s) => new URLSearchParams(s.body).get('query')!);
      expect(queries.filter((q) => !/^count\(/.test(q)).every((q) => /kube_pod_container/.test(q))).toBe(
        true,
      );
    } finally {
      closeProxy(p.server);
    }
  });

  it('falls back to PromQL with one log line when the server refuses remote read', async () => {
    for (const refuse of [
      (res: ServerResponse) => {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('404 page not found');
      },
      (res: ServerResponse) => {
        // A sampled (not streamed) answer.
        res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' });
        res.end(Buffer.from([0]));
      },
    ]) {
      const p = await proxy(prom.url, (_n, res, forward) => {
        if (p.seen.at(-1)?.url === '/api/v1/read') refuse(res);
        else forward();
      });
      try {
        const logger = createMemoryLogger('info');
        const src = createPrometheusSource({ ...cfg(60, { read: 'remote-read' }), url: p.url }, fast);
        const r = await readAll(src, request(60), logger);
        expect(r.series).toHaveLength(7);
        const warns = logger.lines.filter((l) => l.includes('remote read refused'));
        expect(warns).toHaveLength(1);
        expect(p.seen.filter((s) => s.url === '/api/v1/read')).toHaveLength(1);
        const read = src.stats().read!;
        expect(read.mode).toBe('promql');
        expect(read.fallback).toMatch(/HTTP 404|application\/x-protobuf/);
        expect(warns[0]).toContain(read.fallback!.slice(0, 20));
      } finally {
        closeProxy(p.server);
      }
    }
  });

  it("sends the client's bearer token to /api/v1/read; a gateway forbidding remote read means PromQL", async () => {
    const token = 'tok-READ-789';
    const tokenFile = join(dir, 'read.token');
    writeFileSync(tokenFile, `${token}\n`);
    let forbidRead = false;
    const p = await proxy(prom.url, (_n, res, forward) => {
      const last = p.seen.at(-1)!;
      if (last.authorization !== `Bearer ${token}` || (forbidRead && last.url === '/api/v1/read')) {
        res.writeHead(last.authorization === `Bearer ${token}` ? 403 : 401, { 'content-type': 'text/plain' });
        res.end('no');
      } else forward();
    });
    try {
      const logger = createMemoryLogger('debug');
      const on = createPrometheusSource(
        { ...cfg(60, { read: 'remote-read', bearerTokenFile: tokenFile }), url: p.url },
        fast,
      );
      const a = await readAll(on, request(60), logger);
      expect(on.stats().read!.mode).toBe('remote-read');
      expect(a.series).toHaveLength(7);
      forbidRead = true;
      const off = createPrometheusSource(
        { ...cfg(60, { read: 'remote-read', bearerTokenFile: tokenFile }), url: p.url },
        fast,
      );
      const b = await readAll(off, request(60), logger);
      expect(off.stats().read).toEqual({
        mode: 'promql',
        fallback: 'HTTP 403 (remote read forbidden for these credentials)',
      });
      expect(b.series).toHaveLength(7);
      expect(logger.lines.join('\n')).not.toContain(token);
    } finally {
      closeProxy(p.server);
    }
  });

  it('fails with a typed error naming the URL when a frame is corrupt, never a partial batch', async () => {
    let reads = 0;
    const p = await proxy(prom.url, (_n, res, forward) => {
      if (p.seen.at(-1)?.url !== '/api/v1/read' || ++reads === 1) return forward();
      // Forward the real answer with one byte of the first frame's data flipped.
      const up = fetch(`${prom.url}/api/v1/read`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
        body: p.seen.at(-1)!.raw,
      });
      void up.then(async (r) => {
        const b = Buffer.from(await r.arrayBuffer());
        const mid = b.length >> 1;
        b[mid] = b[mid]! ^ 0xff;
        res.writeHead(200, { 'content-type': r.headers.get('content-type')! });
        res.end(b);
      });
    });
    try {
      for (const decodeWorkers of [undefined, 0]) {
        reads = 0;
        const src = createPrometheusSource(
          { ...cfg(60, { read: 'remote-read' }), url: p.url },
          { ...fast, decodeWorkers },
        );
        const err = await readAll(src, request(60)).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(SourceError);
        expect((err as SourceError).code).toBe('source-incomplete');
        expect((err as Error).message).toMatch(
          new RegExp(
            `^Prometheus remote read at ${p.url.replace(/[.]/g, '\\.')}/api/v1/read: frame \\d+ is corrupt \\(CRC-32C 0x[0-9a-f]{8}, the frame says 0x[0-9a-f]{8}\\)`,
          ),
        );
        // The read is over: no decode worker outlives it.
        expect(liveDecodeWorkers()).toBe(0);
      }
    } finally {
      closeProxy(p.server);
    }
  });

  /** A proxy answering every batch's remote read (not the probe) with `frames`, streamed. */
  async function answering(frames: () => Buffer[]): Promise<Awaited<ReturnType<typeof proxy>>> {
    let reads = 0;
    const p = await proxy(prom.url, (_n, res, forward) => {
      if (p.seen.at(-1)?.url !== '/api/v1/read' || ++reads === 1) return forward();
      res.writeHead(200, {
        'content-type': 'application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse',
      });
      res.end(Buffer.concat(frames()));
    });
    return p;
  }

  it('brings an error raised in a decode worker back as the same typed error, naming the endpoint and the series', async () => {
    // A float series answered with a native histogram chunk: the worker refuses it.
    const labels = {
      __name__: 'container_cpu_usage_seconds_total',
      namespace: 'scrape-60',
      pod: 'api-5c8d-0',
      container: 'app',
    };
    const p = await answering(() => [
      frame(
        chunkedReadResponse(0, labels, [
          { minTimeMs: START * 1000, maxTimeMs: END * 1000, type: 2, data: Buffer.from([0, 1]) },
        ]),
      ),
    ]);
    try {
      const messages: string[] = [];
      for (const decodeWorkers of [undefined, 2, 0]) {
        const src = createPrometheusSource(
          { ...cfg(60, { read: 'remote-read' }), url: p.url },
          { ...fast, decodeWorkers },
        );
        const err = await readAll(src, request(60)).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(SourceError);
        const e = err as SourceError;
        expect(e.code).toBe('source-incomplete');
        expect(e.context).toEqual({ object: `Prometheus remote read at ${p.url}/api/v1/read` });
        expect(e.message).toBe(
          `Prometheus remote read at ${p.url}/api/v1/read: {__name__="container_cpu_usage_seconds_total", namespace="scrape-60", pod="api-5c8d-0", container="app"} has a chunk of encoding 2, not XOR (a native histogram where a float series was expected)`,
        );
        messages.push(e.message);
        expect(liveDecodeWorkers()).toBe(0);
      }
      // Workers or not, the same words.
      expect(new Set(messages).size).toBe(1);
    } finally {
      closeProxy(p.server);
    }
  });

  it('fails the read on a frame that is not a ChunkedReadResponse, with no worker left running', async () => {
    // A checksum that holds around bytes that are not the message: field 1 says 5 bytes, has 1.
    const p = await answering(() => [frame(Buffer.from([0x0a, 0x05, 0x01]))]);
    try {
      const src = createPrometheusSource(
        { ...cfg(60, { read: 'remote-read' }), url: p.url },
        { ...fast, decodeWorkers: 2 },
      );
      const err = await readAll(src, request(60)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SourceError);
      expect((err as Error).message).toMatch(
        new RegExp(
          `^Prometheus remote read at ${p.url.replace(/[.]/g, '\\.')}/api/v1/read: frame 1 of remote read of scrape-60 \\(3 pods\\) is not a ChunkedReadResponse \\(.+\\)$`,
        ),
      );
      expect(liveDecodeWorkers()).toBe(0);
    } finally {
      closeProxy(p.server);
    }
  });

  it('runs as many decode workers as asked, one per core by default, none when asked for none', async () => {
    // Batches of one container: 7 batches, up to 4 in flight (the default concurrency).
    const src = (decodeWorkers?: number) =>
      createPrometheusSource(cfg(60, { read: 'remote-read', maxSeriesPerQuery: 1 }), {
        ...fast,
        decodeWorkers,
      });
    const most = async (decodeWorkers?: number): Promise<number> => {
      let high = 0;
      for await (const b of src(decodeWorkers).readUsage(request(60), {
        logger: createMemoryLogger('info'),
      })) {
        expect(b.series.length).toBeGreaterThan(0);
        high = Math.max(high, liveDecodeWorkers());
      }
      expect(liveDecodeWorkers()).toBe(0);
      return high;
    };
    expect(await most(0)).toBe(0);
    expect(await most(1)).toBe(1);
    const def = decodeWorkerCount(4);
    expect(def).toBe(Math.min(4, availableParallelism()));
    expect(await most()).toBeLessThanOrEqual(def);
    expect(await most()).toBeGreaterThanOrEqual(1);
    // Never more than the batches in flight, never none by default.
    expect(decodeWorkerCount(1)).toBe(1);
    expect(decodeWorkerCount(0)).toBe(1);
    expect(decodeWorkerCount(4, 3)).toBe(3);
  });
});
