/**
 * `npm run bench:quality [-- --quick] [--set real|tune|holdout|generated|all]`: the walk-forward
 * replay of Tidemark and the peers on real VM traces (the `real` set: bench/results/quality-real.json)
 * and on generated usage (`tune` and `holdout`: bench/results/quality.json); prints one table per set.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { workloadSet } from './shapes.js';
import { replay, summarize, formatTable, type Row } from './replay.js';
import { byShape } from './diagnose.js';
import { tidemarkRecommender } from './recommenders/tidemark.js';
import { provisioned, vpa, krr, crane } from './recommenders/baselines.js';
import type { Recommender } from './recommenders/types.js';
import { runRealSet } from './real/run-real.js';
import { ROWS, VARIANTS } from './real/recommenders.js';
import type { VariantSpec } from './real/workspace.js';
import { TRACE_FILE } from './real/set.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Variants compared while tuning (`--variants`); the published table uses recommenders(). */
export function variants(): Recommender[] {
  return [
    krr,
    tidemarkRecommender({ name: 'hold7 (default)' }),
    tidemarkRecommender({ name: 'keepShare 0.25', args: { keepShare: 0.25 } }),
    tidemarkRecommender({ name: 'hold10', args: { peakHoldDays: 10 } }),
    tidemarkRecommender({ name: 'hold14', args: { peakHoldDays: 14 } }),
    tidemarkRecommender({ name: 'coarse 1h after 3d', coarsen: { afterDays: 3, step: 3600 } }),
    tidemarkRecommender({ name: 'coarse 1h after 1d', coarsen: { afterDays: 1, step: 3600 } }),
    tidemarkRecommender({ name: 'coarse 30m after 2d', coarsen: { afterDays: 2, step: 1800 } }),
  ];
}

export function recommenders(): Recommender[] {
  return [
    provisioned,
    vpa,
    krr,
    crane,
    tidemarkRecommender({ profile: 'balanced' }),
    tidemarkRecommender({ profile: 'latency' }),
    tidemarkRecommender({ profile: 'batch' }),
  ];
}

async function main(): Promise<void> {
  const program = new Command('bench:quality')
    .option('--quick', 'a small run for CI (generated sets: 60 workloads, 35 days)')
    .option('--set <set>', 'real | tune | holdout | generated (tune + holdout) | all', 'all')
    .option('--workloads <n>', 'workloads per generated set', '200')
    .option('--days <n>', 'simulated days (generated sets)', '84')
    .option('--only <names>', 'comma-separated recommender names to run')
    .option('--by-shape', 'also print a per-shape breakdown (tuning aid)')
    .option('--variants', 'run the tuning variants instead of the published rows (generated sets)')
    .option('--trace <file>', 'the real trace (CSV, gzip)', TRACE_FILE)
    .option(
      '--path <path>',
      'real set: real (tidemark apply on files and git) | fast (the same plan, inputs in memory)',
      'real',
    )
    .option('--vms <list>', 'real set: only these VM numbers (comma-separated)')
    .option('--shards <n>', 'real set: VM shards per row (default: cores)')
    .option(
      '--tune <json>',
      'real set, tuning aid: extra rows { "name": { "rightsize": {…}, "rules": {…} } }, each on the defaults with pacing off',
    )
    .parse(process.argv);
  const o = program.opts<{
    quick?: boolean;
    set: string;
    workloads: string;
    days: string;
    only?: string;
    byShape?: boolean;
    variants?: boolean;
    trace: string;
    path: 'real' | 'fast';
    vms?: string;
    shards?: string;
    tune?: string;
  }>();
  const only = (name: string): boolean => !o.only || o.only.split(',').some((n) => name.startsWith(n.trim()));
  const wanted =
    o.set === 'all' ? ['real', 'tune', 'holdout'] : o.set === 'generated' ? ['tune', 'holdout'] : [o.set];

  if (wanted.includes('real')) {
    const run = await runRealSet({
      trace: o.trace,
      recommenders: [
        ...ROWS.filter(only).map((name) => ({ name })),
        ...Object.entries(JSON.parse(o.tune ?? '{}') as Record<string, Partial<VariantSpec>>).map(
          ([name, v]) => ({ name, variant: { ...VARIANTS['tidemark, pacing off']!, ...v, name } }),
        ),
      ],
      path: o.path,
      vms: o.vms?.split(',').map(Number),
      shards: o.shards ? Number(o.shards) : undefined,
    });
    console.log(formatTable(run.title, run.rows) + '\n');
    if (!o.vms && !o.only && !o.tune) {
      mkdirSync(join(here, '..', 'results'), { recursive: true });
      const file = join(
        here,
        '..',
        'results',
        o.path === 'real' ? 'quality-real.json' : 'quality-real-fast.json',
      );
      writeFileSync(
        file,
        JSON.stringify(
          { generatedAt: new Date().toISOString(), ...run.meta, rows: run.rows, plans: run.plans },
          null,
          2,
        ) + '\n',
      );
      console.log(`wrote ${file}`);
    }
  }

  const generated = wanted.filter((s): s is 'tune' | 'holdout' => s === 'tune' || s === 'holdout');
  if (!generated.length) return;
  const count = o.quick ? 60 : Number(o.workloads);
  const horizon = o.quick ? 35 : Number(o.days);
  const judgeFrom = Math.floor(horizon / 2);
  const out: Record<string, unknown> = {
    generatedAt: new Date().toISOString(),
    workloads: count,
    horizonDays: horizon,
    judgedFromDay: judgeFrom,
    sets: {},
  };
  for (const set of generated) {
    const t0 = performance.now();
    const workloads = workloadSet(set, count, horizon + 1);
    const rows: Row[] = [];
    for (const rec of (o.variants ? variants() : recommenders()).filter((r) => only(r.name))) {
      const t = performance.now();
      const result = replay(rec, workloads, { judgeFrom, horizon });
      rows.push(summarize(result));
      if (o.byShape) process.stderr.write(byShape(result, workloads) + '\n');
      process.stderr.write(`  ${set}: ${rec.name} in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
    }
    const title = `${set === 'tune' ? 'Tuning set' : 'Held-out set'}: ${count} workloads, days ${judgeFrom}–${horizon - 1} of ${horizon} judged (${((performance.now() - t0) / 1000).toFixed(0)} s)`;
    console.log(formatTable(title, rows) + '\n');
    (out.sets as Record<string, unknown>)[set] = rows;
  }
  if (o.only) return;
  mkdirSync(join(here, '..', 'results'), { recursive: true });
  const file = join(here, '..', 'results', o.quick ? 'quality-quick.json' : 'quality.json');
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
