/** Synthetic estimator input for tests: series on a window grid, folded into a model. */
import type { OomEvent, UsageSeries, UsageWindow } from '../collect/types.js';
import type { ClusterModel } from '../model/types.js';
import { createUsageFolder, sortByPod } from '../model/usage/fold.js';
import { podWorkload } from '../model/build/index.js';
import { createNodeFolder } from '../model/node-usage/fold.js';
import type { NodeUsageSeries } from '../collect/node-usage/types.js';

export function windowOf(end: number, days = 14, step = 300): UsageWindow {
  return { start: end - days * 86400, end, step };
}

/** A series whose value per interval comes from functions of the interval start time. */
export function series(
  w: UsageWindow,
  ref: { namespace: string; pod: string; container: string },
  f: { cpu: (t: number) => number; mem: (t: number) => number; cpuMax?: (t: number) => number },
  opts: { from?: number; to?: number } = {},
): UsageSeries {
  const from = opts.from ?? w.start;
  const to = opts.to ?? w.end;
  const offset = Math.floor((from - w.start) / w.step);
  const n = Math.floor((to - from) / w.step);
  const cpuMean = new Float32Array(n);
  const cpuMax = new Float32Array(n);
  const memMax = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = from + i * w.step;
    cpuMean[i] = f.cpu(t);
    cpuMax[i] = f.cpuMax ? f.cpuMax(t) : f.cpu(t);
    memMax[i] = f.mem(t);
  }
  return { ...ref, offset, cpuMean, cpuMax, memMax, samples: n * (w.step / 60) };
}

/**
 * Folds series into the model as a plan does: per-workload digests, and per-node tier sums
 * (with the node exporters' series, when given).
 */
export function withUsage(
  model: ClusterModel,
  w: UsageWindow,
  list: UsageSeries[],
  ooms: OomEvent[] = [],
  nodes: { series?: NodeUsageSeries[]; tierLabel?: string } = {},
): ClusterModel {
  const folder = createUsageFolder(w);
  const nodeFolder = createNodeFolder(model, w, nodes.tierLabel ? { tierLabel: nodes.tierLabel } : {});
  for (const s of sortByPod([...list])) {
    const wl = podWorkload(model, s.namespace, s.pod);
    if (wl) folder.add(wl, s);
    nodeFolder.add(s);
  }
  for (const s of nodes.series ?? []) nodeFolder.addNode(s);
  for (const o of ooms) {
    const wl = podWorkload(model, o.namespace, o.pod);
    if (wl) folder.addOom(wl, o);
  }
  model.usage = folder.finish();
  model.nodeUsage = nodeFolder.finish();
  model.usageWindow = w;
  model.at = w.end;
  return model;
}
