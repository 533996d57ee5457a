/** WorkloadChanges as the merge stage makes them, for render and publish tests. */
import type { WorkloadChange } from '../plan/types.js';

/** The change the hpa analyzer makes when it adopts an HPA: the object, and replicas handed over. */
export function hpaAdoptionChange(namespace: string, name: string, manifest: unknown): WorkloadChange {
  return {
    cluster: 'demo',
    workload: `Deployment/${namespace}/${name}`,
    recommendations: [],
    fields: [],
    objects: [
      {
        object: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', namespace, name },
        manifest,
        schema: 'https://tidemark.io/schemas/kubernetes/horizontalpodautoscaler-v2.json',
        analyzer: 'hpa',
        recommendation: `hpa:Deployment/${namespace}/${name}:autoscaling`,
      },
    ],
    handOver: [
      {
        object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace, name },
        pointers: ['/spec/replicas'],
        owner: `HPA ${name}`,
        required: true,
      },
    ],
  } as unknown as WorkloadChange;
}
