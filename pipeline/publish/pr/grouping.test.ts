import type { WorkloadChange } from '../../plan/types.js';
import { groupChanges, groupKeyOf } from './grouping.js';
import { branchName } from './branch-name.js';

describe('publish/pr grouping', () => {
  it('gives every subject a valid, value-free branch, cluster-scoped ones included', () => {
    const cases: [string, 'workload' | 'namespace' | 'cluster', string][] = [
      ['Deployment/shop/web', 'workload', 'tidemark/demo/shop-deployment-web'],
      ['Deployment/shop/web', 'namespace', 'tidemark/demo/shop'],
      [
        'ConfigMap/koordinator-system/slo-controller-config',
        'workload',
        'tidemark/demo/koordinator-system-configmap-slo-controller-config',
      ],
      ['ClusterResourceOverride//cluster', 'workload', 'tidemark/demo/clusterresourceoverride-cluster'],
      ['ClusterResourceOverride//cluster', 'namespace', 'tidemark/demo/cluster-scoped'],
      ['Namespace//batch', 'namespace', 'tidemark/demo/cluster-scoped'],
      ['Deployment/shop/web', 'cluster', 'tidemark/demo/all'],
    ];
    for (const [workload, grouping, branch] of cases)
      expect(branchName('tidemark/', 'demo', groupKeyOf(workload, grouping).slug)).toBe(branch);
  });
});

describe('publish/pr grouping of cluster-level configuration', () => {
  const change = (workload: string, analyzer: string): WorkloadChange =>
    ({
      cluster: 'demo',
      workload,
      fields: [],
      objects: [],
      recommendations: [{ id: `${analyzer}:${workload}`, analyzer }],
    }) as unknown as WorkloadChange;
  const changes = [
    change('Deployment/shop/web', 'rightsize'),
    change('Deployment/shop/web', 'hpa'),
    change('Deployment/shop/cart', 'scaledown'), // an eviction guard: the workload's own change
    change('ConfigMap/koordinator-system/slo-controller-config', 'overcommit'),
    change('Deployment/koordinator-system/koord-manager', 'rightsize'),
    change('ClusterResourceOverride//cluster', 'overcommit'),
    change('Namespace//batch', 'overcommit'),
    change('NodePool//general', 'scaledown'),
    change('NodeGroup//spot', 'scaledown'),
  ];
  const keys = (grouping: 'workload' | 'namespace' | 'cluster') =>
    Object.fromEntries(
      groupChanges('demo', changes, grouping).map((g) => [g.slug, g.changes.map((c) => c.workload)]),
    );

  it('per cluster: overcommit and node pools each in a PR of their own, apart from every workload', () => {
    expect(keys('cluster')).toEqual({
      all: [
        'Deployment/shop/web',
        'Deployment/shop/web',
        'Deployment/shop/cart',
        'Deployment/koordinator-system/koord-manager',
      ],
      'cluster.overcommit': [
        'ConfigMap/koordinator-system/slo-controller-config',
        'ClusterResourceOverride//cluster',
        'Namespace//batch',
      ],
      'cluster.node-pools': ['NodePool//general', 'NodeGroup//spot'],
    });
  });

  it("per namespace: Koordinator's ConfigMap leaves its namespace's workloads, and pools leave cluster-scoped", () => {
    const k = keys('namespace');
    expect(k['koordinator-system']).toEqual(['Deployment/koordinator-system/koord-manager']);
    expect(k['cluster.overcommit']).toHaveLength(3);
    expect(k['cluster.node-pools']).toEqual(['NodePool//general', 'NodeGroup//spot']);
    expect(k['cluster-scoped']).toBeUndefined();
  });

  it("per workload (the default): each object is its own PR, with the branch it always had, a workload's changes together", () => {
    const groups = groupChanges('demo', changes, 'workload');
    expect(groups.map((g) => [g.slug, g.concern ?? '-', g.changes.length])).toEqual([
      ['clusterresourceoverride-cluster', 'overcommit', 1],
      ['koordinator-system-configmap-slo-controller-config', 'overcommit', 1],
      ['koordinator-system-deployment-koord-manager', '-', 1],
      ['shop-deployment-cart', '-', 1],
      ['shop-deployment-web', '-', 2],
      ['namespace-batch', 'overcommit', 1],
      ['nodegroup-spot', 'node-pools', 1],
      ['nodepool-general', 'node-pools', 1],
    ]);
  });
});
