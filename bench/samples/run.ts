/**
 * `npm run bench:samples [-- --series 2000 --rounds 7]`: what checking every usage value
 * (collect/sample-check.ts) costs on the two hot paths, with nothing else in the measurement.
 *  - Prometheus: `addMatrix` over decoded matrices (the bytes are scanned before, unchanged),
 *    `series` containers × 14 days at 5 minutes, for cpuMean, cpuMax and memMax.
 *  - OpenMetrics: `readUsage` over a generated file of `series / 20` containers × 8 days at 60 s.
 * Prints the median of `rounds` per path in CPU milliseconds (user + system: on a shared machine,
 * wall time measures the neighbours) and ns per value. Run it on two checkouts to compare.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { addMatrix, newBatchAccumulator } from '../../pipeline/collect/prometheus/decode.js';
import { createOpenMetricsSource } from '../../pipeline/collect/openmetrics/index.js';
import type { UsageRequest } from '../../pipeline/collect/types.js';
import { silentLogger } from '../../pipeline/core/logger.js';

const opts = new Command()
  .option('--series <n>', 'containers on the Prometheus path', '2000')
  .option('--rounds <n>', 'repetitions; the median is printed', '7')
  .option('--paths <list>', 'prometheus, openmetrics or both', 'prometheus,openmetrics')
  .parse()
  .opts<{ series: string; rounds: string; paths: string }>();
const SERIES = Number(opts.series);
const ROUNDS = Number(opts.rounds);
const STEP = 300;
const END = 1_800_000_000 - (1_800_000_000 % 86400);
const GiB = 2 ** 30;

/** CPU milliseconds `fn` took (user + system), for a measure the machine's other load leaves alone. */
async function cpuMs(fn: () => unknown): Promise<number> {
  const c = process.cpuUsage();
  await fn();
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function request(containers: number, window: UsageRequest['window']): UsageRequest {
  const ceiling = { cpuCores: 16, memoryBytes: 64 * GiB, node: 'node-1' };
  return {
    window,
    containers: Array.from({ length: containers }, (_, i) => ({
      namespace: 'shop',
      pod: `web-${i}`,
      container: 'app',
      ceiling,
    })),
    ceiling,
  };
}

async function prometheusPath(): Promise<{ ms: number; values: number }> {
  const window = { start: END - 14 * 86400, end: END, step: STEP };
  const points = (window.end - window.start) / STEP;
  const times = Float64Array.from({ length: points }, (_, i) => window.start + (i + 1) * STEP);
  const matrices = (['cpuMean', 'cpuMax', 'memMax'] as const).map((kind) => ({
    kind,
    result: Array.from({ length: SERIES }, (_, s) => ({
      metric: { namespace: 'shop', pod: `web-${s}`, container: 'app' },
      times,
      values: Float64Array.from({ length: points }, (_, i) =>
        kind === 'memMax' ? 2e8 + ((i * 7919 + s) % 1000) * 1e5 : 0.05 + ((i * 31 + s) % 100) / 400,
      ),
    })),
  }));
  const req = request(SERIES, window);
  // A checkout from before the sample checks has no index, and its accumulator takes no argument.
  const index = sampleCheck?.ceilingIndex(req);
  const ms: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const acc = (newBatchAccumulator as (i?: unknown) => ReturnType<typeof newBatchAccumulator>)(index);
    ms.push(await cpuMs(() => matrices.forEach((m) => addMatrix(acc, m.kind, m.result, window))));
  }
  return { ms: median(ms), values: 3 * SERIES * points };
}

async function fileSourcePath(): Promise<{ ms: number; values: number }> {
  const containers = Math.max(1, Math.round(SERIES / 20));
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-bench-samples-'));
  try {
    const start = END - 8 * 86400;
    const lines = ['# TYPE container_cpu_usage_seconds counter'];
    for (let c = 0; c < containers; c++)
      for (let t = start, total = 0; t <= END; t += 60, total += 0.2 * 60)
        lines.push(
          `container_cpu_usage_seconds_total{namespace="shop",pod="web-${c}",container="app"} ${total} ${t}`,
        );
    lines.push('# TYPE container_memory_working_set_bytes gauge');
    for (let c = 0; c < containers; c++)
      for (let t = start; t <= END; t += 60)
        lines.push(
          `container_memory_working_set_bytes{namespace="shop",pod="web-${c}",container="app"} ${2e8 + (t % 997) * 1e5} ${t}`,
        );
    lines.push('# EOF', '');
    const file = join(dir, 'm.om');
    writeFileSync(file, lines.join('\n'));
    const req = request(containers, { start: END - 14 * 86400, end: END, step: STEP });
    const ms: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const src = createOpenMetricsSource(file);
      ms.push(
        await cpuMs(async () => {
          for await (const b of src.readUsage(req, { logger: silentLogger })) void b;
        }),
      );
    }
    return { ms: median(ms), values: lines.length - 4 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sampleCheck = await import('../../pipeline/collect/sample-check.js').catch(() => undefined);
const paths = opts.paths.split(',');
const results: [string, { ms: number; values: number }][] = [];
if (paths.includes('prometheus')) results.push(['prometheus addMatrix', await prometheusPath()]);
if (paths.includes('openmetrics')) results.push(['openmetrics readUsage', await fileSourcePath()]);
for (const [name, r] of results)
  process.stdout.write(
    `${name}: ${r.values.toLocaleString('en')} values, median of ${ROUNDS}: ${r.ms.toFixed(1)} ms (${((r.ms * 1e6) / r.values).toFixed(2)} ns/value)\n`,
  );
