/**
 * The inventory every stage needs: one cluster-wide LIST per kind. Kinds from CRDs are read only
 * where discovery finds them. Secrets are never read; of ConfigMaps only Koordinator's
 * slo-controller-config, by name (the overcommit analyzer's current ratios).
 */
export interface KindSpec {
  group: string; // '' for the core group
  version: string;
  resource: string;
  kind: string;
  /** metadata: only metadata is kept (the spec is not needed by any stage). */
  keep: 'full' | 'metadata';
  /** Read only when discovery lists the group/version/resource (CRDs). */
  optional?: boolean;
  /** One named object only (a LIST with a metadata.name field selector in its namespace). */
  only?: { namespace: string; name: string };
}

export const INVENTORY: KindSpec[] = [
  { group: '', version: 'v1', resource: 'nodes', kind: 'Node', keep: 'full' },
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', keep: 'full' },
  { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', keep: 'full' },
  {
    group: '',
    version: 'v1',
    resource: 'configmaps',
    kind: 'ConfigMap',
    keep: 'full',
    only: { namespace: 'koordinator-system', name: 'slo-controller-config' },
  },
  { group: '', version: 'v1', resource: 'services', kind: 'Service', keep: 'full' },
  {
    group: '',
    version: 'v1',
    resource: 'persistentvolumeclaims',
    kind: 'PersistentVolumeClaim',
    keep: 'full',
  },
  { group: '', version: 'v1', resource: 'persistentvolumes', kind: 'PersistentVolume', keep: 'full' },
  { group: '', version: 'v1', resource: 'limitranges', kind: 'LimitRange', keep: 'full' },
  { group: '', version: 'v1', resource: 'resourcequotas', kind: 'ResourceQuota', keep: 'full' },
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', keep: 'full' },
  { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', keep: 'full' },
  { group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet', keep: 'full' },
  { group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet', keep: 'full' },
  { group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', keep: 'full' },
  { group: 'batch', version: 'v1', resource: 'cronjobs', kind: 'CronJob', keep: 'full' },
  {
    group: 'autoscaling',
    version: 'v2',
    resource: 'horizontalpodautoscalers',
    kind: 'HorizontalPodAutoscaler',
    keep: 'full',
  },
  {
    group: 'policy',
    version: 'v1',
    resource: 'poddisruptionbudgets',
    kind: 'PodDisruptionBudget',
    keep: 'full',
  },
  { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses', kind: 'Ingress', keep: 'full' },
  {
    group: 'discovery.k8s.io',
    version: 'v1',
    resource: 'endpointslices',
    kind: 'EndpointSlice',
    keep: 'metadata',
  },
  { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses', kind: 'StorageClass', keep: 'full' },
  {
    group: 'scheduling.k8s.io',
    version: 'v1',
    resource: 'priorityclasses',
    kind: 'PriorityClass',
    keep: 'full',
  },
  {
    group: 'apiregistration.k8s.io',
    version: 'v1',
    resource: 'apiservices',
    kind: 'APIService',
    keep: 'full',
  },
  {
    group: 'autoscaling.k8s.io',
    version: 'v1',
    resource: 'verticalpodautoscalers',
    kind: 'VerticalPodAutoscaler',
    keep: 'full',
    optional: true,
  },
  {
    group: 'autoscaling.alibabacloud.com',
    version: 'v1beta1',
    resource: 'cronhorizontalpodautoscalers',
    kind: 'CronHorizontalPodAutoscaler',
    keep: 'full',
    optional: true,
  },
  {
    group: 'extensions.tkestack.io',
    version: 'v1',
    resource: 'cronhpas',
    kind: 'CronHPA',
    keep: 'full',
    optional: true,
  },
  {
    group: 'keda.sh',
    version: 'v1alpha1',
    resource: 'scaledobjects',
    kind: 'ScaledObject',
    keep: 'full',
    optional: true,
  },
  {
    group: 'autoscaling.crane.io',
    version: 'v1alpha1',
    resource: 'effectivehorizontalpodautoscalers',
    kind: 'EffectiveHorizontalPodAutoscaler',
    keep: 'full',
    optional: true,
  },
  {
    group: 'argoproj.io',
    version: 'v1alpha1',
    resource: 'applications',
    kind: 'Application',
    keep: 'full',
    optional: true,
  },
  {
    group: 'kustomize.toolkit.fluxcd.io',
    version: 'v1',
    resource: 'kustomizations',
    kind: 'Kustomization',
    keep: 'full',
    optional: true,
  },
  {
    group: 'helm.toolkit.fluxcd.io',
    version: 'v2',
    resource: 'helmreleases',
    kind: 'HelmRelease',
    keep: 'full',
    optional: true,
  },
  {
    group: 'karpenter.sh',
    version: 'v1',
    resource: 'nodepools',
    kind: 'NodePool',
    keep: 'full',
    optional: true,
  },
  {
    group: 'operator.autoscaling.openshift.io',
    version: 'v1',
    resource: 'clusterresourceoverrides',
    kind: 'ClusterResourceOverride',
    keep: 'full',
    optional: true,
  },
];

export function apiVersionOf(k: KindSpec): string {
  return k.group ? `${k.group}/${k.version}` : k.version;
}

export function listPath(k: KindSpec): string {
  const ns = k.only ? `/namespaces/${k.only.namespace}` : '';
  return k.group
    ? `/apis/${k.group}/${k.version}${ns}/${k.resource}`
    : `/api/${k.version}${ns}/${k.resource}`;
}

/** The query of a kind's LIST: from the watch cache, metadata only where that is all we keep. */
export function listQuery(k: KindSpec, metadataMark: string): string {
  return [
    'resourceVersion=0',
    ...(k.keep === 'metadata' ? [metadataMark] : []),
    ...(k.only ? [`fieldSelector=${encodeURIComponent(`metadata.name=${k.only.name}`)}`] : []),
  ].join('&');
}
