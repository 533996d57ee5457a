/**
 * The walk-forward replay: each simulated day every recommender decides requests from the
 * history before that day, then lives with them for the day and is judged on it. A would-OOM
 * (a memory sample above the limit, which every recommender gets set to its memory request) is
 * fed back: the recommender sees the OOM event in its later history, as it would live.
 */
import type { Workload } from './shapes.js';
import type { Intervals, Recommender, WorkloadState } from './recommenders/types.js';

const DAY = 86400;

export function toIntervals(w: Workload): Intervals {
  const per = 300 / w.step;
  const n = Math.floor(w.cpu.length / per);
  const cpuMean = new Float32Array(n);
  const cpuMax = new Float32Array(n);
  const memMax = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    let max = 0;
    let mem = 0;
    for (let k = 0; k < per; k++) {
      const c = w.cpu[i * per + k]!;
      sum += c;
      if (c > max) max = c;
      const m = w.mem[i * per + k]!;
      if (m > mem) mem = m;
    }
    cpuMean[i] = sum / per;
    cpuMax[i] = max;
    memMax[i] = mem;
  }
  return { cpuMean, cpuMax, memMax };
}

export interface DayJudgement {
  cpuSlack: number;
  memSlack: number;
  cpuAbove: number;
  cpuSamples: number;
  wouldOom: boolean;
  changed: boolean;
  cpu: number;
  mem: number;
}

export interface ReplayResult {
  recommender: string;
  /** [workload][judged day] */
  days: DayJudgement[][];
  judgedDays: number;
}

export function initialStates(workloads: Workload[]): WorkloadState[] {
  return workloads.map((w) => ({
    w,
    iv: toIntervals(w),
    cpu: w.provisioned.cpu,
    mem: w.provisioned.mem,
    ooms: [],
    history: [],
  }));
}

export function replay(
  rec: Recommender,
  workloads: Workload[],
  opts: { judgeFrom: number; horizon: number },
): ReplayResult {
  const states = initialStates(workloads);
  const days: DayJudgement[][] = workloads.map(() => []);
  for (let day = 1; day < opts.horizon; day++) {
    const before = states.map((s) => [s.cpu, s.mem] as const);
    rec.decideDay(day, states);
    states.forEach((s, i) => {
      const changed = s.cpu !== before[i]![0] || s.mem !== before[i]![1];
      const j = judgeDay(s, day, changed);
      if (day >= opts.judgeFrom) days[i]!.push(j);
    });
  }
  return { recommender: rec.name, days, judgedDays: opts.horizon - opts.judgeFrom };
}

/**
 * The real-trace replay: nothing is decided or lived before `judgeFrom` (the history before it ran
 * at what each VM was then provisioned), and recommenders may decide asynchronously (Tidemark
 * through `tidemark apply`).
 */
export async function replayFrom(
  rec: Recommender,
  workloads: Workload[],
  opts: { judgeFrom: number; horizon: number },
): Promise<ReplayResult> {
  const states = initialStates(workloads);
  const days: DayJudgement[][] = workloads.map(() => []);
  for (let day = opts.judgeFrom; day < opts.horizon; day++) {
    const before = states.map((s) => [s.cpu, s.mem] as const);
    await rec.decideDay(day, states);
    states.forEach((s, i) => {
      const changed = s.cpu !== before[i]![0] || s.mem !== before[i]![1];
      const j = judgeDay(s, day, changed);
      // A day without samples (a VM that is not running) is not a workload-day.
      if (j.cpuSamples > 0) days[i]!.push(j);
    });
  }
  return { recommender: rec.name, days, judgedDays: opts.horizon - opts.judgeFrom };
}

/** One day lived with the current requests; records the would-OOM into the state's history. */
export function judgeDay(s: WorkloadState, day: number, changed: boolean): DayJudgement {
  const step = s.w.step;
  const a = Math.floor((day * DAY) / step);
  const b = Math.floor(((day + 1) * DAY) / step);
  const reqCores = s.cpu / 1000;
  let above = 0;
  let samples = 0;
  let firstOom = -1;
  for (let i = a; i < b; i++) {
    // A real trace has gaps (NaN): they are neither samples nor kills.
    if (s.w.cpu[i]! >= 0) samples++;
    if (s.w.cpu[i]! > reqCores) above++;
    if (firstOom < 0 && s.w.mem[i]! > s.mem) firstOom = i * step;
  }
  if (firstOom >= 0) s.ooms.push({ time: firstOom, limit: s.mem });
  const ia = day * 288;
  const known = (v: Float32Array): number[] =>
    Array.from(v.subarray(ia, ia + 288))
      .filter((x) => x >= 0)
      .sort((x, y) => x - y);
  const cpu5 = known(s.iv.cpuMean);
  const mem5 = known(s.iv.memMax);
  const p95 = (v: number[]): number => v[Math.min(v.length - 1, Math.floor(0.95 * (v.length - 1)))] ?? 0;
  return {
    cpuSlack: (reqCores - p95(cpu5)) / reqCores,
    memSlack: (s.mem - p95(mem5)) / s.mem,
    cpuAbove: above,
    cpuSamples: samples,
    wouldOom: firstOom >= 0,
    changed,
    cpu: s.cpu,
    mem: s.mem,
  };
}

export interface Row {
  recommender: string;
  medianCpuSlack: number;
  medianMemSlack: number;
  cpuAboveShare: number;
  oomFreeDays: number;
  changesP50: number;
  changesP99: number;
  sumCores: number;
  sumGiB: number;
}

export function summarize(r: ReplayResult): Row {
  const all = r.days.flat();
  const quantile = (v: number[], q: number): number => {
    const s = [...v].sort((a, b) => a - b);
    return s.length ? s[Math.min(s.length - 1, Math.round(q * (s.length - 1)))]! : 0;
  };
  const perWorkloadChanges = r.days.map(
    (d) => (d.filter((x) => x.changed).length * 30) / Math.max(1, r.judgedDays),
  );
  const above = all.reduce((a, d) => a + d.cpuAbove, 0);
  const samples = all.reduce((a, d) => a + d.cpuSamples, 0);
  const dayCount = Math.max(1, r.judgedDays);
  let cores = 0;
  let bytes = 0;
  for (const d of all) {
    cores += d.cpu / 1000;
    bytes += d.mem;
  }
  return {
    recommender: r.recommender,
    medianCpuSlack: quantile(
      all.map((d) => d.cpuSlack),
      0.5,
    ),
    medianMemSlack: quantile(
      all.map((d) => d.memSlack),
      0.5,
    ),
    cpuAboveShare: samples ? above / samples : 0,
    oomFreeDays: all.length ? all.filter((d) => !d.wouldOom).length / all.length : 1,
    changesP50: quantile(perWorkloadChanges, 0.5),
    changesP99: quantile(perWorkloadChanges, 0.99),
    sumCores: cores / dayCount,
    sumGiB: bytes / dayCount / 2 ** 30,
  };
}

export function formatTable(title: string, rows: Row[]): string {
  const head = [
    'recommender',
    'CPU slack (med)',
    'mem slack (med)',
    'CPU samples > req',
    'OOM-free days',
    'changes/30d p50',
    'p99',
    'Σ cores',
    'Σ GiB',
  ];
  const data = rows.map((r) => [
    r.recommender,
    pct(r.medianCpuSlack),
    pct(r.medianMemSlack),
    pct(r.cpuAboveShare, 2),
    pct(r.oomFreeDays, 2),
    r.changesP50.toFixed(1),
    r.changesP99.toFixed(1),
    r.sumCores.toFixed(1),
    r.sumGiB.toFixed(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...data.map((d) => d[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    `${title}`,
    '',
    line(head),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...data.map(line),
  ].join('\n');
}

function pct(v: number, digits = 1): string {
  return `${(v * 100).toFixed(digits)}%`;
}
