/**
 * Which changes travel together in one PR: by default everything for one workload (so a request
 * and the HPA target computed from it merge together); or per namespace, or per cluster.
 */
import type { WorkloadChange } from '../../plan/types.js';
import { slugify } from './branch-name.js';

export type Grouping = 'workload' | 'namespace' | 'cluster';

export interface ChangeGroup {
  cluster: string;
  /** Stable id: the workload key, "namespace/<ns>", or "cluster". */
  key: string;
  slug: string;
  changes: WorkloadChange[];
}

export function groupKeyOf(workload: string, grouping: Grouping): { key: string; slug: string } {
  const [kind = '', ns = '', name = ''] = workload.split('/');
  if (grouping === 'workload') return { key: workload, slug: slugify(`${ns}-${kind}-${name}`) };
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
    const { key, slug } = groupKeyOf(change.workload, grouping);
    let g = groups.get(key);
    if (!g) {
      g = { cluster, key, slug, changes: [] };
      groups.set(key, g);
    }
    g.changes.push(change);
  }
  return [...groups.values()].sort((a, b) => a.key.localeCompare(b.key));
}
