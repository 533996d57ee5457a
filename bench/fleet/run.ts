/**
 * `npm run bench:fleet [-- --clusters 50 --containers 2000 --days 14 --scrape 300 --distinct 5
 * --parallel 1]`: a fleet of clusters sharing one GitOps repository, each with its snapshot and
 * OpenMetrics history (pipeline/testing/fleet-bed.ts, cached outside the repository), run through
 * the same per-cluster job the workflow's matrix runs — one `tidemark plan --cluster NAME`
 * process per cluster (`run` is plan + publish, and publishing needs GitHub), `--parallel` at once
 * like `max-parallel` — then `tidemark summarize` over every plan. Prints and writes
 * bench/results/fleet-<clusters>x<containers>.json: total wall time, per-cluster wall time and
 * peak RSS, the summary's time and the fleet's totals.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { writeFleetBed, clusterName } from '../../pipeline/testing/fleet-bed.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const cli = join(root, 'dist', 'pipeline', 'cli', 'main.js');

interface JobResult {
  cluster: string;
  wallSeconds: number;
  peakRssMiB: number;
  code: number | null;
}

/** One cluster's job, timed by /usr/bin/time like bench:scale's plan. */
function job(config: string, cluster: string, out: string): Promise<JobResult> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(
      '/usr/bin/time',
      [
        '-f',
        '%M',
        process.execPath,
        cli,
        'plan',
        '--config',
        config,
        '--cluster',
        cluster,
        '--out',
        out,
        '--log-format',
        'json',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TIDEMARK_LOG_LEVEL: 'warn' } },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallSeconds = (performance.now() - t) / 1000;
      if (code !== 0) reject(new Error(`${cluster}: plan failed (${code}): ${err}`));
      else
        resolve({
          cluster,
          wallSeconds,
          peakRssMiB: Math.round(Number(err.trim().split('\n').pop()) / 1024),
          code,
        });
    });
  });
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

async function main(): Promise<void> {
  const o = new Command('bench:fleet')
    .option('--clusters <n>', 'clusters in the fleet', '50')
    .option('--containers <n>', 'containers per cluster', '2000')
    .option('--days <n>', 'days of history per cluster', '14')
    .option('--scrape <seconds>', 'seconds between samples in the OpenMetrics files', '300')
    .option('--distinct <n>', 'distinct clusters generated; the others replicate them (disk)', '5')
    .option('--parallel <n>', 'cluster jobs at once (the workflow’s max-parallel)', '1')
    .option(
      '--cache <dir>',
      'where the generated fleet is kept',
      join(process.env.TIDEMARK_CACHE ?? join(homedir(), '.cache', 'tidemark'), 'bench-fleet'),
    )
    .parse(process.argv)
    .opts<{
      clusters: string;
      containers: string;
      days: string;
      scrape: string;
      distinct: string;
      parallel: string;
      cache: string;
    }>();
  if (!existsSync(cli)) throw new Error('bench:fleet runs the built CLI: npm run build first');
  const spec = {
    clusters: Number(o.clusters),
    containersPerCluster: Number(o.containers),
    days: Number(o.days),
    scrape: Number(o.scrape),
    end: 1_790_000_000 - (1_790_000_000 % 86400),
    seed: 42,
    distinct: Number(o.distinct),
  };
  const key = `k${spec.clusters}-c${spec.containersPerCluster}-d${spec.days}-s${spec.scrape}-x${spec.distinct}-v1`;
  const dir = join(o.cache, key);
  const t0 = performance.now();
  if (!existsSync(join(dir, 'ready'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const bed = await writeFleetBed(dir, spec);
    const git = (...args: string[]) => execFileSync('git', args, { cwd: bed.repo, stdio: 'ignore' });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-qm', 'fleet');
    writeFileSync(join(dir, 'generated.json'), JSON.stringify({ samplesPerCluster: bed.samples }));
    writeFileSync(join(dir, 'ready'), '');
  }
  const generated = JSON.parse(readFileSync(join(dir, 'generated.json'), 'utf8')) as {
    samplesPerCluster: number;
  };
  const prepareSeconds = (performance.now() - t0) / 1000;
  const config = join(dir, 'tidemark.yaml');
  const outs = join(dir, 'out');
  rmSync(outs, { recursive: true, force: true });
  mkdirSync(outs);

  const names = Array.from({ length: spec.clusters }, (_, i) => clusterName(i));
  const results: JobResult[] = [];
  const t = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const name = names[next++]!;
      const r = await job(config, name, join(outs, name));
      results.push(r);
      process.stderr.write(`  ${name}: ${r.wallSeconds.toFixed(1)} s, ${r.peakRssMiB} MiB\n`);
    }
  };
  await Promise.all(Array.from({ length: Number(o.parallel) }, worker));
  const jobsSeconds = (performance.now() - t) / 1000;

  const ts = performance.now();
  const summary = execFileSync(
    process.execPath,
    [
      cli,
      'summarize',
      '--config',
      config,
      '--out',
      join(dir, 'fleet'),
      '--log-format',
      'json',
      ...names.map((n) => join(outs, n)),
    ],
    { encoding: 'utf8', env: { ...process.env, TIDEMARK_LOG_LEVEL: 'warn' } },
  );
  const summarizeSeconds = (performance.now() - ts) / 1000;
  const fleet = JSON.parse(readFileSync(join(dir, 'fleet', 'fleet.json'), 'utf8')) as {
    totals: Record<string, unknown>;
  };
  const walls = results.map((r) => r.wallSeconds);
  const result = {
    generatedAt: new Date().toISOString(),
    clusters: spec.clusters,
    containersPerCluster: spec.containersPerCluster,
    days: spec.days,
    scrapeSeconds: spec.scrape,
    distinct: spec.distinct,
    parallel: Number(o.parallel),
    samplesPerCluster: generated.samplesPerCluster,
    prepareSeconds,
    totalSeconds: jobsSeconds + summarizeSeconds,
    jobsSeconds,
    summarizeSeconds,
    perCluster: {
      min: Math.min(...walls),
      median: quantile(walls, 0.5),
      p90: quantile(walls, 0.9),
      max: Math.max(...walls),
      peakRssMiB: Math.max(...results.map((r) => r.peakRssMiB)),
    },
    fleetTotals: fleet.totals,
    jobs: results.sort((a, b) => a.cluster.localeCompare(b.cluster)),
  };
  const file = join(
    root,
    'bench',
    'results',
    `fleet-${spec.clusters}x${spec.containersPerCluster}-${spec.days}d-${spec.scrape}s.json`,
  );
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  const p = result.perCluster;
  console.log(
    [
      `bench:fleet — ${spec.clusters} clusters × ${spec.containersPerCluster} containers, ${spec.days} days at ${spec.scrape} s (${(generated.samplesPerCluster / 1e6).toFixed(1)} M samples per cluster, ${spec.distinct} distinct), ${result.parallel} job(s) at once`,
      `  total ${result.totalSeconds.toFixed(1)} s: cluster jobs ${jobsSeconds.toFixed(1)} s, summarize ${summarizeSeconds.toFixed(1)} s`,
      `  per cluster: min ${p.min.toFixed(1)} s, median ${p.median.toFixed(1)} s, p90 ${p.p90.toFixed(1)} s, max ${p.max.toFixed(1)} s; peak RSS ${p.peakRssMiB} MiB`,
      summary.split('\n')[2],
      `wrote ${file}`,
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
