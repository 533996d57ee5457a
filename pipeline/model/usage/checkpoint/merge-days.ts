/**
 * A workload's days, each folded against its own start, added up into the window's usage the
 * estimators read. A day's histogram weights are referenced to the day's start, so rescaling them
 * by the decay from the window's start to the day's start gives the weights a fold over the whole
 * window gives, up to rounding: the days combine exactly, and the oldest drops out whole.
 */
import type { UsageWindow } from '../../../collect/types.js';
import type { WorkloadKey } from '../../types.js';
import { createDigest, type DigestOptions } from '../container-digest.js';
import type { DecayingHistogram } from '../histogram.js';
import type { ContainerUsageDigest, WorkloadUsage } from '../types.js';
import { DAY, digestLayout, type DigestField } from './day-codec.js';

/** How each numeric digest field adds up over days. A new numeric field must say how. */
const NUMBER_RULES: Record<string, 'sum' | 'min' | 'max' | 'cpu-decayed-sum'> = {
  samples: 'sum',
  intervals: 'sum',
  firstSeen: 'min',
  lastSeen: 'max',
  peakCpu: 'max',
  peakMemory: 'max',
  cpuMeanSum: 'cpu-decayed-sum',
  cpuMeanWeight: 'cpu-decayed-sum',
};

export function numberRule(field: string): (typeof NUMBER_RULES)[string] {
  const rule = NUMBER_RULES[field];
  if (!rule) throw new Error(`checkpoint: no rule adds up digest field ${field} over days (merge-days.ts)`);
  return rule;
}

export interface WindowMerger {
  /** Adds one day (its window starts at a midnight inside the window). */
  add(day: WorkloadUsage): void;
  finish(): WorkloadUsage | undefined;
}

export function createWindowMerger(
  workload: WorkloadKey,
  window: UsageWindow,
  demandStep: number,
  options: DigestOptions,
): WindowMerger {
  const layout: DigestField[] = digestLayout(options);
  for (const f of layout) if (f.kind === 'number') numberRule(f.name);
  const step = Math.max(demandStep, window.step);
  const slots = Math.ceil((window.end - window.start) / step);
  let out: WorkloadUsage | undefined;
  const cpuHalfLife = options.cpuHalfLife;
  return {
    add(day) {
      out ??= {
        workload,
        window,
        containers: new Map(),
        demand: {
          start: window.start,
          step,
          cpu: new Float32Array(slots),
          cpuMax: new Float32Array(slots),
          memory: new Float32Array(slots),
          pods: new Float32Array(slots),
        },
        ooms: [],
        restarts: [],
        instances: 0,
      };
      const u = out;
      const dayStart = day.window.start;
      const dayIndex = Math.round((dayStart - window.start) / DAY);
      for (const [name, src] of day.containers) {
        let dst = u.containers.get(name);
        if (!dst) {
          dst = { container: name, ...createDigest(window, options) } as ContainerUsageDigest;
          u.containers.set(name, dst);
        }
        addDay(dst, src, layout, dayIndex, dayStart - window.start, cpuHalfLife);
      }
      const first = Math.round((dayStart - window.start) / step);
      const d = day.demand;
      for (let i = 0; i < d.cpu.length && first + i < slots; i++) {
        if (first + i < 0) continue;
        u.demand.cpu[first + i] = d.cpu[i]!;
        u.demand.cpuMax[first + i] = d.cpuMax[i]!;
        u.demand.memory[first + i] = d.memory[i]!;
        u.demand.pods[first + i] = d.pods[i]!;
      }
      u.ooms.push(...day.ooms);
      u.restarts.push(...day.restarts);
      u.instances += day.instances;
    },
    finish: () => out,
  };
}

function addDay(
  dst: ContainerUsageDigest,
  src: ContainerUsageDigest,
  layout: DigestField[],
  dayIndex: number,
  offset: number,
  cpuHalfLife: number,
): void {
  const a = dst as unknown as Record<string, unknown>;
  const b = src as unknown as Record<string, unknown>;
  for (const f of layout) {
    switch (f.kind) {
      case 'number': {
        const x = a[f.name] as number;
        const y = b[f.name] as number;
        const rule = numberRule(f.name);
        a[f.name] =
          rule === 'sum'
            ? x + y
            : rule === 'min'
              ? Math.min(x, y)
              : rule === 'max'
                ? Math.max(x, y)
                : x + y * Math.pow(2, offset / cpuHalfLife);
        break;
      }
      case 'float32-per-day':
      case 'float64-per-day': {
        const arr = a[f.name] as Float32Array | Float64Array;
        if (dayIndex >= 0 && dayIndex < arr.length)
          arr[dayIndex] = (b[f.name] as Float32Array | Float64Array)[0]!;
        break;
      }
      case 'histogram': {
        const h = a[f.name] as DecayingHistogram;
        const g = b[f.name] as DecayingHistogram;
        if (g.total <= 0) break;
        const k = Number.isFinite(g.halfLife) ? Math.pow(2, offset / g.halfLife) : 1;
        for (let i = 0; i < g.weights.length; i++) if (g.weights[i] !== 0) h.weights[i]! += g.weights[i]! * k;
        h.total += g.total * k;
        if (g.top > h.top) h.top = g.top;
      }
    }
  }
}
