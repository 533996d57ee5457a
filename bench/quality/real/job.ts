/**
 * One job of the real-set replay, run in its own process: one recommender over one shard of VMs.
 * Reads a JSON job from argv[2], writes the replay result (every judged workload-day, and
 * Tidemark's per-plan statistics) as JSON to argv[3].
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { replayFrom } from '../replay.js';
import { loadTrace } from './trace.js';
import { realSet } from './set.js';
import { realRecommender } from './recommenders.js';
import type { VariantSpec } from './workspace.js';

export interface RealJob {
  trace: string;
  recommender: string;
  vms: number[];
  path: 'real' | 'fast';
  /** A Tidemark variant that is not one of the published rows (tuning). */
  variant?: VariantSpec;
}

async function run(): Promise<void> {
  const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as RealJob;
  const set = realSet(await loadTrace(job.trace), { vms: job.vms });
  const rec = realRecommender(job.recommender, set, job.path, job.variant);
  try {
    const result = await replayFrom(rec, set.workloads, { judgeFrom: set.firstDay, horizon: set.horizon });
    writeFileSync(
      process.argv[3]!,
      JSON.stringify({ ids: set.workloads.map((w) => w.id), result, stats: rec.stats ?? [] }),
    );
  } finally {
    rec.cleanup?.();
  }
}

run().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
