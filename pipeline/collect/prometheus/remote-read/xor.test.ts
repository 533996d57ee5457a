/**
 * The XOR decoder against chunks Prometheus itself wrote: backfilled blocks (promtool) and the
 * head of a Prometheus scraping a live exporter whose series go away and come back (staleness
 * markers), each checked sample for sample against the raw samples PromQL returns for a range
 * selector; then the remote read source against the PromQL path on those stale series.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrometheusClient, type PrometheusClient } from '../client.js';
import { createPrometheusSource } from '../index.js';
import { backfill, startPrometheus, type PrometheusServer } from '../../../testing/prometheus.js';
import { describeWithPrometheus } from '../../../testing/prometheus-tier.js';
import { writeSyntheticOpenMetrics } from '../../../testing/usage-openmetrics.js';
import { prng } from '../../../core/prng.js';
import { silentLogger } from '../../../core/logger.js';
import { SLOW_TEST_MS } from '../../../testing/slow.js';
import type { UsageSeries } from '../../types.js';
import { readFrames } from './frames.js';
import { decodeChunkedReadResponse, encodeReadRequest, MATCH } from './messages.js';
import { snappyLiteralBlock } from './snappy.js';
import { ChunkDecodeError, decodeXorChunk, SampleBuffer } from './xor.js';

interface Raw {
  labels: string;
  t: number[];
  v: number[];
  stale: number;
  chunks: number;
}

/** Every sample of every series `metric` has in [startMs, endMs], decoded from remote read chunks. */
async function remoteSamples(
  c: PrometheusClient,
  metric: string,
  startMs: number,
  endMs: number,
): Promise<Raw[]> {
  const body = snappyLiteralBlock(
    encodeReadRequest([{ startMs, endMs, matchers: [{ type: MATCH.EQ, name: '__name__', value: metric }] }]),
  );
  const res = await c.remoteRead(body, 'test', undefined);
  const out = new Map<string, Raw>();
  for await (const frame of readFrames(res.body, c.baseUrl)) {
    for (const s of decodeChunkedReadResponse(frame).series) {
      const labels = s.labels
        .filter((l) => l.name !== '__name__')
        .map((l) => `${l.name}=${l.value}`)
        .join(',');
      const buf = new SampleBuffer();
      const raw = out.get(labels) ?? { labels, t: [], v: [], stale: 0, chunks: 0 };
      for (const ch of s.chunks) {
        decodeXorChunk(ch.data, buf, startMs, endMs);
        raw.chunks++;
      }
      raw.t.push(...buf.t.subarray(0, buf.n));
      raw.v.push(...buf.v.subarray(0, buf.n));
      raw.stale += buf.stale;
      out.set(labels, raw);
    }
  }
  return [...out.values()].sort((a, b) => a.labels.localeCompare(b.labels));
}

/** The same samples as PromQL returns them: a range selector at `endMs` (stale markers dropped). */
async function promqlSamples(url: string, metric: string, startMs: number, endMs: number): Promise<Raw[]> {
  const range = `${endMs - startMs}ms`;
  const r = await fetch(`${url}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: `${metric}[${range}]`, time: String(endMs / 1000) }).toString(),
  });
  const json = (await r.json()) as {
    data: { result: { metric: Record<string, string>; values: [number, string][] }[] };
  };
  return json.data.result
    .map((s) => ({
      labels: Object.entries(s.metric)
        .filter(([k]) => k !== '__name__')
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
      t: s.values.map(([t]) => Math.round(t * 1000)),
      v: s.values.map(([, v]) => Number(v)),
      stale: 0,
      chunks: 0,
    }))
    .sort((a, b) => a.labels.localeCompare(b.labels));
}

function expectSameSamples(remote: Raw[], promql: Raw[]): void {
  expect(remote.map((r) => r.labels)).toEqual(promql.map((r) => r.labels));
  for (let i = 0; i < remote.length; i++) {
    expect(remote[i]!.t).toEqual(promql[i]!.t);
    // Bit for bit: PromQL prints the shortest decimal that reads back as the same double.
    expect(remote[i]!.v).toEqual(promql[i]!.v);
  }
}

describe('XOR chunk decoding', () => {
  it('refuses a chunk that ends before its sample count', () => {
    // Header says 3 samples; only the first time (varint 2 = t 1) and half a value follow.
    const chunk = Uint8Array.from([0, 3, 2, 0x3f, 0xf0, 0, 0]);
    expect(() => decodeXorChunk(chunk, new SampleBuffer(), -Infinity, Infinity)).toThrow(ChunkDecodeError);
    expect(() => decodeXorChunk(Uint8Array.from([0]), new SampleBuffer(), 0, 1)).toThrow(
      'chunk shorter than its header',
    );
  });

  it('reads one sample by hand: zigzag time, then the 64 bits of the value', () => {
    // t = -3 ms (zigzag 5), v = 1.5 (0x3FF8000000000000).
    const chunk = Uint8Array.from([0, 1, 5, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]);
    const b = new SampleBuffer();
    decodeXorChunk(chunk, b, -Infinity, Infinity);
    expect([b.n, b.t[0], b.v[0]]).toEqual([1, -3, 1.5]);
  });
});

describeWithPrometheus()('XOR chunks Prometheus wrote (real Prometheus)', () => {
  let dir: string;
  let prom: PrometheusServer | undefined;
  let live: PrometheusServer | undefined;
  let exporter: Server | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tidemark-xor-test-'));
  });
  afterAll(async () => {
    await prom?.stop();
    await live?.stop();
    exporter?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('decodes backfilled blocks sample for sample: jittered times, counter resets, gaps', async () => {
    const end = 1_800_000_000 - (1_800_000_000 % 86400);
    const start = end - 86400;
    const rnd = prng(3);
    const om = join(dir, 'xor.om');
    await writeSyntheticOpenMetrics(om, {
      start,
      end,
      scrape: 15,
      containers: [0, 1, 2].map((p) => ({
        namespace: 'ns',
        pod: `p${p}`,
        container: 'app',
        cpu: () => rnd() * 2,
        mem: () => rnd() * 2 ** 34,
        // Delta-of-deltas of every width: 0 (pod 0), within 14 bits (±2 s), 17 bits (±7 s), 20
        // bits (a 5-minute gap) and 64 (an hour's gap).
        jitter: p === 0 ? undefined : () => (rnd() - 0.5) * (p === 2 ? 14 : 4),
        resets: p === 1 ? [start + 3600, start + 7200] : undefined,
        gaps:
          p === 2
            ? [
                [start + 600, start + 4000],
                [start + 9000, start + 9300],
              ]
            : undefined,
      })),
    });
    prom = await startPrometheus({ blocks: backfill(om, join(dir, 'blocks')) });
    const c = createPrometheusClient({ url: prom.url });
    try {
      for (const metric of ['container_cpu_usage_seconds_total', 'container_memory_working_set_bytes']) {
        const [a, b] = [start * 1000 - 60_000, end * 1000];
        const remote = await remoteSamples(c, metric, a, b);
        expectSameSamples(remote, await promqlSamples(prom.url, metric, a, b));
        // A day at 15 s: 5,761 samples a series, over 120-sample chunks.
        expect(remote[0]!.t).toHaveLength(5761);
        expect(remote[0]!.chunks).toBeGreaterThanOrEqual(48);
      }
    } finally {
      await c.close();
    }
  });

  it(
    'decodes the head of a scraping Prometheus, staleness markers left out, and reads the same usage as PromQL',
    async () => {
      // A cAdvisor stand-in: pod b's series vanish for a while (Prometheus writes staleness
      // markers), then return with the counter restarted.
      const t0 = Date.now();
      let phase: 'both' | 'a-only' | 'back' = 'both';
      exporter = createServer((_req, res) => {
        const s = (Date.now() - t0) / 1000;
        const lines = [
          '# TYPE container_cpu_usage_seconds_total counter',
          '# TYPE container_memory_working_set_bytes gauge',
        ];
        const pods: [string, number][] = [['a', 0.3 * s]];
        if (phase === 'both') pods.push(['b', 0.8 * s]);
        if (phase === 'back') pods.push(['b', 0.5 * (s - 20)]);
        for (const [pod, cpu] of pods) {
          const l = `namespace="live",pod="${pod}",container="app"`;
          lines.push(
            `container_cpu_usage_seconds_total{${l}} ${cpu.toFixed(4)}`,
            `container_memory_working_set_bytes{${l}} ${Math.round(1e8 + 1e6 * Math.sin(s))}`,
          );
        }
        res.setHeader('content-type', 'text/plain; version=0.0.4');
        res.end(lines.join('\n') + '\n');
      });
      await new Promise<void>((r) => exporter!.listen(0, '127.0.0.1', r));
      const port = (exporter.address() as AddressInfo).port;
      live = await startPrometheus({
        config: `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: cadvisor\n    static_configs: [{ targets: ['127.0.0.1:${port}'] }]\n`,
      });
      const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
      await wait(12_000);
      phase = 'a-only';
      // Gone for 12 s, so at least one whole 5 s interval (below) lies in the gap whatever the
      // scrapes' phase: with 8 s the gap sometimes straddled two intervals and none was empty.
      await wait(12_000);
      phase = 'back';
      await wait(12_000);
      const nowMs = Date.now();
      const c = createPrometheusClient({ url: live.url });
      try {
        const [a, b] = [t0 - 5000, nowMs];
        for (const metric of ['container_cpu_usage_seconds_total', 'container_memory_working_set_bytes']) {
          const remote = await remoteSamples(c, metric, a, b);
          expectSameSamples(remote, await promqlSamples(live.url, metric, a, b));
          // Pod b went away once: its series got a staleness marker, which PromQL never shows.
          expect(remote.find((r) => r.labels.includes('pod=b'))!.stale).toBeGreaterThanOrEqual(1);
        }
        // The usage itself, at 5 s intervals over the scraped time: the same as PromQL.
        const step = 5;
        const window = {
          start: Math.ceil(t0 / 1000 / step) * step,
          end: Math.floor(nowMs / 1000 / step) * step,
          step,
        };
        const request = {
          window,
          containers: ['a', 'b'].map((pod) => ({ namespace: 'live', pod, container: 'app' })),
        };
        const read = async (cfg: { read?: 'remote-read' }): Promise<UsageSeries[]> => {
          const out: UsageSeries[] = [];
          const src = createPrometheusSource(
            { url: live!.url, scrapeInterval: '1s', ...cfg },
            { progress: 'none' },
          );
          for await (const batch of src.readUsage(request, { logger: silentLogger }))
            out.push(...batch.series);
          if (cfg.read)
            expect(src.stats().read).toMatchObject({ mode: 'remote-read', staleMarkers: expect.any(Number) });
          if (cfg.read) expect(src.stats().read!.staleMarkers).toBeGreaterThanOrEqual(2);
          return out;
        };
        const promql = await read({});
        const remote = await read({ read: 'remote-read' });
        const norm = (ss: UsageSeries[]): unknown =>
          ss
            .map((s) => ({
              pod: s.pod,
              offset: s.offset,
              samples: s.samples,
              cpuMean: [...s.cpuMean],
              cpuMax: [...s.cpuMax],
              memMax: [...s.memMax],
            }))
            .sort((x, y) => x.pod.localeCompare(y.pod));
        expect(norm(remote)).toEqual(norm(promql));
        // Pod b has a gap (NaN intervals) where it was gone.
        const b5 = promql.find((s) => s.pod === 'b')!;
        expect(Array.from(b5.memMax).some((v) => Number.isNaN(v))).toBe(true);
      } finally {
        await c.close();
      }
    },
    SLOW_TEST_MS,
  );
});
