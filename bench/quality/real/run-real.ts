/**
 * The real set, run as jobs in parallel processes: every row × every shard of VMs (VMs are
 * independent for every recommender: Tidemark's right-sizing decides each workload on its own),
 * longest jobs first, as many at once as there are cores. The shards' workload-days are put back
 * in the trace's VM order before a row is summarized.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { summarize, type ReplayResult, type Row } from '../replay.js';
import { loadTrace, DAY } from './trace.js';
import { realSet } from './set.js';
import type { RealJob } from './job.js';
import type { PlanDayStats } from './tidemark-real.js';
import type { VariantSpec } from './workspace.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface RealRun {
  title: string;
  rows: Row[];
  results: ReplayResult[];
  plans: Record<string, PlanDayStats[][]>;
  meta: {
    trace: string;
    vms: number;
    firstJudgedDay: string;
    lastJudgedDay: string;
    workloadDays: number;
    path: 'real' | 'fast';
    seconds: number;
  };
}

export async function runRealSet(opts: {
  trace: string;
  recommenders: { name: string; variant?: VariantSpec }[];
  path: 'real' | 'fast';
  shards?: number;
  concurrency?: number;
  vms?: number[];
  log?: (line: string) => void;
}): Promise<RealRun> {
  const t0 = performance.now();
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  // Parses the CSV once (and caches it) before the jobs read the cache.
  const trace = await loadTrace(opts.trace);
  const set = realSet(trace, { vms: opts.vms });
  const vms = set.workloads.map((w) => set.byId.get(w.id)!.vm);
  const shards = Math.max(1, opts.shards ?? availableParallelism());
  const concurrency = Math.max(1, opts.concurrency ?? availableParallelism());
  const work = mkdtempSync(join(tmpdir(), 'tidemark-quality-real-'));
  const jobs: (RealJob & { index: number; shard: number; weight: number })[] = [];
  opts.recommenders.forEach((r, index) => {
    for (let k = 0; k < shards; k++) {
      const part = vms.filter((_, i) => i % shards === k);
      if (!part.length) continue;
      const weight = r.name.startsWith('tidemark') ? (opts.path === 'real' ? 100 : 10) : 1;
      jobs.push({
        trace: opts.trace,
        recommender: r.name,
        variant: r.variant,
        vms: part,
        path: opts.path,
        index,
        shard: k,
        weight,
      });
    }
  });
  jobs.sort((a, b) => b.weight - a.weight);
  const outputs = new Map<string, { ids: string[]; result: ReplayResult; stats: PlanDayStats[] }>();
  try {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        const id = `${job.index}-${job.shard}`;
        const inFile = join(work, `${id}.job.json`);
        const outFile = join(work, `${id}.out.json`);
        writeFileSync(inFile, JSON.stringify(job));
        const t = performance.now();
        await new Promise<void>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'job.ts'), inFile, outFile], {
            stdio: ['ignore', 'inherit', 'inherit'],
          });
          child.on('error', reject);
          child.on('exit', (code) =>
            code === 0
              ? resolve()
              : reject(new Error(`real-set job ${job.recommender} (shard ${job.shard}) exited ${code}`)),
          );
        });
        outputs.set(id, JSON.parse(readFileSync(outFile, 'utf8')));
        log(
          `  real: ${job.recommender} [shard ${job.shard + 1}/${shards}] in ${((performance.now() - t) / 1000).toFixed(1)} s`,
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const results: ReplayResult[] = [];
  const plans: Record<string, PlanDayStats[][]> = {};
  opts.recommenders.forEach((r, index) => {
    const byId = new Map<string, ReplayResult['days'][number]>();
    let judgedDays = 0;
    for (let k = 0; k < shards; k++) {
      const o = outputs.get(`${index}-${k}`);
      if (!o) continue;
      o.ids.forEach((wid, i) => byId.set(wid, o.result.days[i]!));
      judgedDays = o.result.judgedDays;
      if (o.stats.length) (plans[r.name] ??= []).push(o.stats);
    }
    results.push({ recommender: r.name, days: set.workloads.map((w) => byId.get(w.id) ?? []), judgedDays });
  });
  const rows = results.map(summarize);
  const workloadDays = results[0]?.days.reduce((a, d) => a + d.length, 0) ?? 0;
  const day = (d: number): string => new Date((trace.start + d * DAY) * 1000).toISOString().slice(0, 10);
  const seconds = (performance.now() - t0) / 1000;
  return {
    title: `Real set: ${vms.length} VMs of the Bitbrains rnd trace (2013-08), each a one-container Deployment; days ${day(set.firstDay)} – ${day(set.horizon - 1)} judged (${workloadDays} workload-days), Tidemark through \`tidemark ${opts.path === 'real' ? 'apply' : 'plan'}\` every 2 days${opts.path === 'fast' ? ' (in-memory inputs)' : ''} (${seconds.toFixed(0)} s)`,
    rows,
    results,
    plans,
    meta: {
      trace: opts.trace,
      vms: vms.length,
      firstJudgedDay: day(set.firstDay),
      lastJudgedDay: day(set.horizon - 1),
      workloadDays,
      path: opts.path,
      seconds,
    },
  };
}
