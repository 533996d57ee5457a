/**
 * TKE's burst switch: `kube-system/eks-config` `AUTO_SCALE_EKS` lets TKE's admission add the
 * super-node toleration to Pending pods, so they land on serverless nodes (formats.md §3.1). It
 * changes no pod template, so no workload rolls during an incident — the only way the guardian
 * bursts. Turned on while pods stay unschedulable, off again once none has been for the cool time.
 */
import type { KubeApi } from './api.js';
import { patchWatchedConfigMap, trimConfigMapMeta, type WatchedConfigMapMeta } from './watched-configmap.js';
import { gitopsTracking } from '../../model/gitops-tracking.js';
import type { GitOpsTracking } from '../../model/types.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export const EKS_CONFIG = { namespace: 'kube-system', name: 'eks-config', key: 'AUTO_SCALE_EKS' } as const;
export const EKS_PATH = `/api/v1/namespaces/${EKS_CONFIG.namespace}/configmaps?fieldSelector=metadata.name%3D${EKS_CONFIG.name}`;
/** Super nodes carry this label (tke-resilience chart). */
export const SUPER_NODE_LABEL = { key: 'node.kubernetes.io/instance-type', value: 'eklet' } as const;

export interface EksConfigObject {
  metadata: WatchedConfigMapMeta;
  /** AUTO_SCALE_EKS as stored; undefined: not set (TKE's default is on). */
  autoScale?: string;
  /** Where Git holds it (Argo CD / Flux tracking), for the emergency PR. */
  gitops: GitOpsTracking;
}

export function trimEksConfig(raw: unknown): EksConfigObject {
  const o = raw as any;
  return {
    metadata: trimConfigMapMeta(o),
    autoScale: o.data?.[EKS_CONFIG.key],
    gitops: gitopsTracking(o),
  };
}

/** Sets AUTO_SCALE_EKS if the ConfigMap is still the one read; the journal annotation with it. */
export async function setAutoScale(
  api: KubeApi,
  cm: EksConfigObject,
  value: 'true' | 'false',
  annotation: string | undefined,
): Promise<void> {
  await patchWatchedConfigMap(
    api,
    cm.metadata,
    [{ op: cm.autoScale === undefined ? 'add' : 'replace', path: `/data/${EKS_CONFIG.key}`, value }],
    annotation,
  );
}
