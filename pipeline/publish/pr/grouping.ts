/**
 * Which changes travel together in one PR: by default everything for one workload (so a request
 * and the HPA target computed from it merge together); or per namespace, or per cluster.
 * Cluster-level configuration — overcommit (Koordinator's ConfigMap, OpenShift's
 * ClusterResourceOverride and the namespaces it opts in) and node pools (a NodePool's limits, a
 * node group's size) — never shares a PR with a workload: it changes what every workload runs on,
 * and is reviewed by other people.
 */
import type { ClusterPlanResult } from '../../plan/run.js';
import type { WorkloadChange } from '../../plan/types.js';
import { slugify } from './branch-name.js';

export type Grouping = 'workload' | 'namespace' | 'cluster';

/** Cluster-level configuration, grouped apart from workloads. */
export type ClusterConcern = 'overcommit' | 'node-pools';

export interface ChangeGroup {
  cluster: string;
  /** Stable id: the workload key, "namespace/<ns>", "cluster", or "cluster/<concern>". */
  key: string;
  slug: string;
  /** Set for a group of cluster-level configuration. */
  concern?: ClusterConcern;
  changes: WorkloadChange[];
}

const POOL_KINDS = new Set(['NodePool', 'NodeGroup']);

export function concernOf(
  change: Pick<WorkloadChange, 'workload' | 'recommendations'>,
): ClusterConcern | undefined {
  if (POOL_KINDS.has(change.workload.split('/')[0]!)) return 'node-pools';
  if (change.recommendations.length && change.recommendations.every((r) => r.analyzer === 'overcommit'))
    return 'overcommit';
  return undefined;
}

export function groupKeyOf(
  workload: string,
  grouping: Grouping,
  concern?: ClusterConcern,
): { key: string; slug: string } {
  const [kind = '', ns = '', name = ''] = workload.split('/');
  // Per workload, a cluster-level object is a group of its own already (and keeps its branch).
  if (grouping === 'workload') return { key: workload, slug: slugify(`${ns}-${kind}-${name}`) };
  // A dot cannot appear in a namespace, so these branches never meet a namespace's.
  if (concern) return { key: `cluster/${concern}`, slug: `cluster.${concern}` };
  // Cluster-scoped subjects (a ClusterResourceOverride, a Namespace) have no namespace to group by.
  if (grouping === 'namespace')
    return ns
      ? { key: `namespace/${ns}`, slug: slugify(ns) }
      : { key: 'cluster-scoped', slug: 'cluster-scoped' };
  return { key: 'cluster', slug: 'all' };
}

export function groupChanges(cluster: string, changes: WorkloadChange[], grouping: Grouping): ChangeGroup[] {
  const groups = new Map<string, ChangeGroup>();
  for (const change of changes) {
    const concern = concernOf(change);
    const { key, slug } = groupKeyOf(change.workload, grouping, concern);
    let g = groups.get(key);
    if (!g) {
      g = { cluster, key, slug, ...(concern ? { concern } : {}), changes: [] };
      groups.set(key, g);
    }
    g.changes.push(change);
  }
  return [...groups.values()].sort((a, b) => a.key.localeCompare(b.key));
}

/** A cluster's PR groups: its changes that rendered in the plan, grouped. */
export function groupsOf(cluster: ClusterPlanResult, grouping: Grouping): ChangeGroup[] {
  const rendered = cluster.changes.filter((ch) => cluster.render.rendered.has(ch.workload));
  return groupChanges(cluster.cluster.name, rendered, grouping);
}
