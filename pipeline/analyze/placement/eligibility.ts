/**
 * Which features of a workload's pods a provider cannot run. Each blocking feature is named with
 * where it was found, so an ineligible workload says exactly what keeps it on nodes.
 */
import type { ClusterModel, WorkloadModel } from '../../model/types.js';
import { podOnlyContainers } from '../../model/live-containers.js';
import type { Feature, Provider } from './providers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface Blocker {
  feature: Feature;
  detail: string;
}

export function featuresOf(model: ClusterModel, w: WorkloadModel, provider: Provider): Blocker[] {
  const t = w.template;
  const out: Blocker[] = [];
  const add = (feature: Feature, detail: string) => out.push({ feature, detail });
  if (w.kind === 'DaemonSet') add('daemonset', 'a DaemonSet runs one pod per node');
  if (w.kind === 'StatefulSet') add('stateful', 'a StatefulSet keeps identity and storage per pod');
  const containers = [...t.containers, ...t.initContainers, ...podOnlyContainers(model, w)];
  for (const c of containers) {
    if (c.privileged) add('privileged', `container ${c.name} is privileged`);
    if (c.hostPorts?.length) add('host-port', `container ${c.name} uses hostPort ${c.hostPorts.join(', ')}`);
    if (c.gpu && !(provider.gpuAnnotation && t.annotations[provider.gpuAnnotation]))
      add(
        'gpu',
        `container ${c.name} requests a GPU${provider.gpuAnnotation ? ` without the ${provider.gpuAnnotation} annotation` : ''}`,
      );
    if (c.hasLivenessProbe || c.hasReadinessProbe) add('probes', `container ${c.name} has probes`);
    if (c.hasPreStop) add('lifecycle-hooks', `container ${c.name} has a preStop hook`);
  }
  if (t.initContainers.length)
    add('init-containers', `init containers ${t.initContainers.map((c) => c.name).join(', ')}`);
  if (t.hostNetwork) add('host-network', 'hostNetwork: true');
  if (t.hostPID) add('host-pid', 'hostPID: true');
  const os = t.nodeSelector['kubernetes.io/os'] ?? t.nodeSelector['beta.kubernetes.io/os'];
  if (os === 'windows') add('windows', 'runs on Windows nodes');
  if (w.template.annotations['eks.amazonaws.com/compute-type'] === 'ec2')
    add('pinned-to-ec2', 'annotated eks.amazonaws.com/compute-type: ec2 by its owner');
  for (const v of t.volumes) {
    if (v.type === 'hostPath') add('host-path', `hostPath volume ${v.name}`);
    if (v.type === 'projected') add('projected-volume', `projected volume ${v.name}`);
    if (v.type === 'persistentVolumeClaim') {
      const storage = claimStorage(model, w.namespace, v.claimName);
      if (storage.local) add('local-volume', `volume ${v.name} is a node-local PersistentVolume`);
      else if (!(provider.storage && storage.kind && provider.storage.test(storage.kind)))
        add(
          'persistent-volume',
          `volume ${v.name} (claim ${v.claimName ?? '?'}${storage.kind ? `, ${storage.kind}` : ''}) cannot be mounted there`,
        );
    }
  }
  return out.filter((b) => provider.unsupported.has(b.feature));
}

function claimStorage(
  model: ClusterModel,
  namespace: string,
  claim: string | undefined,
): { kind?: string; local?: boolean } {
  const pvc = model.others
    .get('/PersistentVolumeClaim')
    ?.find((c) => c.namespace === namespace && c.name === claim);
  const spec = (pvc?.spec ?? {}) as any;
  const pv = spec.volumeName
    ? model.others.get('/PersistentVolume')?.find((v) => v.name === spec.volumeName)
    : undefined;
  const pvSpec = (pv?.spec ?? {}) as any;
  if (pvSpec.local || pvSpec.hostPath) return { local: true };
  if (pvSpec.nfs) return { kind: 'nfs' };
  if (pvSpec.cephfs) return { kind: 'cephfs' };
  // A bound volume names its CSI driver; an unbound claim only its StorageClass.
  return {
    kind: (pvSpec.csi?.driver as string | undefined) ?? (spec.storageClassName as string | undefined),
  };
}
