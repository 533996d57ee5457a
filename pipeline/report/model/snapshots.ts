/**
 * Plans as snapshots of clusters: one per (cluster, analysis time), the newest of each cluster is
 * "now" and the newest at least a period older is "a period ago". The report's now is the newest
 * analysis time of any cluster.
 */
import type { PlanClusterJson, PlanDocument } from '../../plan/plan-document.js';
import type { PlanInput, PullsFile } from '../inputs/plans.js';

export interface Snapshot {
  cluster: string;
  /** Analysis time (the usage window's end), unix seconds. */
  at: number;
  file: string;
  doc: PlanDocument;
  json: PlanClusterJson;
  pulls?: PullsFile;
}

export interface ClusterSnapshots {
  name: string;
  /** Oldest first. */
  all: Snapshot[];
  latest: Snapshot;
  /** The newest snapshot at or before now − period. */
  previous?: Snapshot;
}

export function snapshotsOf(
  inputs: PlanInput[],
  periodSeconds: number,
): { now: number; clusters: ClusterSnapshots[] } {
  const byCluster = new Map<string, Map<number, Snapshot>>();
  for (const input of inputs)
    for (const json of input.doc.clusters) {
      const at = Math.floor(Date.parse(json.at) / 1000);
      const s: Snapshot = {
        cluster: json.name,
        at,
        file: input.file,
        doc: input.doc,
        json,
        ...(input.pulls ? { pulls: input.pulls } : {}),
      };
      const list = byCluster.get(json.name) ?? new Map<number, Snapshot>();
      const seen = list.get(at);
      // The same analysis read twice (a copied artifact): the later-written plan wins.
      if (!seen || seen.doc.generatedAt < s.doc.generatedAt) list.set(at, s);
      byCluster.set(json.name, list);
    }
  const clusters = [...byCluster].map(([name, m]) => {
    const all = [...m.values()].sort((a, b) => a.at - b.at);
    return { name, all, latest: all.at(-1)! };
  });
  const now = Math.max(...clusters.map((c) => c.latest.at));
  return {
    now,
    clusters: clusters
      .map((c) => {
        const previous = [...c.all].reverse().find((s) => s.at <= now - periodSeconds);
        return { ...c, ...(previous ? { previous } : {}) };
      })
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}
