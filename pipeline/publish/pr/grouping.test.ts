import { groupKeyOf } from './grouping.js';
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
