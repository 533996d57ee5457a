/**
 * Tuning aid: two rows of the real set side by side per VM: mean memory request, OOM days,
 * changes. `npx tsx bench/quality/real/compare.ts '<row A>' '<json variant B or row>'`.
 */
import { runRealSet } from './run-real.js';
import { TRACE_FILE, realSet } from './set.js';
import { loadTrace } from './trace.js';
import { VARIANTS } from './recommenders.js';
import { formatTable, summarize } from '../replay.js';

const [a, bJson] = process.argv.slice(2);
const b = JSON.parse(bJson ?? '{}') as Record<string, unknown>;
const run = await runRealSet({
  trace: TRACE_FILE,
  path: 'fast',
  recommenders: [
    { name: a! },
    { name: 'B', variant: { ...VARIANTS['tidemark, pacing off']!, ...b, name: 'B' } },
  ],
  log: () => {},
});
const [ra, rb] = run.results;
const ids = realSet(await loadTrace(TRACE_FILE)).workloads.map((w) => w.id);
const rows = ra!.days.map((da, i) => {
  const db = rb!.days[i]!;
  const mean = (d: typeof da): number => d.reduce((s, x) => s + x.mem, 0) / d.length / 2 ** 30;
  return {
    i,
    vm: ids[i],
    memA: mean(da),
    memB: mean(db),
    oomA: da.filter((x) => x.wouldOom).length,
    oomB: db.filter((x) => x.wouldOom).length,
    chB: db.filter((x) => x.changed).length,
  };
});
rows.sort((x, y) => y.memB - y.memA - (x.memB - x.memA));
console.log('most memory above A:');
for (const r of rows.slice(0, 15))
  console.log(JSON.stringify(r, (_, v: unknown) => (typeof v === 'number' ? Math.round(v * 100) / 100 : v)));
console.log('OOM days in B:');
for (const r of rows.filter((r) => r.oomB > 0))
  console.log(JSON.stringify(r, (_, v: unknown) => (typeof v === 'number' ? Math.round(v * 100) / 100 : v)));
console.log('most changes in B:');
for (const r of [...rows].sort((x, y) => y.chB - x.chB).slice(0, Number(process.env.TOP ?? 8))) {
  console.log(JSON.stringify(r, (_, v: unknown) => (typeof v === 'number' ? Math.round(v * 100) / 100 : v)));
  // Each change in B: the day, CPU (m) and memory (MiB) before → after.
  const d = rb!.days[r.i]!;
  const steps = d.flatMap((x, k) =>
    x.changed && k > 0
      ? [
          `d${k}: ${d[k - 1]!.cpu}→${x.cpu}m ${Math.round(d[k - 1]!.mem / 2 ** 20)}→${Math.round(x.mem / 2 ** 20)}Mi`,
        ]
      : x.changed
        ? [`d${k}: →${x.cpu}m →${Math.round(x.mem / 2 ** 20)}Mi`]
        : [],
  );
  console.log('   ', r.vm, steps.join(' | '));
}
const byCount = new Map<number, number>();
for (const r of rows) byCount.set(r.chB, (byCount.get(r.chB) ?? 0) + 1);
console.log(
  'VMs by changes in B:',
  [...byCount]
    .sort((x, y) => x[0] - y[0])
    .map(([n, c]) => `${n}: ${c}`)
    .join(', '),
);
const sum = (k: 'memA' | 'memB'): number => rows.reduce((s, r) => s + r[k], 0);
console.log('Σ', sum('memA').toFixed(1), sum('memB').toFixed(1));
console.log(formatTable('rows', [summarize(ra!), summarize(rb!)]));
