/**
 * Small builders for Kubernetes objects and models in tests, shaped like what `kubectl get -o
 * yaml` prints, so the real model builder runs on them.
 */
import type { KubeObject, KubernetesInventory } from '../collect/types.js';
import { buildClusterModel } from '../model/build/index.js';
import type { ClusterModel } from '../model/types.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface ContainerOpts {
  name?: string;
  cpu?: string;
  memory?: string;
  cpuLimit?: string;
  memoryLimit?: string;
}

export function container(o: ContainerOpts = {}): any {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  if (o.cpuLimit) limits.cpu = o.cpuLimit;
  if (o.memoryLimit) limits.memory = o.memoryLimit;
  const resources: Record<string, unknown> = {};
  if (Object.keys(requests).length) resources.requests = requests;
  if (Object.keys(limits).length) resources.limits = limits;
  return { name: o.name ?? 'app', image: 'registry.example.com/app:1.0', resources };
}

export function deployment(
  name: string,
  ns: string,
  o: {
    replicas?: number;
    containers?: any[];
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    kind?: string;
    podAnnotations?: Record<string, string>;
  } = {},
): KubeObject {
  const kind = o.kind ?? 'Deployment';
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: {
      name,
      namespace: ns,
      uid: `uid-${kind}-${ns}-${name}`,
      labels: o.labels ?? { app: name },
      annotations: o.annotations ?? {},
      creationTimestamp: '2026-01-01T00:00:00Z',
      generation: 1,
    },
    spec: {
      ...(kind === 'DaemonSet' ? {} : { replicas: o.replicas ?? 2 }),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, annotations: o.podAnnotations ?? {} },
        spec: { containers: o.containers ?? [container({ name, cpu: '500m', memory: '512Mi' })] },
      },
    },
    status: { readyReplicas: o.replicas ?? 2 },
  };
}

export function replicaSet(deploy: KubeObject, hash = '7d9f8c6b5'): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${deploy.metadata.name}-${hash}`,
      namespace: deploy.metadata.namespace,
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'Deployment', name: deploy.metadata.name, controller: true },
      ],
    },
    spec: deploy.spec as any,
  };
}

export function pod(
  name: string,
  ns: string,
  owner: { kind: string; name: string } | undefined,
  o: {
    containers?: any[];
    node?: string;
    oomAt?: string;
    containerName?: string;
    labels?: Record<string, string>;
  } = {},
): KubeObject {
  const containers = o.containers ?? [
    container({ name: o.containerName ?? 'app', cpu: '500m', memory: '512Mi' }),
  ];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ns,
      labels: o.labels ?? {},
      ownerReferences: owner
        ? [{ apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, controller: true }]
        : [],
    },
    spec: { nodeName: o.node ?? 'node-1', containers },
    status: {
      phase: 'Running',
      qosClass: 'Burstable',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: containers.map((c: any) => ({
        name: c.name,
        ready: true,
        restartCount: o.oomAt ? 1 : 0,
        ...(o.oomAt
          ? { lastState: { terminated: { reason: 'OOMKilled', exitCode: 137, finishedAt: o.oomAt } } }
          : {}),
      })),
    },
  };
}

export function node(
  name: string,
  o: { cpu?: string; memory?: string; labels?: Record<string, string> } = {},
): KubeObject {
  const res = { cpu: o.cpu ?? '4', memory: o.memory ?? '16Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: o.labels ?? {} },
    spec: {},
    status: { capacity: res, allocatable: res, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

export function hpa(
  name: string,
  ns: string,
  target: string,
  o: { min?: number; max?: number; cpuUtilization?: number; kind?: string } = {},
): KubeObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace: ns },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: o.kind ?? 'Deployment', name: target },
      minReplicas: o.min ?? 2,
      maxReplicas: o.max ?? 10,
      metrics:
        o.cpuUtilization === undefined
          ? []
          : [
              {
                type: 'Resource',
                resource: {
                  name: 'cpu',
                  target: { type: 'Utilization', averageUtilization: o.cpuUtilization },
                },
              },
            ],
    },
    status: { currentReplicas: o.min ?? 2, desiredReplicas: o.min ?? 2 },
  };
}

export function inventory(
  objects: KubeObject[],
  facts: KubernetesInventory['facts'] = {},
): KubernetesInventory {
  return { objects, facts };
}

/** A Deployment with its ReplicaSet and pods, the way a cluster holds it. */
export function deploymentWithPods(
  name: string,
  ns: string,
  opts: {
    replicas?: number;
    containers?: any[];
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  } = {},
): KubeObject[] {
  const d = deployment(name, ns, opts);
  const rs = replicaSet(d);
  const pods = Array.from({ length: opts.replicas ?? 2 }, (_, i) =>
    pod(
      `${name}-7d9f8c6b5-${String.fromCharCode(97 + i).repeat(5)}`,
      ns,
      { kind: 'ReplicaSet', name: rs.metadata.name },
      { containers: opts.containers ?? (d.spec as any).template.spec.containers },
    ),
  );
  return [d, rs, ...pods];
}

export function modelOf(
  objects: KubeObject[],
  at = 1_800_000_000,
  facts: KubernetesInventory['facts'] = {},
): ClusterModel {
  return buildClusterModel(inventory(objects, facts), { cluster: 'test', at });
}
