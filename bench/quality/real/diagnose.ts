/**
 * Tuning aid: where Tidemark's memory (pacing off) exceeds KRR's on the real set, and what every
 * change of the busiest workloads was. `npx tsx bench/quality/real/diagnose.ts ['<json variant>']`.
 *
 * Per VM and judged day, our request R and KRR's K (= 1.15 × the 14-day max) are split as
 *   R − K = (held − K/1.15)            the peak we cover against KRR's 14-day max
 *         + (0.1 × held − 0.15 × K/1.15) the fixed part of the headroom against KRR's 15 %
 *         + √ term                      the square-root part of the headroom
 *         + (R − held − headroom)       what gating held (keep rules, policy, growth, OOM floor)
 * with held and headroom recomputed from the grid's daily peaks at the last plan (every 2 days),
 * as memory.ts computes them; the gating term is attributed from the plan's own decisions
 * (TIDEMARK_BENCH_DUMP).
 */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRealSet } from './run-real.js';
import { TRACE_FILE, realSet } from './set.js';
import { loadTrace } from './trace.js';
import { VARIANTS } from './recommenders.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const variant = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
const dump = join(mkdtempSync(join(tmpdir(), 'tidemark-diagnose-')), 'decisions.jsonl');
process.env.TIDEMARK_BENCH_DUMP = dump;
const run = await runRealSet({
  trace: TRACE_FILE,
  path: 'fast',
  recommenders: [
    { name: 'KRR (simple)' },
    { name: 'B', variant: { ...VARIANTS['tidemark, pacing off']!, ...variant, name: 'B' } },
  ],
  log: () => {},
});
const [krr, ours] = run.results;
const set = realSet(await loadTrace(TRACE_FILE));

interface Dumped {
  day: number;
  workload: string;
  outcomes: { rule: string; decision: string; field?: string }[];
  proposed: { resource: string; current?: number; proposed: number }[];
  kept: { resource: string; proposed: number }[];
  cpu?: unknown;
  memory?: {
    driver?: string;
    detail?: string;
    target?: number;
    peak?: { bytes: number; weight: number };
    headroom?: { bytes: number };
  };
}
const decisions = new Map<string, Dumped>();
if (existsSync(dump))
  for (const line of readFileSync(dump, 'utf8').split('\n')) {
    if (!line) continue;
    const d = JSON.parse(line) as Dumped;
    decisions.set(`${d.workload.split('/').pop()}@${d.day}`, d);
  }

const terms = ['peak', 'fixed', 'sqrt', 'gate'] as const;
const gates = new Map<string, number>();
const vms = set.workloads.map((w, i) => {
  const daily: number[] = [];
  for (let d = 0; d < set.horizon; d++) {
    let peak = -1;
    for (let k = d * 288; k < (d + 1) * 288; k++) if (w.mem[k]! > peak) peak = w.mem[k]!;
    daily.push(peak);
  }
  const judged: number[] = [];
  for (let d = set.firstDay; d < set.horizon; d++) {
    let n = 0;
    for (let k = d * 288; k < (d + 1) * 288; k++) if (w.cpu[k]! >= 0) n++;
    if (n > 0) judged.push(d);
  }
  const sums = { peak: 0, fixed: 0, sqrt: 0, gate: 0, R: 0, K: 0 };
  const gate = new Map<string, number>();
  let mismatch = 0;
  let checked = 0;
  judged.forEach((d, k) => {
    const p = set.firstDay + Math.floor((d - set.firstDay) / 2) * 2;
    const R = ours!.days[i]![k]!.mem;
    const K = krr!.days[i]![k]!.mem;
    const window = daily.slice(Math.max(0, p - 14), p).filter((x) => x >= 0);
    const recent = Math.max(0, ...daily.slice(Math.max(0, p - 7), p));
    const older = Math.max(0, ...daily.slice(Math.max(0, p - 14), Math.max(0, p - 7)));
    const held = Math.max(recent, 0.8 * older);
    const hi = Math.max(...window);
    const lo = Math.min(...window);
    const sorted = [...window].sort((a, b) => b - a);
    const top = sorted.length >= 5 && hi > 0 ? (hi - sorted[4]!) / hi : 1;
    const share = Math.max(0.25, Math.min(1, (hi > 0 ? (hi - lo) / hi : 1) / 0.2, top / 0.05));
    const sqrt = share * Math.min(held, Math.sqrt(held / GiB) * GiB);
    const T = held + 0.1 * held + sqrt;
    const base = K / 1.15;
    sums.peak += held - base;
    sums.fixed += 0.1 * held - 0.15 * base;
    sums.sqrt += sqrt;
    sums.gate += R - T;
    sums.R += R;
    sums.K += K;
    const dec = decisions.get(`${w.id}@${p}`);
    if (dec?.memory?.peak && dec.memory.headroom && dec.memory.driver === 'peak') {
      checked++;
      const t = dec.memory.peak.bytes * dec.memory.peak.weight + dec.memory.headroom.bytes;
      if (Math.abs(t - T) > 0.02 * T) mismatch++;
    }
    if (Math.abs(R - T) < MiB) return;
    const memField = (f?: string): boolean => !!f && f.includes('memory');
    const memProposed = dec?.proposed.find((x) => x.resource === 'memory');
    const memKept = dec?.kept.find((x) => x.resource === 'memory');
    let why: string;
    if (memProposed && (!memKept || memKept.proposed !== memProposed.proposed))
      why = `policy ${[...new Set(dec!.outcomes.filter((o) => memField(o.field) && o.decision !== 'accepted').map((o) => o.rule))].join('+') || '?'}`;
    else if (dec?.memory?.driver && dec.memory.driver !== 'peak') why = dec.memory.driver;
    else if (dec?.memory?.detail?.includes('stays'))
      why = dec.memory.detail.includes('still leaves') ? 'keepShare (below)' : 'memoryKeepAbove (above)';
    else if (!dec) why = R > T ? 'no proposal (above: keep rules)' : 'no proposal (below: keepShare)';
    else why = R > T ? 'other (above)' : 'other (below)';
    gate.set(why, (gate.get(why) ?? 0) + (R - T));
    gates.set(why, (gates.get(why) ?? 0) + (R - T) / set.horizon);
  });
  const n = Math.max(1, judged.length);
  const mean = (v: number): number => v / n / GiB;
  const peaks = daily.filter((x) => x >= 0);
  const med = [...peaks].sort((a, b) => a - b)[Math.floor(peaks.length / 2)] ?? 0;
  const mx = Math.max(...peaks);
  const half = Math.floor(peaks.length / 2);
  const medOf = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? 0;
  const stepRatio = medOf(peaks.slice(half)) / Math.max(1, medOf(peaks.slice(0, half)));
  const ups = peaks.slice(1).filter((x, j) => x > peaks[j]! * 1.01).length / Math.max(1, peaks.length - 1);
  const shape =
    mx / Math.max(1, Math.min(...peaks)) < 1.1
      ? 'flat'
      : [
          mx / Math.max(1, med) >= 1.5 ? 'spikes' : '',
          stepRatio >= 1.3 || stepRatio <= 0.77 ? `step ×${stepRatio.toFixed(2)}` : '',
          ups >= 0.6 ? 'growth' : '',
        ]
          .filter(Boolean)
          .join(', ') || 'varying';
  return {
    i,
    vm: w.id,
    R: mean(sums.R),
    K: mean(sums.K),
    excess: mean(sums.R - sums.K),
    ...Object.fromEntries(terms.map((t) => [t, mean(sums[t])])),
    gateWhy: Object.fromEntries([...gate].map(([k, v]) => [k, v / n / GiB])),
    shape,
    daily: peaks.map((x) => Math.round((x / GiB) * 10) / 10),
    oom: ours!.days[i]!.filter((x) => x.wouldOom).length,
    changes: ours!.days[i]!.filter((x) => x.changed).length,
    mismatch: checked ? `${mismatch}/${checked}` : '-',
  };
});

const r2 = (v: unknown): unknown => (typeof v === 'number' ? Math.round(v * 100) / 100 : v);
const total = (k: string): number =>
  vms.reduce((s, v) => s + (v as unknown as Record<string, number>)[k]!, 0);
console.log(
  `Σ ours ${total('R').toFixed(1)} GiB, KRR ${total('K').toFixed(1)}, excess ${total('excess').toFixed(1)} = ` +
    terms.map((t) => `${t} ${total(t).toFixed(1)}`).join(' + '),
);
console.log(
  'gate term by cause (Σ GiB):',
  JSON.stringify(Object.fromEntries([...gates].map(([k, v]) => [k, Math.round((v / GiB) * 10) / 10]))),
);
const bySize = new Map<string, { n: number; excess: number; sqrt: number; peak: number; gate: number }>();
for (const v of vms) {
  const m = Math.max(...v.daily);
  const c =
    m < 1 ? '<1' : m < 2 ? '1-2' : m < 4 ? '2-4' : m < 8 ? '4-8' : m < 16 ? '8-16' : m < 32 ? '16-32' : '≥32';
  const b = bySize.get(c) ?? { n: 0, excess: 0, sqrt: 0, peak: 0, gate: 0 };
  b.n++;
  b.excess += v.excess;
  b.sqrt += (v as unknown as Record<string, number>).sqrt!;
  b.peak += (v as unknown as Record<string, number>).peak!;
  b.gate += (v as unknown as Record<string, number>).gate!;
  bySize.set(c, b);
}
console.log(
  'by month max (GiB):',
  JSON.stringify(
    Object.fromEntries(
      [...bySize].map(([k, v]) => [k, Object.fromEntries(Object.entries(v).map(([a, b]) => [a, r2(b)]))]),
    ),
  ),
);
const shapes = new Map<string, { n: number; excess: number }>();
for (const v of vms) {
  const s = v.shape.replace(/ ×[\d.]+/, '');
  const b = shapes.get(s) ?? { n: 0, excess: 0 };
  b.n++;
  b.excess += v.excess;
  shapes.set(s, b);
}
console.log(
  'by shape:',
  JSON.stringify(Object.fromEntries([...shapes].map(([k, v]) => [k, { n: v.n, excess: r2(v.excess) }]))),
);
console.log('\ntop 20 by mean GiB over KRR:');
for (const v of [...vms].sort((a, b) => b.excess - a.excess).slice(0, Number(process.env.TOP ?? 20))) {
  const { daily, gateWhy, ...rest } = v;
  console.log(JSON.stringify(rest, (_, x: unknown) => r2(x)));
  console.log(
    '    gate:',
    JSON.stringify(gateWhy, (_, x: unknown) => r2(x)),
    ' daily peaks GiB:',
    daily.join(' '),
  );
}

console.log('\nVMs with ≥ 4 changes in the judged days (≥ 7.5 per 30 days):');
const causes = new Map<string, number>();
for (const v of vms.filter((x) => x.changes >= 4).sort((a, b) => b.changes - a.changes)) {
  const days = ours!.days[v.i]!;
  const judged: number[] = [];
  for (let d = set.firstDay; d < set.horizon; d++) {
    let n = 0;
    for (let k = d * 288; k < (d + 1) * 288; k++) if (set.workloads[v.i]!.cpu[k]! >= 0) n++;
    if (n > 0) judged.push(d);
  }
  console.log(`${v.vm} (${v.changes} changes, ${v.oom} OOM days, ${v.shape}):`);
  days.forEach((x, k) => {
    if (!x.changed) return;
    const before = k > 0 ? days[k - 1]! : undefined;
    const d = judged[k]!;
    const dec = decisions.get(`${v.vm}@${d}`);
    const parts: string[] = [];
    if (before && before.cpu !== x.cpu) {
      const kind = `CPU ${x.cpu > before.cpu ? 'raise' : 'cut'}`;
      parts.push(`${kind} ${before.cpu}→${x.cpu}m`);
      causes.set(kind, (causes.get(kind) ?? 0) + 1);
    }
    if (before && before.mem !== x.mem) {
      const kind = `memory ${x.mem > before.mem ? 'raise' : 'cut'} (${dec?.memory?.driver ?? '?'})`;
      parts.push(
        `memory ${x.mem > before.mem ? 'raise' : 'cut'} ${Math.round(before.mem / MiB)}→${Math.round(x.mem / MiB)}Mi [${(dec?.memory?.detail ?? '').slice(0, 150)}]`,
      );
      causes.set(kind, (causes.get(kind) ?? 0) + 1);
    }
    if (!before) parts.push(`first: →${x.cpu}m →${Math.round(x.mem / MiB)}Mi`);
    const rules = dec?.outcomes.filter((o) => o.rule !== 'min-history').map((o) => `${o.rule}:${o.decision}`);
    console.log(`  d${d}: ${parts.join('; ')}${rules?.length ? ` {${[...new Set(rules)].join(', ')}}` : ''}`);
  });
}
console.log('\nchanges of those VMs by kind:', JSON.stringify(Object.fromEntries(causes)));
console.log('\nOOM days (ours / KRR) by VM:');
for (const v of vms) {
  const k = krr!.days[v.i]!.filter((x) => x.wouldOom).length;
  if (v.oom || k)
    console.log(
      `  ${v.vm}: ${v.oom} / ${k}, month max ${Math.max(...v.daily)} GiB, ${v.shape}, R ${r2(v.R) as number} K ${r2(v.K) as number}`,
    );
}
console.log('\nOur OOM days: the memory request that day, and our last memory change before it:');
for (const v of vms) {
  const days = ours!.days[v.i]!;
  days.forEach((x, k) => {
    if (!x.wouldOom) return;
    let j = k;
    while (j > 0 && days[j - 1]!.mem === x.mem) j--;
    const prev = j > 0 ? days[j - 1]!.mem : undefined;
    console.log(
      `  ${v.vm} judged day ${k}: ${Math.round(x.mem / MiB)}Mi since judged day ${j}` +
        (prev !== undefined
          ? ` (${x.mem < prev ? 'cut' : 'raise'} from ${Math.round(prev / MiB)}Mi)`
          : ' (from the start)') +
        `; that day's peak ${Math.round((v.daily[set.firstDay + k] ?? 0) * 1024)}Mi; KRR ${Math.round(krr!.days[v.i]![k]!.mem / MiB)}Mi`,
    );
  });
}
