/**
 * The `real` set: each VM of the trace as a one-container Deployment whose request is what the VM
 * was provisioned. Samples sit on the 5-minute grid from the trace's first midnight (day 0):
 * a grid slot holds the mean CPU and the highest memory of the samples in it (almost always one;
 * the trace's clock drifts by a second now and then), NaN where the trace has a gap.
 */
import type { Workload } from '../shapes.js';
import type { Recommender } from '../recommenders/types.js';
import { DAY, GRID_STEP, provisionedAt, type Trace, type TraceVm } from './trace.js';
import { workloadName } from './workspace.js';

export const TRACE_FILE = '/work/shared/data/bitbrains-rnd-2013-8.csv.gz';

export interface RealSet {
  trace: Trace;
  workloads: Workload[];
  byId: Map<string, TraceVm>;
  /** First judged day (grid days): the first midnight with 14 days of history behind it. */
  firstDay: number;
  /** One past the last judged day. */
  horizon: number;
}

export function realSet(trace: Trace, opts: { historyDays?: number; vms?: number[] } = {}): RealSet {
  const slots = Math.ceil((trace.end - trace.start) / GRID_STEP);
  const firstSample = Math.min(...trace.vms.map((v) => v.time[0]!));
  const firstDay = Math.ceil((firstSample - trace.start + (opts.historyDays ?? 14) * DAY) / DAY);
  const horizon = Math.ceil((trace.end - trace.start) / DAY);
  const vms = opts.vms ? trace.vms.filter((v) => opts.vms!.includes(v.vm)) : trace.vms;
  const workloads = vms.map((v) => gridWorkload(v, trace.start, slots, firstDay));
  return {
    trace,
    workloads,
    byId: new Map(vms.map((v) => [workloadName(v.vm), v])),
    firstDay,
    horizon,
  };
}

function gridWorkload(v: TraceVm, start: number, slots: number, firstDay: number): Workload {
  const cpu = new Float32Array(slots).fill(NaN);
  const mem = new Float64Array(slots).fill(NaN);
  const n = new Uint8Array(slots);
  for (let i = 0; i < v.time.length; i++) {
    const k = Math.floor((v.time[i]! - start) / GRID_STEP);
    if (k < 0 || k >= slots) continue;
    const c = v.cpu[i]!;
    cpu[k] = n[k] ? (cpu[k]! * n[k]! + c) / (n[k]! + 1) : c;
    n[k]!++;
    if (!(mem[k]! >= v.mem[i]!)) mem[k] = v.mem[i]!;
  }
  const p = provisionedAt(v, start + firstDay * DAY);
  return {
    id: workloadName(v.vm),
    shape: 'real',
    step: GRID_STEP,
    days: Math.ceil(slots / 288),
    cpu,
    mem,
    provisioned: { cpu: p.cpu * 1000, mem: p.mem },
  };
}

/** The manual row: each day, what the VM was provisioned at that day's start. */
export function provisionedReal(set: RealSet): Recommender {
  return {
    name: 'provisioned (manual)',
    decideDay(day, states) {
      for (const s of states) {
        const p = provisionedAt(set.byId.get(s.w.id)!, set.trace.start + day * DAY);
        s.cpu = p.cpu * 1000;
        s.mem = p.mem;
      }
    },
  };
}
