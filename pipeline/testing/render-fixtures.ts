/** The checkout workload and the demo cluster's repo settings that render tests share. */
import { renderChanges } from '../render/index.js';
import { silentLogger } from '../core/logger.js';
import { modelOf } from './model-fixtures.js';
import type { RepoConfig } from '../config/types.js';
import type { KubeObject } from '../collect/types.js';
import type { WorkloadChange } from '../plan/types.js';
import type { ClusterModel } from '../model/types.js';

export const CHECKOUT_DEPLOYMENT_YAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
  namespace: shop
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: app
          image: registry.example.com/app:1.0
`;

export const CHECKOUT_HPA_MANIFEST = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'checkout', namespace: 'shop' },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'checkout' },
    minReplicas: 2,
    maxReplicas: 7,
    metrics: [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } },
      },
    ],
  },
};

/** Renders for cluster `demo` (root clusters/demo, Argo CD apps in argocd/, Flux in flux/). */
export function renderDemo(
  root: string,
  objects: KubeObject[],
  changes: WorkloadChange[],
  repo: Partial<RepoConfig> = {},
  at?: number,
) {
  return renderDemoModel(root, at === undefined ? modelOf(objects) : modelOf(objects, at), changes, repo);
}

/** The same, for a model the caller built. */
export function renderDemoModel(
  root: string,
  model: ClusterModel,
  changes: WorkloadChange[],
  repo: Partial<RepoConfig> = {},
) {
  return renderChanges({
    repoDir: root,
    repo: {
      path: root,
      root: 'clusters/demo',
      argocd: { applications: 'argocd' },
      flux: { kustomizations: 'flux' },
      ...repo,
    },
    cluster: 'demo',
    model,
    changes,
    logger: silentLogger,
  });
}
