/**
 * Folds the metrics stream into per-workload digests. A batch is folded and dropped, so memory
 * follows the number of workloads and containers, not the number of samples.
 * (First version: peaks and counts only; the estimator work extends the digest.)
 */
import type { OomEvent, RestartEvent, UsageSeries, UsageWindow } from '../../collect/types.js';
import type { WorkloadKey } from '../types.js';
import type { ContainerUsageDigest, WorkloadUsage } from './types.js';

export const DEFAULT_DEMAND_STEP = 900;

export interface UsageFolder {
  add(workload: WorkloadKey, series: UsageSeries): void;
  addOom(workload: WorkloadKey, event: OomEvent): void;
  addRestart(workload: WorkloadKey, event: RestartEvent): void;
  finish(): Map<WorkloadKey, WorkloadUsage>;
}

export function createUsageFolder(window: UsageWindow, demandStep = DEFAULT_DEMAND_STEP): UsageFolder {
  const out = new Map<WorkloadKey, WorkloadUsage>();
  const slots = Math.ceil((window.end - window.start) / demandStep);

  function get(workload: WorkloadKey): WorkloadUsage {
    let u = out.get(workload);
    if (!u) {
      u = {
        workload,
        window,
        containers: new Map(),
        demand: {
          start: window.start,
          step: demandStep,
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
      u.instances++;
      let d = u.containers.get(s.container);
      if (!d) {
        d = {
          container: s.container,
          samples: 0,
          intervals: 0,
          firstSeen: Infinity,
          lastSeen: -Infinity,
          peakCpu: 0,
          peakMemory: 0,
        } as ContainerUsageDigest;
        u.containers.set(s.container, d);
      }
      d.samples += s.samples;
      const perSlot = demandStep / window.step;
      for (let i = 0; i < s.cpuMean.length; i++) {
        const cpu = s.cpuMean[i]!;
        const mem = s.memMax[i]!;
        if (Number.isNaN(cpu) && Number.isNaN(mem)) continue;
        const t = window.start + (s.offset + i) * window.step;
        d.intervals++;
        d.firstSeen = Math.min(d.firstSeen, t);
        d.lastSeen = Math.max(d.lastSeen, t);
        if (!Number.isNaN(s.cpuMax[i]!)) d.peakCpu = Math.max(d.peakCpu, s.cpuMax[i]!);
        if (!Number.isNaN(mem)) d.peakMemory = Math.max(d.peakMemory, mem);
        const slot = Math.floor((s.offset + i) / perSlot);
        if (slot < 0 || slot >= slots) continue;
        if (!Number.isNaN(cpu)) u.demand.cpu[slot]! += cpu / perSlot;
        if (!Number.isNaN(s.cpuMax[i]!))
          u.demand.cpuMax[slot] = Math.max(u.demand.cpuMax[slot]!, s.cpuMax[i]!);
        if (!Number.isNaN(mem)) u.demand.memory[slot] = Math.max(u.demand.memory[slot]!, mem);
        u.demand.pods[slot]! += 1 / perSlot;
      }
    },
    addOom(workload, e) {
      get(workload).ooms.push(e);
    },
    addRestart(workload, e) {
      get(workload).restarts.push(e);
    },
    finish() {
      return out;
    },
  };
}
