/**
 * The incremental history's fold: usage is folded per workload and per UTC day, each day against
 * its own start, into a ring of encoded days (day-codec.ts); the window the estimators read is the
 * ring's days added up (merge-days.ts). A cold run folds the whole window this way, a warm one
 * only the interval after its checkpoint on top of the checkpoint's days, so both give the same
 * digests from the same samples.
 *
 * Memory stays near the plain fold's: a batch's days are folded densely and encoded again when
 * the batch ends (a workload's records hold only non-empty histogram buckets).
 */
import type { OomEvent, RestartEvent, UsageSeries, UsageWindow } from '../../../collect/types.js';
import type { WorkloadKey } from '../../types.js';
import { DEFAULT_DIGEST_OPTIONS, type DigestOptions } from '../container-digest.js';
import { createRecentFolder, createUsageFolder, DEFAULT_DEMAND_STEP, type UsageFolder } from '../fold.js';
import type { WorkloadUsage } from '../types.js';
import { createDayCodec, DAY, dayWindow } from './day-codec.js';
import { createWindowMerger } from './merge-days.js';

/** A workload's days (UTC day number → encoded day). */
export type WorkloadDays = Map<number, Uint8Array>;

export interface HistoryState {
  /** Unix seconds: usage is folded up to here (exclusive). */
  end: number;
  workloads: Map<WorkloadKey, WorkloadDays>;
}

/**
 * The window a run with a checkpoint analyses: its start moved up to the next UTC midnight, so
 * it holds whole days and today so far, and the oldest day leaves it whole.
 */
export function historyWindow(w: UsageWindow): UsageWindow {
  return { start: Math.ceil(w.start / DAY) * DAY, end: w.end, step: w.step };
}

/** Why a window cannot be kept as days (undefined: it can). */
export function historyUnsupported(w: UsageWindow): string | undefined {
  if (DAY % w.step !== 0) return `the analysis step (${w.step}s) does not divide a day`;
  if (w.end - w.start < DAY) return 'the analysis window is shorter than a day';
  return undefined;
}

export function demandStepOf(w: UsageWindow): number {
  return Math.max(DEFAULT_DEMAND_STEP, w.step);
}

export interface HistoryFolder extends UsageFolder {
  /** Folds what was added since the last flush (call once per batch: a pod never spans two). */
  flush(): void;
  /** The ring after finish(): what the checkpoint stores. */
  state(): HistoryState;
  /** Distinct (workload, container name) pairs in the ring, after finish(). */
  containerCount(): number;
  /** Lets the ring go once the checkpoint has taken it (a few hundred MB at 20,000 containers). */
  release(): void;
}

export function createHistoryFolder(opts: {
  /** Day-aligned (historyWindow). */
  window: UsageWindow;
  /** Intervals before this time are the checkpoint's (default: the window's start, a cold run). */
  from?: number;
  state?: HistoryState;
  /** Workloads whose usage finish() returns (the live ones); the ring keeps the others' days. */
  keep?: (workload: WorkloadKey) => boolean;
  options?: DigestOptions;
}): HistoryFolder {
  const window = opts.window;
  const options = opts.options ?? DEFAULT_DIGEST_OPTIONS;
  const step = window.step;
  const demandStep = demandStepOf(window);
  const codec = createDayCodec(step, demandStep, options);
  const firstDay = window.start / DAY;
  const lastDay = Math.floor((window.end - 1) / DAY);
  const perDay = DAY / step;
  const fromIdx = Math.max(0, Math.round(((opts.from ?? window.start) - window.start) / step));
  const ring = new Map<WorkloadKey, WorkloadDays>();
  for (const [wl, days] of opts.state?.workloads ?? []) {
    const kept = new Map([...days].filter(([d]) => d >= firstDay && d <= lastDay));
    if (kept.size) ring.set(wl, kept);
  }
  const recent = createRecentFolder(window);

  type Pending =
    | { kind: 'series'; workload: WorkloadKey; s: UsageSeries }
    | { kind: 'oom'; workload: WorkloadKey; e: OomEvent }
    | { kind: 'restart'; workload: WorkloadKey; e: RestartEvent };
  let pending = new Map<number, Pending[]>();
  const push = (day: number, p: Pending): void => {
    let list = pending.get(day);
    if (!list) pending.set(day, (list = []));
    list.push(p);
  };
  const eventDay = (time: number): number => Math.min(lastDay, Math.max(firstDay, Math.floor(time / DAY)));
  let finished: Map<WorkloadKey, WorkloadUsage> | undefined;
  let containers = 0;

  function flush(): void {
    const days = [...pending.keys()].sort((a, b) => a - b);
    for (const day of days) {
      const items = pending.get(day)!;
      const initial = new Map<WorkloadKey, WorkloadUsage>();
      for (const p of items) {
        if (initial.has(p.workload)) continue;
        const rec = ring.get(p.workload)?.get(day);
        if (rec) initial.set(p.workload, codec.decode(p.workload, day, rec));
      }
      const folder = createUsageFolder(dayWindow(day, step), demandStep, options, initial);
      for (const p of items)
        if (p.kind === 'series') folder.add(p.workload, p.s);
        else if (p.kind === 'oom') folder.addOom(p.workload, p.e);
        else folder.addRestart(p.workload, p.e);
      for (const [wl, u] of folder.finish()) {
        let wd = ring.get(wl);
        if (!wd) ring.set(wl, (wd = new Map()));
        wd.set(day, codec.encode(u));
      }
    }
    pending = new Map();
  }

  return {
    add(workload, s) {
      recent.add(s);
      const lo = Math.max(s.offset, fromIdx);
      const hi = s.offset + s.cpuMean.length;
      if (lo >= hi) return;
      let withCpu = 0;
      let folded = 0;
      for (let i = 0; i < s.cpuMean.length; i++)
        if (s.cpuMean[i]! >= 0) {
          withCpu++;
          if (i + s.offset >= lo) folded++;
        }
      // Raw samples follow the intervals with CPU data, so each day keeps its own share.
      let samplesLeft = withCpu > 0 ? Math.round((s.samples * folded) / withCpu) : 0;
      let cpuLeft = folded;
      for (let a = lo; a < hi;) {
        const k = Math.floor(a / perDay);
        const b = Math.min(hi, (k + 1) * perDay);
        const cpuMean = s.cpuMean.subarray(a - s.offset, b - s.offset);
        let n = 0;
        for (let i = 0; i < cpuMean.length; i++) if (cpuMean[i]! >= 0) n++;
        const samples = cpuLeft > 0 ? Math.round((samplesLeft * n) / cpuLeft) : 0;
        samplesLeft -= samples;
        cpuLeft -= n;
        push(firstDay + k, {
          kind: 'series',
          workload,
          s: {
            ...s,
            offset: a - k * perDay,
            cpuMean,
            cpuMax: s.cpuMax.subarray(a - s.offset, b - s.offset),
            memMax: s.memMax.subarray(a - s.offset, b - s.offset),
            samples,
          },
        });
        a = b;
      }
    },
    addOom(workload, e) {
      push(eventDay(e.time), { kind: 'oom', workload, e });
    },
    addRestart(workload, e) {
      push(eventDay(e.time), { kind: 'restart', workload, e });
    },
    flush,
    finish() {
      if (finished) return finished;
      flush();
      const out = new Map<WorkloadKey, WorkloadUsage>();
      for (const [wl, days] of ring) {
        if (opts.keep && !opts.keep(wl)) {
          const names = new Set<string>();
          for (const [day, rec] of days)
            for (const n of codec.decode(wl, day, rec).containers.keys()) names.add(n);
          containers += names.size;
          continue;
        }
        const merger = createWindowMerger(wl, window, demandStep, options);
        for (const day of [...days.keys()].sort((a, b) => a - b))
          merger.add(codec.decodeTransient(wl, day, days.get(day)!));
        const u = merger.finish();
        if (u) out.set(wl, u);
        containers += u?.containers.size ?? 0;
      }
      finished = out;
      return out;
    },
    podRecent: () => recent.result(),
    state: () => ({ end: window.end, workloads: ring }),
    containerCount: () => containers,
    release: () => ring.clear(),
  };
}
