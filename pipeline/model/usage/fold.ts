/**
 * Folds the metrics stream into per-workload digests. A batch is folded and dropped, so memory
 * follows the number of workloads and containers, not the number of samples.
 */
import type { OomEvent, RestartEvent, UsageSeries, UsageWindow } from '../../collect/types.js';
import type { WorkloadKey } from '../types.js';
import type { ContainerUsageDigest, PodRecentUsage, WorkloadUsage } from './types.js';
import { addRun, createDigest, DEFAULT_DIGEST_OPTIONS, type DigestOptions } from './container-digest.js';

export const DEFAULT_DEMAND_STEP = 900;

/**
 * Orders a batch pod by pod (in place): the folder counts a pod once per interval only when its
 * containers' series come one after another.
 */
export function sortByPod(series: UsageSeries[]): UsageSeries[] {
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return series.sort((a, b) => cmp(a.namespace, b.namespace) || cmp(a.pod, b.pod));
}

export interface UsageFolder {
  add(workload: WorkloadKey, series: UsageSeries): void;
  addOom(workload: WorkloadKey, event: OomEvent): void;
  addRestart(workload: WorkloadKey, event: RestartEvent): void;
  finish(): Map<WorkloadKey, WorkloadUsage>;
  /** "namespace/pod" → the pod's last hour. */
  podRecent(): Map<string, PodRecentUsage>;
}

const RECENT_SECONDS = 3600;

export function createUsageFolder(
  window: UsageWindow,
  demandStep = DEFAULT_DEMAND_STEP,
  options: DigestOptions = DEFAULT_DIGEST_OPTIONS,
  /** Usage folded before, to fold more into (a checkpoint's day: usage/checkpoint/). */
  initial?: Map<WorkloadKey, WorkloadUsage>,
): UsageFolder {
  const out = initial ?? new Map<WorkloadKey, WorkloadUsage>();
  const recent = createRecentFolder(window);
  const step = Math.max(demandStep, window.step);
  const slots = Math.ceil((window.end - window.start) / step);
  const perSlot = step / window.step;
  // A pod counts once per interval however many containers report: its containers' series are
  // marked here and counted when the next pod starts (callers pass one pod's series together).
  const podMarks = new Uint8Array(Math.ceil((window.end - window.start) / window.step));
  let podOpen: { key: string; usage: WorkloadUsage; lo: number; hi: number } | undefined;

  function get(workload: WorkloadKey): WorkloadUsage {
    let u = out.get(workload);
    if (!u) {
      u = {
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
      out.set(workload, u);
    }
    return u;
  }

  return {
    add(workload, s) {
      const u = get(workload);
      const podKey = `${s.namespace}/${s.pod}`;
      if (podOpen && (podOpen.key !== podKey || podOpen.usage !== u)) closePod();
      podOpen ??= { key: podKey, usage: u, lo: Infinity, hi: -Infinity };
      u.instances++;
      let d = u.containers.get(s.container);
      if (!d) {
        d = { container: s.container, ...createDigest(window, options) } as ContainerUsageDigest;
        u.containers.set(s.container, d);
      }
      d.samples += s.samples;
      recent.add(s);
      // The digest takes runs of equal intervals inside one day at once (coarse points).
      const { cpuMean: cm, cpuMax: cx, memMax: mm, offset } = s;
      const n = cm.length;
      const wStep = window.step;
      for (let i = 0; i < n;) {
        const idx = offset + i;
        // The first index of the next window day: a run never crosses midnight.
        const dayLimit = Math.ceil(((Math.floor((idx * wStep) / 86400) + 1) * 86400) / wStep) - offset;
        const lim = dayLimit < n ? dayLimit : n;
        const a = cm[i]!;
        const b = cx[i]!;
        const c = mm[i]!;
        let j = i + 1;
        while (j < lim) {
          const a2 = cm[j]!;
          const b2 = cx[j]!;
          const c2 = mm[j]!;
          // Equal values, NaN included (a gap continues a gap).
          if (!(a2 === a || (a2 !== a2 && a !== a))) break;
          if (!(b2 === b || (b2 !== b2 && b !== b))) break;
          if (!(c2 === c || (c2 !== c2 && c !== c))) break;
          j++;
        }
        addRun(d, window.start + idx * wStep, j - i, wStep, a, b, c);
        i = j;
      }
      // Per pod and demand slot: Σ CPU means (averaged over the slot) and presence.
      const { cpu: dCpu, cpuMax: dMax, memory: dMem } = u.demand;
      let lo = podOpen.lo;
      let hi = podOpen.hi;
      for (let i = 0; i < n; i++) {
        const cpu = cm[i]!;
        const mem = mm[i]!;
        if (cpu !== cpu && mem !== mem) continue;
        const idx = offset + i;
        const slot = Math.floor(idx / perSlot);
        if (slot < 0 || slot >= slots) continue;
        const max = cx[i]!;
        if (cpu >= 0) dCpu[slot]! += cpu / perSlot;
        if (max >= 0 && max > dMax[slot]!) dMax[slot] = max;
        if (mem >= 0) dMem[slot]! += mem / perSlot;
        if (idx >= 0 && idx < podMarks.length && !podMarks[idx]) {
          podMarks[idx] = 1;
          if (idx < lo) lo = idx;
          if (idx > hi) hi = idx;
        }
      }
      podOpen.lo = lo;
      podOpen.hi = hi;
    },
    addOom(workload, e) {
      const u = get(workload);
      // The same kill may be reported by both the snapshot and the metrics: keep one. A
      // checkpoint keeps no pod names (''): its kills match by container and time.
      if (
        !u.ooms.some(
          (o) =>
            (o.pod === e.pod || !o.pod || !e.pod) &&
            o.container === e.container &&
            Math.abs(o.time - e.time) < 600,
        )
      )
        u.ooms.push(e);
    },
    addRestart(workload, e) {
      get(workload).restarts.push(e);
    },
    finish() {
      closePod();
      return out;
    },
    podRecent() {
      return recent.result();
    },
  };

  function closePod(): void {
    if (!podOpen) return;
    const pods = podOpen.usage.demand.pods;
    for (let idx = podOpen.lo; idx <= podOpen.hi; idx++) {
      if (!podMarks[idx]) continue;
      podMarks[idx] = 0;
      const slot = Math.floor(idx / perSlot);
      if (slot >= 0 && slot < slots) pods[slot]! += 1 / perSlot;
    }
    podOpen = undefined;
  }
}

/** Each pod's last hour of the window, summed over its containers. */
export function createRecentFolder(window: UsageWindow): {
  add(s: UsageSeries): void;
  result(): Map<string, PodRecentUsage>;
} {
  const recent = new Map<string, PodRecentUsage>();
  const recentFrom = Math.ceil((window.end - window.start - RECENT_SECONDS) / window.step);
  return { add: addRecent, result: () => recent };

  function addRecent(s: UsageSeries): void {
    let cpuSum = 0;
    let cpuN = 0;
    let last = NaN;
    let mem = 0;
    for (let idx = Math.max(recentFrom, s.offset); idx < s.offset + s.cpuMean.length; idx++) {
      const cpu = s.cpuMean[idx - s.offset]!;
      const m = s.memMax[idx - s.offset]!;
      if (cpu >= 0) {
        cpuSum += cpu;
        cpuN++;
        last = cpu;
      }
      if (m > mem) mem = m;
    }
    if (!cpuN && !mem) return;
    const key = `${s.namespace}/${s.pod}`;
    const r = recent.get(key) ?? { cpu1h: 0, cpu5m: 0, memory1h: 0, node: s.node };
    r.cpu1h += cpuN ? cpuSum / cpuN : 0;
    r.cpu5m += Number.isNaN(last) ? 0 : last;
    r.memory1h += mem;
    recent.set(key, r);
  }
}
