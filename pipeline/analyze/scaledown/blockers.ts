/**
 * What keeps a node from being removed at all, before any packing: the node's own opt-outs, and
 * pods that cannot or must not be evicted. Follows cluster-autoscaler's drain rules
 * (utils/drain/drain.go) and Karpenter's do-not-disrupt, so a node we propose is one they would
 * actually drain.
 */
import type { ClusterModel, NodeModel, PodModel, VolumeModel } from '../../model/types.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export const SAFE_TO_EVICT = 'cluster-autoscaler.kubernetes.io/safe-to-evict';
export const SAFE_LOCAL_VOLUMES = 'cluster-autoscaler.kubernetes.io/safe-to-evict-local-volumes';
export const DO_NOT_DISRUPT = 'karpenter.sh/do-not-disrupt';
export const SCALE_DOWN_DISABLED = 'cluster-autoscaler.kubernetes.io/scale-down-disabled';

export function nodeBlocker(node: NodeModel): string | undefined {
  if (node.virtual) return 'a virtual node (billed per pod; nothing to remove)';
  if (
    node.labels['node-role.kubernetes.io/control-plane'] !== undefined ||
    node.labels['node-role.kubernetes.io/master'] !== undefined
  )
    return 'a control-plane node';
  if (node.annotations[SCALE_DOWN_DISABLED] === 'true') return `annotated ${SCALE_DOWN_DISABLED}: "true"`;
  if (node.annotations[DO_NOT_DISRUPT] === 'true') return `annotated ${DO_NOT_DISRUPT}: "true"`;
  if (node.unschedulable) return 'already cordoned (a drain or maintenance is in progress)';
  if (node.conditions['Ready'] !== undefined && node.conditions['Ready'] !== 'True') return 'not Ready';
  return undefined;
}

/**
 * Node-local volumes that die with the node: hostPath, emptyDir on disk (memory-backed ones are
 * not storage), and PersistentVolumes of type `local` or `hostPath`, minus those the pod lists as
 * safe to lose.
 */
export function localStorageVolumes(pod: PodModel, model?: ClusterModel): VolumeModel[] {
  const safe = new Set((pod.annotations[SAFE_LOCAL_VOLUMES] ?? '').split(',').map((s) => s.trim()));
  return pod.volumes.filter((v) => {
    if (safe.has(v.name)) return false;
    if (v.type === 'hostPath') return true;
    if (v.type === 'emptyDir') return v.medium !== 'Memory';
    if (v.type === 'persistentVolumeClaim' && model && v.claimName) {
      const pv = boundVolume(model, pod.namespace, v.claimName);
      const spec = (pv?.spec ?? {}) as any;
      return spec.local !== undefined || spec.hostPath !== undefined;
    }
    return false;
  });
}

export function boundVolume(model: ClusterModel, namespace: string, claim: string) {
  const pvc = model.others
    .get('/PersistentVolumeClaim')
    ?.find((c) => c.namespace === namespace && c.name === claim);
  const volumeName = (pvc?.spec as any)?.volumeName as string | undefined;
  if (!volumeName) return undefined;
  return model.others.get('/PersistentVolume')?.find((v) => v.name === volumeName);
}

/** Why this pod keeps its node, or undefined when it can be evicted (PDBs are checked later). */
export function podBlocker(pod: PodModel, model: ClusterModel, hasPdb: boolean): string | undefined {
  if (pod.isMirror || pod.isDaemonSet) return undefined;
  if (pod.phase === 'Succeeded' || pod.phase === 'Failed') return undefined;
  const safe = pod.annotations[SAFE_TO_EVICT];
  if (safe === 'false') return `${pod.namespace}/${pod.name} is annotated ${SAFE_TO_EVICT}: "false"`;
  if (pod.annotations[DO_NOT_DISRUPT] === 'true')
    return `${pod.namespace}/${pod.name} is annotated ${DO_NOT_DISRUPT}: "true"`;
  if (safe === 'true') return undefined;
  if (!pod.ownerKind) return `${pod.namespace}/${pod.name} has no controller: nothing would recreate it`;
  const local = localStorageVolumes(pod, model);
  if (local.length)
    return `${pod.namespace}/${pod.name} uses local storage (${local.map((v) => `${v.type} ${v.name}`).join(', ')})`;
  if (pod.namespace === 'kube-system' && !hasPdb)
    return `${pod.namespace}/${pod.name} is a kube-system pod without a PodDisruptionBudget`;
  return undefined;
}
