/**
 * Running pods on a control plane without a kubelet, and the status a kubelet would write for an
 * in-place resize (KEP-1287 as of 1.33+): the container's `resources` once the change is applied,
 * and the PodResizePending (Infeasible / Deferred) and PodResizeInProgress conditions, each with
 * the pod generation it answers. What the guardian reads back is what the real API server stored.
 */
import type { ControlPlane } from './control-plane/index.js';
import { kubeRequest } from './control-plane/seed.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface TestContainer {
  name: string;
  requests?: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
  resizePolicy?: { resourceName: 'cpu' | 'memory'; restartPolicy: 'NotRequired' | 'RestartContainer' }[];
}

export interface TestPod {
  namespace: string;
  name: string;
  node: string;
  containers: TestContainer[];
  /** The controller: a ReplicaSet `<deployment>-<hash>` (with the pod-template-hash label), a DaemonSet … */
  owner?: { kind: string; name: string; hash?: string };
  priorityClassName?: string;
  annotations?: Record<string, string>;
  /** false: a kubelet too old to report resources (the API server then refuses any resize). */
  reportResources?: boolean;
}

/** Creates the pod bound to its node and writes it Running, as the kubelet would. */
export async function createRunningPod(cp: ControlPlane, p: TestPod): Promise<any> {
  const created = await kubeRequest(cp, 'POST', `/api/v1/namespaces/${p.namespace}/pods`, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: p.namespace,
      labels: { app: p.name, ...(p.owner?.hash ? { 'pod-template-hash': p.owner.hash } : {}) },
      ...(p.annotations ? { annotations: p.annotations } : {}),
      ...(p.owner
        ? {
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: p.owner.kind,
                name: p.owner.name,
                uid: `uid-${p.owner.name}`,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: {
      nodeName: p.node,
      ...(p.priorityClassName ? { priorityClassName: p.priorityClassName } : {}),
      containers: p.containers.map((c) => ({
        name: c.name,
        image: `registry.example.com/${c.name}:1`,
        resources: {
          ...(c.requests ? { requests: c.requests } : {}),
          ...(c.limits ? { limits: c.limits } : {}),
        },
        ...(c.resizePolicy ? { resizePolicy: c.resizePolicy } : {}),
      })),
    },
  });
  if (created.status !== 201)
    throw new Error(
      `creating pod ${p.namespace}/${p.name}: ${created.status} ${JSON.stringify(created.body)}`,
    );
  return writeKubeletStatus(cp, p.namespace, p.name, {
    applied: p.reportResources !== false,
    reportResources: p.reportResources,
  });
}

export interface KubeletAnswer {
  /** status.containerStatuses[].resources := the spec's (the resize is carried out). */
  applied?: boolean;
  /** PodResizePending with this reason (Infeasible, Deferred). */
  pending?: { reason: 'Infeasible' | 'Deferred'; message?: string };
  /** PodResizeInProgress (reason Error with a message when it failed). */
  inProgress?: { reason?: string; message?: string };
  /** The container's last run ended in an OOM kill at this time; it runs again. */
  oomKilled?: { container: string; at: Date };
  reportResources?: boolean;
}

/**
 * Writes the pod's status as the kubelet would after seeing its current spec: conditions answer
 * the current generation; a container's resources follow the spec only when `applied`.
 */
export async function writeKubeletStatus(
  cp: ControlPlane,
  namespace: string,
  name: string,
  a: KubeletAnswer,
): Promise<any> {
  const path = `/api/v1/namespaces/${namespace}/pods/${name}`;
  const pod = (await kubeRequest(cp, 'GET', path)).body;
  const now = new Date().toISOString();
  const generation = pod.metadata.generation;
  const previous = new Map<string, any>(
    (pod.status?.containerStatuses ?? []).map((s: any) => [s.name, s] as [string, any]),
  );
  const conditions: any[] = [
    { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
    { type: 'Ready', status: 'True', lastTransitionTime: now },
  ];
  if (a.pending)
    conditions.push({
      type: 'PodResizePending',
      status: 'True',
      reason: a.pending.reason,
      ...(a.pending.message ? { message: a.pending.message } : {}),
      observedGeneration: generation,
      lastTransitionTime: now,
    });
  if (a.inProgress)
    conditions.push({
      type: 'PodResizeInProgress',
      status: 'True',
      ...(a.inProgress.reason ? { reason: a.inProgress.reason } : {}),
      ...(a.inProgress.message ? { message: a.inProgress.message } : {}),
      observedGeneration: generation,
      lastTransitionTime: now,
    });
  const containerStatuses = pod.spec.containers.map((c: any) => {
    const old = previous.get(c.name);
    const oom = a.oomKilled?.container === c.name ? a.oomKilled!.at.toISOString() : undefined;
    const resources =
      a.reportResources === false ? undefined : a.applied ? c.resources : (old?.resources ?? c.resources);
    return {
      name: c.name,
      image: c.image,
      imageID: '',
      ready: true,
      started: true,
      restartCount: (old?.restartCount ?? 0) + (oom ? 1 : 0),
      state: { running: { startedAt: oom ?? old?.state?.running?.startedAt ?? now } },
      ...(oom
        ? {
            lastState: {
              terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: now, finishedAt: oom },
            },
          }
        : old?.lastState
          ? { lastState: old.lastState }
          : {}),
      ...(resources ? { resources, allocatedResources: resources.requests ?? {} } : {}),
    };
  });
  const res = await kubeRequest(cp, 'PUT', `${path}/status`, {
    ...pod,
    status: {
      ...pod.status,
      phase: 'Running',
      observedGeneration: generation,
      conditions,
      containerStatuses,
    },
  });
  if (res.status !== 200)
    throw new Error(`writing the status of ${namespace}/${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
