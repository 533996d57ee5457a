/**
 * What Tidemark's commits say about the period: request changes merged (and what they save at
 * today's replicas and prices), how much of that the cluster runs now (realised: the live request
 * in the newest plan against the one before the merge), reverts, and guardian actions.
 *
 * A commit names its cluster with `Tidemark-Cluster:`; an older one is matched to the cluster whose
 * inventory holds the workload, and, when several do, to the one whose files the commit touched.
 */
import type { TidemarkEvent } from '../../collect/git-history/events.js';
import { parseCpu, parseMemory } from '../../core/quantity.js';
import { monthly } from './money.js';
import type { ClusterSnapshots } from './snapshots.js';
import type { WorkloadFigures } from './workloads.js';

export interface MergedChange {
  cluster: string;
  workload: string;
  field: string;
  from?: string;
  to?: string;
  time: number;
  /** Per month, positive when saved; 0 for a field that is not a request. */
  monthly: number;
  realised: number;
}

export interface PeriodEvents {
  merged: MergedChange[];
  reverted: { cluster?: string; workload?: string; time: number }[];
  guardian: { cluster?: string; time: number; entry?: string }[];
}

const REQUEST_FIELD = /^container\/([^/]+)\/requests\/(cpu|memory)$/;

export function periodEvents(
  events: TidemarkEvent[],
  clusters: ClusterSnapshots[],
  figures: Map<string, Map<string, WorkloadFigures>>,
  range: { start: number; end: number },
): PeriodEvents {
  const inPeriod = events.filter((e) => e.time >= range.start && e.time <= range.end);
  const roots = new Map(clusters.map((c) => [c.name, rootOf(c)]));
  const clusterOf = (e: TidemarkEvent): string | undefined => {
    if (e.cluster && figures.has(e.cluster)) return e.cluster;
    const holding = e.workload
      ? [...figures].filter(([, m]) => m.has(e.workload!)).map(([n]) => n)
      : [...figures.keys()];
    if (holding.length === 1 && e.workload) return holding[0];
    const byFiles = holding.filter((n) => {
      const root = roots.get(n);
      return root !== undefined && e.files.some((f) => f === root || f.startsWith(root + '/'));
    });
    if (byFiles.length === 1) return byFiles[0];
    return e.workload ? holding[0] : undefined;
  };
  const fields = new Map<
    string,
    { cluster: string; workload: string; field: string; from?: string; to?: string; time: number }
  >();
  const reverted: PeriodEvents['reverted'] = [];
  const guardian: PeriodEvents['guardian'] = [];
  for (const e of inPeriod) {
    const cluster = clusterOf(e);
    if (e.kind === 'guardian')
      guardian.push({ ...(cluster ? { cluster } : {}), time: e.time, entry: e.entry });
    else if (e.kind === 'revert')
      reverted.push({ ...(cluster ? { cluster } : {}), workload: e.workload, time: e.time });
    else if (cluster) {
      const key = `${cluster}\n${e.workload}\n${e.field}`;
      const seen = fields.get(key);
      // First value before the period's first change, last value after its last.
      if (!seen)
        fields.set(key, {
          cluster,
          workload: e.workload!,
          field: e.field!,
          from: e.from,
          to: e.to,
          time: e.time,
        });
      else fields.set(key, { ...seen, to: e.to, time: e.time });
    }
  }
  const latestAt = new Map(clusters.map((c) => [c.name, c.latest.at]));
  const merged = [...fields.values()].map((f): MergedChange => {
    const m = REQUEST_FIELD.exec(f.field);
    const w = figures.get(f.cluster)?.get(f.workload);
    const container = m && w?.containers.find((c) => c.name === m[1]);
    if (!m || !w || !container || f.from === undefined || f.to === undefined)
      return { ...f, monthly: 0, realised: 0 };
    const cpu = m[2] === 'cpu';
    const parse = (v: string): number | undefined => {
      try {
        return cpu ? parseCpu(v) / 1000 : parseMemory(v);
      } catch {
        return undefined;
      }
    };
    const from = parse(f.from);
    const to = parse(f.to);
    if (from === undefined || to === undefined) return { ...f, monthly: 0, realised: 0 };
    const delta = from - to;
    const live = cpu ? container.cpuCores : container.memoryBytes;
    // Only a plan made after the merge can say what runs now.
    const seen = (latestAt.get(f.cluster) ?? 0) >= f.time;
    const realisedDelta = !seen
      ? 0
      : delta >= 0
        ? clamp(from - live, 0, delta)
        : clamp(from - live, delta, 0);
    const money = (d: number): number =>
      cpu ? monthly(d * w.replicas, 0, w.price) : monthly(0, d * w.replicas, w.price);
    return { ...f, monthly: money(delta), realised: money(realisedDelta) };
  });
  return { merged, reverted, guardian };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** The folder every file a cluster's newest plan edits sits under (its repo.root), if any. */
function rootOf(c: ClusterSnapshots): string | undefined {
  const files = [
    ...c.latest.json.changes.flatMap((ch) => ch.files),
    ...c.latest.json.recommendations.flatMap((r) => r.render.files ?? []),
  ].map((f) => f.split('/').slice(0, -1));
  if (!files.length) return undefined;
  let prefix = files[0]!;
  for (const f of files) {
    let i = 0;
    while (i < prefix.length && i < f.length && prefix[i] === f[i]) i++;
    prefix = prefix.slice(0, i);
  }
  return prefix.length ? prefix.join('/') : undefined;
}
