/**
 * `npm run bench:scale -- --containers N [--days 14] [--scrape 60]`: a synthetic cluster with N
 * containers and `days` of cAdvisor history at the given scrape interval, backfilled into a real
 * Prometheus (cached outside the repo, keyed by the parameters), then `tidemark plan` against it
 * as a separate process. Prints and writes bench/results/scale-<N>-<scrape>s.json: wall time per
 * stage, Tidemark's peak RSS, queries, bytes, and the samples Prometheus read.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync, spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import {
  backfillAsync,
  backfillRules,
  prometheusAvailable,
  RECORDED_CPU_RATE,
  startPrometheus,
  writeCpuRateRule,
} from '../../pipeline/testing/prometheus.js';
import type { UsageReadStats } from '../../pipeline/collect/types.js';
import { FORMAT_VERSION } from '../../pipeline/model/usage/checkpoint/checkpoint-file.js';
import { layout, writeClusterAndRepo, writeDay, type ScaleSpec } from './generate.js';
import { startControlPlane } from '../../pipeline/testing/control-plane/index.js';
import { seedFromSnapshot } from '../../pipeline/testing/control-plane/seed.js';
import {
  krrCommand,
  krrValue,
  prometheusRequests,
  requestsBetween,
  runKrr,
  type KrrRun,
} from './peer-krr.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

function procStat(pid: number): { cpuSeconds: number; rssHwmKiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuSeconds: ticks / 100, rssHwmKiB: hwm };
}

/**
 * kube-prometheus' per-container CPU rule, evaluated over the whole history by promtool and moved
 * into the cached TSDB. Prometheus merges the overlapping blocks a minute after it starts; that is
 * waited out here, so no plan run is timed while Prometheus compacts.
 */
async function addRecordedCpu(dir: string, spec: ScaleSpec): Promise<void> {
  const rules = writeCpuRateRule(join(dir, 'rules.yml'), {
    interval: spec.scrape,
    matchers: 'container!=""',
  });
  const staged = join(dir, 'rule-blocks');
  rmSync(staged, { recursive: true, force: true });
  let prom = await startPrometheus({ blocks: join(dir, 'blocks'), inPlace: true });
  const t = performance.now();
  try {
    backfillRules(prom.url, rules, { start: spec.end - spec.days * 86400 - 3600, end: spec.end }, staged);
  } finally {
    await prom.stop();
  }
  for (const block of readdirSync(staged)) renameSync(join(staged, block), join(dir, 'blocks', block));
  rmSync(staged, { recursive: true, force: true });
  process.stderr.write(
    `  recorded CPU rule backfilled in ${((performance.now() - t) / 1000).toFixed(0)} s\n`,
  );
  prom = await startPrometheus({ blocks: join(dir, 'blocks'), inPlace: true });
  try {
    const compactions = async (): Promise<number> => {
      const text = await (await fetch(`${prom.url}/metrics`)).text();
      return Number(/^prometheus_tsdb_compactions_total (\S+)/m.exec(text)?.[1] ?? 0);
    };
    await new Promise((r) => setTimeout(r, 75_000));
    let last = -1;
    for (let stable = 0; stable < 3;) {
      const n = await compactions();
      stable = n === last ? stable + 1 : 0;
      last = n;
      await new Promise((r) => setTimeout(r, 10_000));
    }
  } finally {
    await prom.stop();
  }
  writeFileSync(join(dir, 'rules-ready'), '');
}

async function main(): Promise<void> {
  const o = new Command('bench:scale')
    .option('--containers <n>', 'containers in the synthetic cluster', '1000')
    .option('--days <n>', 'days of history (the product default window is 14)', '14')
    .option('--scrape <seconds>', 'scrape interval of the synthetic history', '60')
    .option('--concurrency <n>', 'Prometheus queries in flight', '4')
    .option('--cpu-peaks <mode>', 'scrape | interval (the Prometheus source option)', 'scrape')
    .option('--profile <dir>', 'write a V8 CPU profile of the plan process to DIR')
    .option('--coarse <after:step>', 'the Prometheus coarse tier, e.g. 3d:1h (default: off)')
    .option(
      '--recorded-cpu',
      "read CPU from kube-prometheus' recorded irate (backfilled by promtool once, into the cached TSDB)",
    )
    .option(
      '--remote-read',
      "read cAdvisor's usage series by remote read (metrics.prometheus.read: remote-read): the stored chunks, reduced by Tidemark",
    )
    .option(
      '--query-stats',
      'ask Prometheus for the samples it read (costs it ~15 %; off by default, as in the product)',
    )
    .option(
      '--peer <tool>',
      'krr: also run `krr simple` on the same kube-apiserver and Prometheus, and print both side by side (with --warm: beside the cold and the warm daily run)',
    )
    .option(
      '--warm',
      'incremental history: a cold run with state.path the day before the bed ends, then the warm daily run; both measured',
    )
    .option(
      '--reuse-cold',
      'with --warm: start the warm run from the checkpoint a previous cold run of this bed saved (same checkpoint format and query form), instead of running cold again',
    )
    .option(
      '--peer-bed',
      "with --warm: the bed --peer krr builds (KRR's, history ending in the last 12 hours)",
    )
    .option('--krr-version <v>', 'robusta-krr version installed from PyPI into the cached venv', '1.29.0')
    .option('--krr-command <cmd>', 'a krr you installed (where PyPI does not serve robusta-krr)')
    .option('--krr-workers <n>', "KRR's --max-workers (its default: 10)", '10')
    .option(
      '--cache <dir>',
      'where generated TSDBs are kept',
      join(process.env.TIDEMARK_CACHE ?? join(homedir(), '.cache', 'tidemark'), 'bench-scale'),
    )
    .parse(process.argv)
    .opts<{
      containers: string;
      days: string;
      scrape: string;
      concurrency: string;
      cache: string;
      cpuPeaks: string;
      profile?: string;
      coarse?: string;
      queryStats?: boolean;
      remoteRead?: boolean;
      recordedCpu?: boolean;
      peer?: string;
      warm?: boolean;
      peerBed?: boolean;
      reuseCold?: boolean;
      krrVersion: string;
      krrCommand?: string;
      krrWorkers: string;
    }>();
  if (o.peer !== undefined && o.peer !== 'krr') throw new Error(`--peer: only krr, not ${o.peer}`);
  const peer = o.peer === 'krr';
  // --warm --peer-bed reuses the bed --peer krr built (history ending within the last 12 hours).
  const peerBed = peer || !!o.peerBed;
  if (!prometheusAvailable().ok)
    throw new Error('bench:scale needs prometheus and promtool (apt-get install prometheus)');
  const spec: ScaleSpec = {
    containers: Number(o.containers),
    days: Number(o.days),
    scrape: Number(o.scrape),
    // KRR has no analysis time: it reads the window ending now (its instant queries are evaluated
    // at the server's now), so the peer bed's history ends at the hour it was built, and is
    // built again when it is older than 12 hours.
    end: peerBed
      ? recentPeerEnd(o.cache, Number(o.containers), Number(o.days), Number(o.scrape))
      : 1_790_000_000 - (1_790_000_000 % 86400),
    seed: 42,
  };
  const key = `c${spec.containers}-d${spec.days}-s${spec.scrape}-e${spec.end}-seed${spec.seed}-${peerBed ? 'ksm-' : ''}v1`;
  const dir = join(o.cache, key);
  const pods = layout(spec);
  const t0 = performance.now();
  let generated = { seconds: 0, samples: 0, backfillSeconds: 0 };
  if (!existsSync(join(dir, 'ready'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeClusterAndRepo(pods, dir);
    const counters = new Float64Array(spec.containers);
    const start = spec.end - spec.days * 86400 - 3600; // an hour before the window for the first rates
    let samples = 0;
    let genMs = 0;
    let fillMs = 0;
    // Day N is packed by promtool while day N+1 is written: at most two day files on disk.
    let packing: Promise<void> = Promise.resolve();
    const t1 = performance.now();
    for (let day = Math.floor(start / 86400) * 86400; day <= spec.end; day += 86400) {
      const file = join(dir, `day-${day}.om`);
      const t = performance.now();
      samples += await writeDay(pods, spec, day, counters, file, Math.max(day, start), {
        kubeStateMetrics: peerBed,
      });
      genMs += performance.now() - t;
      await packing;
      const so = samples;
      const tf = performance.now();
      packing = backfillAsync(file, join(dir, 'blocks')).then(() => {
        fillMs += performance.now() - tf;
        rmSync(file);
        process.stderr.write(
          `  day ${new Date(day * 1000).toISOString().slice(0, 10)}: ${so} samples so far (${((performance.now() - t1) / 1000).toFixed(0)} s)\n`,
        );
      });
    }
    await packing;
    generated = { seconds: genMs / 1000, samples, backfillSeconds: fillMs / 1000 };
    writeFileSync(join(dir, 'generated.json'), JSON.stringify(generated));
    writeFileSync(join(dir, 'ready'), '');
    // The repo must be a git repository for plan's history reader.
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: join(dir, 'gitops') });
    execFileSync('git', ['add', '-A'], { cwd: join(dir, 'gitops') });
    execFileSync(
      'git',
      ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-qm', 'bench'],
      { cwd: join(dir, 'gitops') },
    );
  } else {
    generated = JSON.parse(readFileSync(join(dir, 'generated.json'), 'utf8')) as typeof generated;
  }
  if (o.recordedCpu && !existsSync(join(dir, 'rules-ready'))) await addRecordedCpu(dir, spec);
  const prepSeconds = (performance.now() - t0) / 1000;

  const prom = await startPrometheus({ blocks: join(dir, 'blocks'), inPlace: true });
  const cp = peer ? await startControlPlane() : undefined;
  try {
    if (cp) {
      const t = performance.now();
      await seedFromSnapshot(cp, join(dir, 'cluster'));
      process.stderr.write(`  control plane seeded in ${((performance.now() - t) / 1000).toFixed(0)} s\n`);
    }
    const promLine = `    metrics: { prometheus: { url: "${prom.url}", concurrency: ${Number(o.concurrency)}, scrapeInterval: ${spec.scrape}s, cpuPeaks: ${o.cpuPeaks}, timeout: 120s${o.recordedCpu ? `, recordedCpuRate: "${RECORDED_CPU_RATE}"` : ''}${o.queryStats ? ', queryStats: true' : ''}${o.remoteRead ? ', read: remote-read' : ''}${o.coarse ? `, coarse: { after: ${o.coarse.split(':')[0]}, step: ${o.coarse.split(':')[1]} }` : ''} } }`;
    const planOnce = (at: number | undefined, state: string | undefined) =>
      runPlanProcess(dir, prom, promLine, at, state, o.profile);
    if (o.warm) {
      const form = `${o.recordedCpu ? 'recorded' : 'counter'}-${o.cpuPeaks}${o.coarse ? `-coarse-${o.coarse.replace(':', '-')}` : ''}`;
      const w = await warmBench(spec, pods.length, generated.samples, dir, planOnce, {
        // Remote read gives the PromQL path's points (remote-read.test.ts), so the cold
        // checkpoint of the same query form serves both.
        form: `${form}${o.remoteRead ? '-remote-read' : ''}`,
        coldForm: form,
        reuseCold: !!o.reuseCold,
      });
      if (cp) {
        // The daily run beside KRR's: KRR has no checkpoint, so each of its runs is a full read.
        const krr = await runPeer(o, cp.kubeconfig, prom, dir);
        writeFileSync(w.file, JSON.stringify({ ...w.result, peer: krr.summary }, null, 2) + '\n');
        printSideBySide(
          [
            { label: 'tidemark cold', ...w.result.cold },
            { label: 'tidemark warm', ...w.result.warm },
          ],
          krr,
          join(dir, 'out', 'plan.json'),
        );
      }
      return;
    }
    // With a peer, both tools read the window ending now.
    const { wall, maxRssKiB, after, before, ourRequests, doc, out } = await planOnce(
      peer ? undefined : spec.end,
      undefined,
    );
    const m = doc.clusters[0]!.sources.metrics;
    const result = {
      generatedAt: new Date().toISOString(),
      containers: spec.containers,
      pods: pods.length,
      days: spec.days,
      scrapeSeconds: spec.scrape,
      cpuPeaks: o.cpuPeaks,
      recordedCpuRate: o.recordedCpu ? RECORDED_CPU_RATE : undefined,
      coarse: o.coarse ?? 'off',
      read: m.read ?? { mode: 'promql' },
      stepSeconds: 300,
      tsdbSamples: generated.samples,
      prepare: {
        seconds: prepSeconds,
        generateSeconds: generated.seconds,
        backfillSeconds: generated.backfillSeconds,
      },
      plan: {
        wallSeconds: wall,
        peakRssMiB: Math.round((maxRssKiB ?? 0) / 1024),
        stagesMs: doc.run.stagesMs,
        peakRssMiBAfterStage: doc.run.peakRssMiB,
        queries: m.queries,
        batches: m.batches,
        seriesReturned: m.series,
        pointsReturned: m.samples,
        bytesRead: m.bytes,
        splits: m.splits,
        retries: m.retries,
        // Only with --query-stats (the server counts them per step, at a cost).
        prometheusSamplesRead: o.queryStats ? m.serverSamples : undefined,
        prometheusCpuSeconds: after.cpuSeconds - before.cpuSeconds,
        prometheusRequests: ourRequests,
        prometheusPeakRssMiB: Math.round(after.rssHwmKiB / 1024),
        recommendations: doc.clusters[0]!.summary.recommendations,
      },
    };
    if (cp) {
      const krr = await runPeer(o, cp.kubeconfig, prom, dir);
      (result as Record<string, unknown>).peer = krr.summary;
      printSideBySide([{ label: 'tidemark plan', ...result.plan }], krr, join(out, 'plan.json'));
    }
    const variant = `${peer ? '-peer-krr' : ''}${o.recordedCpu ? '-recorded' : ''}${o.cpuPeaks === 'interval' ? '-interval' : ''}${o.coarse ? `-coarse-${o.coarse.replace(':', '-')}` : ''}${o.remoteRead ? '-remote-read' : ''}`;
    const file = join(root, 'bench', 'results', `scale-${spec.containers}-${spec.scrape}s${variant}.json`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
    const p = result.plan;
    console.log(
      [
        `bench:scale — ${spec.containers} containers (${pods.length} pods), ${spec.days} days at ${spec.scrape} s = ${(generated.samples / 1e6).toFixed(1)} M samples in Prometheus`,
        `  plan wall ${p.wallSeconds.toFixed(1)} s (collect.metrics ${(p.stagesMs['collect.metrics']! / 1000).toFixed(1)} s, render ${((p.stagesMs.render ?? 0) / 1000).toFixed(1)} s), Tidemark peak RSS ${p.peakRssMiB} MiB`,
        `  ${p.queries} queries in ${p.batches} batches, ${((p.bytesRead ?? 0) / 2 ** 20).toFixed(0)} MiB read, ${((p.pointsReturned ?? 0) / 1e6).toFixed(1)} M points returned, ${p.splits} splits, ${p.retries} retries`,
        `  Prometheus ${p.prometheusSamplesRead !== undefined ? `read ${(p.prometheusSamplesRead / 1e6).toFixed(0)} M samples (query stats on), ` : ''}used ${p.prometheusCpuSeconds.toFixed(1)} CPU s, peak RSS ${p.prometheusPeakRssMiB} MiB`,
        `  stages: ${Object.entries(p.stagesMs)
          .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`)
          .join(', ')}`,
        `  peak RSS after each stage: ${Object.entries(p.peakRssMiBAfterStage)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')} MiB`,
        `wrote ${file}`,
      ].join('\n'),
    );
  } finally {
    await cp?.stop();
    await prom.stop();
  }
}

interface PlanMeasure {
  wall: number;
  maxRssKiB: number;
  /** The plan process's user + system CPU seconds. */
  cpuSeconds: number;
  before: { cpuSeconds: number; rssHwmKiB: number };
  after: { cpuSeconds: number; rssHwmKiB: number };
  ourRequests: Record<string, number>;
  out: string;
  doc: {
    clusters: {
      sources: { metrics: Record<string, number> & { read?: UsageReadStats } };
      summary: Record<string, unknown>;
      history?: {
        mode: string;
        reason?: string;
        read: { start: string; end: string };
        checkpoint: { bytes?: number; containers?: number; workloads?: number; written: boolean };
      };
    }[];
    run: { stagesMs: Record<string, number>; peakRssMiB: Record<string, number> };
  };
}

/** One `tidemark plan` process against the bed, timed, with Prometheus' CPU and requests around it. */
async function runPlanProcess(
  dir: string,
  prom: { url: string; pid: number },
  promLine: string,
  at: number | undefined,
  state: string | undefined,
  profile: string | undefined,
): Promise<PlanMeasure> {
  const cfg = join(dir, 'tidemark.yaml');
  writeFileSync(
    cfg,
    [
      'apiVersion: tidemark.io/v1alpha1',
      'kind: Pipeline',
      'clusters:',
      '  - name: bench',
      '    kubernetes: { snapshot: cluster/ }',
      promLine,
      '    repo: { path: gitops/, root: clusters/bench }',
      ...(at === undefined ? [] : [`analysis: { at: "${new Date(at * 1000).toISOString()}" }`]),
      ...(state ? [`state: { path: ${state} }`] : []),
      'prices: { cpuCoreHour: 0.031, memoryGiBHour: 0.0042 }',
      '',
    ].join('\n'),
  );
  const before = procStat(prom.pid);
  const requestsBefore = await prometheusRequests(prom.url);
  const out = join(dir, 'out');
  rmSync(out, { recursive: true, force: true });
  const t = performance.now();
  const r = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      '%M %e %U %S',
      process.execPath,
      ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
      join(root, 'dist', 'pipeline', 'cli', 'main.js'),
      'plan',
      '--config',
      cfg,
      '--out',
      out,
      '--log-format',
      'json',
    ],
    { encoding: 'utf8', maxBuffer: 256 * 2 ** 20, env: { ...process.env, TIDEMARK_LOG_LEVEL: 'warn' } },
  );
  const wall = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`plan failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const [maxRssKiB, , user, sys] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  const after = procStat(prom.pid);
  const ourRequests = requestsBetween(requestsBefore, await prometheusRequests(prom.url));
  const doc = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')) as PlanMeasure['doc'];
  return {
    wall,
    maxRssKiB: maxRssKiB ?? 0,
    cpuSeconds: (user ?? 0) + (sys ?? 0),
    before,
    after,
    ourRequests,
    out,
    doc,
  };
}

/**
 * The daily run with checkpoints: a cold run the day before the bed ends writes the checkpoint
 * (state.path), then the warm run at the end reads that one day. Prints both side by side and the
 * checkpoint's bytes per container; writes bench/results/scale-<N>-<scrape>s-warm.json.
 */
async function warmBench(
  spec: ScaleSpec,
  pods: number,
  tsdbSamples: number,
  dir: string,
  planOnce: (at: number | undefined, state: string | undefined) => Promise<PlanMeasure>,
  opts: { form: string; coldForm: string; reuseCold: boolean },
): Promise<{ result: WarmResult; file: string }> {
  const state = join(dir, 'state');
  rmSync(state, { recursive: true, force: true });
  // The cold checkpoint is kept per query form and checkpoint format, so the warm run can be
  // measured again (after a change to the warm path) without paying the cold read each time.
  const saved = join(dir, `cold-state-${opts.coldForm}-f${FORMAT_VERSION}`);
  const summary = (m: PlanMeasure) => {
    const c = m.doc.clusters[0]!;
    const h = c.history!;
    return {
      mode: h.mode,
      reason: h.reason,
      read: h.read,
      wallSeconds: m.wall,
      tidemarkCpuSeconds: m.cpuSeconds,
      peakRssMiB: Math.round(m.maxRssKiB / 1024),
      collectMetricsSeconds: (m.doc.run.stagesMs['collect.metrics'] ?? 0) / 1000,
      stagesMs: m.doc.run.stagesMs,
      queries: c.sources.metrics.queries,
      bytesRead: c.sources.metrics.bytes,
      pointsReturned: c.sources.metrics.samples,
      usageRead: c.sources.metrics.read ?? { mode: 'promql' as const },
      prometheusCpuSeconds: m.after.cpuSeconds - m.before.cpuSeconds,
      prometheusRequests: m.ourRequests,
      recommendations: c.summary.recommendations,
      checkpoint: h.checkpoint,
    };
  };
  let cold: ReturnType<typeof summary> & { reused?: boolean };
  if (opts.reuseCold && existsSync(join(saved, 'cold.json'))) {
    cpSync(join(saved, 'state'), state, { recursive: true });
    cold = { ...(JSON.parse(readFileSync(join(saved, 'cold.json'), 'utf8')) as typeof cold), reused: true };
    process.stderr.write(`  cold run reused from ${saved}\n`);
  } else {
    cold = summary(await planOnce(spec.end - 86400, state));
    rmSync(saved, { recursive: true, force: true });
    cpSync(state, join(saved, 'state'), { recursive: true });
    writeFileSync(join(saved, 'cold.json'), JSON.stringify(cold));
  }
  const warm = summary(await planOnce(spec.end, state));
  if (cold.mode !== 'cold' || warm.mode !== 'warm')
    throw new Error(`expected a cold then a warm run, got ${cold.mode} then ${warm.mode}`);
  const ck = warm.checkpoint;
  const perContainer = ck.bytes && ck.containers ? ck.bytes / ck.containers : undefined;
  const result = {
    generatedAt: new Date().toISOString(),
    containers: spec.containers,
    pods,
    days: spec.days,
    scrapeSeconds: spec.scrape,
    tsdbSamples,
    form: opts.form,
    cold,
    warm,
    checkpointBytesPerContainer: perContainer,
  };
  const variant = opts.form === 'counter-scrape' ? '' : `-${opts.form}`;
  const file = join(root, 'bench', 'results', `scale-${spec.containers}-${spec.scrape}s-warm${variant}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  const line = (name: string, r: typeof cold): string =>
    `  ${name}: wall ${r.wallSeconds.toFixed(1)} s (collect.metrics ${r.collectMetricsSeconds.toFixed(1)} s), Tidemark CPU ${r.tidemarkCpuSeconds.toFixed(1)} s, peak RSS ${r.peakRssMiB} MiB, Prometheus CPU ${r.prometheusCpuSeconds.toFixed(1)} s, ${r.queries} queries, ${((r.bytesRead ?? 0) / 2 ** 20).toFixed(0)} MiB read, read ${r.read.start} – ${r.read.end}${r.usageRead?.mode === 'remote-read' ? `, by remote read (${r.usageRead.requests} requests, ${((r.usageRead.rawSamples ?? 0) / 1e6).toFixed(1)} M raw samples)` : r.usageRead?.fallback ? `, by PromQL (remote read refused: ${r.usageRead.fallback})` : ''}`;
  console.log(
    [
      `bench:scale --warm — ${spec.containers} containers (${pods} pods), ${spec.days} days at ${spec.scrape} s`,
      line(
        `cold (the day before, no checkpoint${cold.reused ? '; measured earlier, its checkpoint reused' : ''})`,
        cold,
      ),
      line('warm (the daily run)', warm),
      `  checkpoint: ${ck.bytes} bytes for ${ck.containers} containers in ${ck.workloads} workloads = ${perContainer?.toFixed(0)} bytes per container`,
      `wrote ${file}`,
    ].join('\n'),
  );
  return { result, file };
}

interface RunSummary {
  wallSeconds: number;
  peakRssMiB: number;
  prometheusCpuSeconds: number;
  prometheusRequests: Record<string, number>;
}
interface WarmResult {
  cold: RunSummary;
  warm: RunSummary;
  [k: string]: unknown;
}

/** The newest peer bed built in the last 12 hours for these parameters, else this hour. */
function recentPeerEnd(cache: string, containers: number, days: number, scrape: number): number {
  const now = Math.floor(Date.now() / 1000);
  const re = new RegExp(`^c${containers}-d${days}-s${scrape}-e(\\d+)-seed42-ksm-v1$`);
  const ends = (existsSync(cache) ? readdirSync(cache) : [])
    .map((n) => re.exec(n))
    .filter((m): m is RegExpExecArray => !!m && existsSync(join(cache, m[0], 'ready')))
    .map((m) => Number(m[1]))
    .filter((e) => e >= now - 12 * 3600 && e <= now)
    .sort((a, b) => b - a);
  return ends[0] ?? now - (now % 3600);
}

async function runPeer(
  o: { krrVersion: string; krrCommand?: string; krrWorkers: string; cache: string },
  kubeconfig: string,
  prom: { url: string; pid: number },
  dir: string,
): Promise<{ run: KrrRun; summary: Record<string, unknown> }> {
  const command = krrCommand({ command: o.krrCommand, version: o.krrVersion, cache: join(o.cache, '..') });
  const before = procStat(prom.pid);
  const requestsBefore = await prometheusRequests(prom.url);
  const run = runKrr({
    command,
    kubeconfig,
    prometheusUrl: prom.url,
    outFile: join(dir, 'krr.json'),
    maxWorkers: Number(o.krrWorkers),
  });
  const after = procStat(prom.pid);
  const requests = requestsBetween(requestsBefore, await prometheusRequests(prom.url));
  const recommended = run.result.scans.filter(
    (s) => krrValue(s.recommended.requests.cpu) !== undefined,
  ).length;
  return {
    run,
    summary: {
      tool: 'krr simple',
      command: command.join(' '),
      wallSeconds: run.wallSeconds,
      peakRssMiB: run.peakRssMiB,
      prometheusCpuSeconds: after.cpuSeconds - before.cpuSeconds,
      prometheusRequests: requests,
      scans: run.result.scans.length,
      withCpuRecommendation: recommended,
      errors: run.result.errors ?? [],
    },
  };
}

/** Both tools in one table, the ratios, and a few containers' recommendations from each. */
function printSideBySide(
  ours: (RunSummary & { label: string })[],
  krr: { run: KrrRun; summary: Record<string, unknown> },
  planFile: string,
): void {
  const k = krr.summary as unknown as RunSummary;
  const count = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);
  const row = (name: string, cells: string[]): string =>
    `  ${name.padEnd(26)} ${cells.map((c) => c.padStart(15)).join(' ')}`;
  const x = (a: number, b: number): string => (a > 0 ? `${(b / a).toFixed(1)}×` : '—');
  const line = (name: string, of: (r: RunSummary) => number, unit: (v: number) => string): string =>
    row(name, [...ours.map((r) => unit(of(r))), unit(of(k)), ...ours.map((r) => x(of(r), of(k)))]);
  console.log(
    [
      'side by side',
      row('', [
        ...ours.map((r) => r.label),
        'krr simple',
        ...ours.map((r) => `krr ÷ ${r.label.split(' ').pop()}`),
      ]),
      line(
        'wall time',
        (r) => r.wallSeconds,
        (v) => `${v.toFixed(1)} s`,
      ),
      line(
        'peak RSS',
        (r) => r.peakRssMiB,
        (v) => `${v} MiB`,
      ),
      line(
        'Prometheus CPU',
        (r) => r.prometheusCpuSeconds,
        (v) => `${v.toFixed(1)} s`,
      ),
      line(
        'Prometheus API requests',
        (r) => count(r.prometheusRequests),
        (v) => String(v),
      ),
      `  requests by handler — ${ours.map((r) => `${r.label}: ${JSON.stringify(r.prometheusRequests)}`).join('; ')}; krr: ${JSON.stringify(k.prometheusRequests)}`,
      '',
      'a sample of recommendations (requests; ours before policy clamps, as the analyzer proposed)',
      ...sampleRecommendations(planFile, krr.run),
    ].join('\n'),
  );
}

function sampleRecommendations(planFile: string, krr: KrrRun): string[] {
  const plan = JSON.parse(readFileSync(planFile, 'utf8')) as {
    clusters: {
      recommendations: {
        analyzer: string;
        workload: string;
        fields: { path: string; current?: unknown; analyzerProposed?: unknown; proposed?: unknown }[];
      }[];
    }[];
  };
  const ours = new Map<
    string,
    { cpu?: string; memory?: string; currentCpu?: string; currentMemory?: string }
  >();
  for (const r of plan.clusters[0]!.recommendations) {
    if (r.analyzer !== 'rightsize') continue;
    for (const f of r.fields) {
      const m = /containers\[name=([^\]]+)\]\.resources\.requests\.(cpu|memory)$/.exec(f.path);
      if (!m) continue;
      // workload ids are Kind/namespace/name
      const key = `${r.workload.split('/').slice(1).join('/')}/${m[1]}`;
      const e = ours.get(key) ?? {};
      e[m[2] as 'cpu' | 'memory'] = String(f.analyzerProposed ?? f.proposed);
      e[m[2] === 'cpu' ? 'currentCpu' : 'currentMemory'] = String(f.current);
      ours.set(key, e);
    }
  }
  const lines = [
    `  ${'namespace/workload/container'.padEnd(36)} ${'current (changed)'.padEnd(16)} ${'tidemark cpu / mem'.padEnd(22)} krr cpu / mem`,
  ];
  const picked = krr.result.scans
    .filter((s) => ours.has(`${s.object.namespace}/${s.object.name}/${s.object.container}`))
    .slice(0, 8);
  for (const s of picked) {
    const key = `${s.object.namespace}/${s.object.name}/${s.object.container}`;
    const e = ours.get(key)!;
    const cpu = krrValue(s.recommended.requests.cpu);
    const mem = krrValue(s.recommended.requests.memory);
    lines.push(
      `  ${key.padEnd(36)} ${`${e.currentCpu ?? '-'} / ${e.currentMemory ?? '-'}`.padEnd(16)} ${`${e.cpu ?? 'no change'} / ${e.memory ?? 'no change'}`.padEnd(22)} ${cpu === undefined ? '?' : `${Math.round(cpu * 1000)}m`} / ${mem === undefined ? '?' : `${Math.round(mem / 2 ** 20)}Mi`}`,
    );
  }
  if (!picked.length) lines.push('  (no container recommended by both)');
  return lines;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
