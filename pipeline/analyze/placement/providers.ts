/**
 * What each serverless offer supports and how a pod is steered there (formats.md §3). A feature
 * no provider statement covers counts as unsupported until verified, so the generic
 * virtual-kubelet refuses everything a specific provider might.
 */
import type { Toleration } from '../../model/types.js';
import type { ProviderId } from './args.js';

export type Feature =
  | 'daemonset'
  | 'stateful'
  | 'privileged'
  | 'host-network'
  | 'host-port'
  | 'host-pid'
  | 'host-path'
  | 'local-volume'
  | 'persistent-volume'
  | 'gpu'
  | 'probes'
  | 'init-containers'
  | 'lifecycle-hooks'
  | 'projected-volume'
  | 'windows'
  | 'pinned-to-ec2';

export interface Provider {
  id: ProviderId;
  title: string;
  unsupported: Set<Feature>;
  /** Storage classes / provisioners whose volumes the provider can mount (else PVCs block). */
  storage?: RegExp;
  /** The pod-template annotation that makes GPUs usable there, when one exists. */
  gpuAnnotation?: string;
  burst: boolean;
  /** What `migrate` sets. Fargate instead matches profile labels (see analyze.ts). */
  nodeSelector?: Record<string, string>;
  tolerations: Toleration[];
  /** The label that marks the provider's nodes, for "prefer regular nodes" in burst mode. */
  virtualLabel?: { key: string; value: string };
  /** Pod sizes: CPU steps (cores) and memory rounding, or none when billed as requested. */
  round?: (cpu: number, gib: number) => { cpu: number; gib: number };
  /** Caveats the PR states for the mode. */
  notes: Partial<Record<'burst' | 'migrate', string>>;
}

const ALWAYS: Feature[] = [
  'daemonset',
  'stateful',
  'privileged',
  'host-network',
  'host-port',
  'host-pid',
  'local-volume',
];

const step = (steps: number[], x: number): number => steps.find((s) => s >= x - 1e-9) ?? x;

export const PROVIDERS: Record<ProviderId, Provider> = {
  'tke-eks': {
    id: 'tke-eks',
    title: 'TKE super node (EKS)',
    // GPUs and volumes are checked against the gpu-type annotation and the storage list first.
    unsupported: new Set([...ALWAYS, 'windows', 'gpu', 'persistent-volume']),
    storage: /^(cloud\.tencent\.com\/qcloud-cbs|com\.tencent\.cloud\.csi\.(cbs|cfs)|nfs|cephfs)/,
    gpuAnnotation: 'eks.tke.cloud.tencent.com/gpu-type',
    burst: true,
    nodeSelector: { 'node.kubernetes.io/instance-type': 'eklet' },
    tolerations: [{ key: 'eks.tke.cloud.tencent.com/eklet', operator: 'Exists', effect: 'NoSchedule' }],
    virtualLabel: { key: 'node.kubernetes.io/instance-type', value: 'eklet' },
    // 0.25–16 cores, then 32 and 64; at most 8 GiB per core, memory rounded up to a whole GiB
    // (½ GiB under one core). Non-standard sizes are rounded up (cloud.tencent.com 457/74015).
    round: (cpu, gib) => {
      let c = step([0.25, 0.5, 1, 2, 4, 8, 12, 16, 32, 64], cpu);
      let g = c < 1 ? Math.ceil(gib * 2) / 2 : Math.ceil(gib);
      while (g > c * 8 && c < 64) c = step([0.25, 0.5, 1, 2, 4, 8, 12, 16, 32, 64], c + 0.01);
      g = Math.max(g, c < 1 ? 0.5 : 1);
      return { cpu: c, gib: g };
    },
    notes: {
      burst:
        'TKE adds the super-node toleration to Pending pods only; the first `LOCAL_REPLICAS` replicas stay on nodes, the rest burst, and on scale-in TKE removes super-node pods first.',
      migrate:
        'Pinned to super nodes by `node.kubernetes.io/instance-type: eklet` plus the eklet toleration.',
    },
  },
  'virtual-kubelet': {
    id: 'virtual-kubelet',
    title: 'virtual-kubelet',
    unsupported: new Set([...ALWAYS, 'host-path', 'persistent-volume', 'gpu', 'windows']),
    burst: true,
    nodeSelector: { type: 'virtual-kubelet' },
    tolerations: [{ key: 'virtual-kubelet.io/provider', operator: 'Exists', effect: 'NoSchedule' }],
    virtualLabel: { key: 'type', value: 'virtual-kubelet' },
    notes: {
      burst:
        'A toleration plus a preferred affinity for regular nodes lets pods spill over when nodes are full. Nothing moves them back after the peak, and pods that fit on a virtual node never make the cluster autoscaler add a node.',
    },
  },
  'aks-aci': {
    id: 'aks-aci',
    title: 'AKS virtual node (ACI)',
    unsupported: new Set([
      ...ALWAYS,
      'host-path',
      'persistent-volume',
      'gpu',
      'probes',
      'init-containers',
      'lifecycle-hooks',
      'projected-volume',
      'windows',
    ]),
    burst: true,
    nodeSelector: {
      'kubernetes.io/role': 'agent',
      'beta.kubernetes.io/os': 'linux',
      type: 'virtual-kubelet',
    },
    tolerations: [
      { key: 'virtual-kubelet.io/provider', operator: 'Exists' },
      { key: 'azure.com/aci', effect: 'NoSchedule' },
    ],
    virtualLabel: { key: 'type', value: 'virtual-kubelet' },
    notes: {
      burst:
        'A toleration plus a preferred affinity for regular nodes lets pods spill over to ACI when nodes are full. Nothing moves them back after the peak, and pods that fit on the virtual node never make the cluster autoscaler add a node.',
    },
  },
  'eks-fargate': {
    id: 'eks-fargate',
    title: 'EKS Fargate',
    unsupported: new Set([...ALWAYS, 'host-path', 'persistent-volume', 'gpu', 'windows', 'pinned-to-ec2']),
    burst: false,
    tolerations: [],
    // vCPU 0.25–16 with memory ranges per size; Kubernetes components take 256 MiB on top.
    round: (cpu, gib) => {
      const range = (lo: number, hi: number, inc: number) =>
        Array.from({ length: Math.round((hi - lo) / inc) + 1 }, (_, k) => lo + k * inc);
      const table: [number, number[]][] = [
        [0.25, [0.5, 1, 2]],
        [0.5, range(1, 4, 1)],
        [1, range(2, 8, 1)],
        [2, range(4, 16, 1)],
        [4, range(8, 30, 1)],
        [8, range(16, 60, 4)],
        [16, range(32, 120, 8)],
      ];
      const need = gib + 0.25;
      for (const [c, memories] of table) {
        if (c + 1e-9 < cpu) continue;
        const m = memories.find((x) => x + 1e-9 >= need);
        if (m !== undefined) return { cpu: c, gib: m };
      }
      return { cpu, gib: need };
    },
    notes: {
      migrate:
        'Fargate places a pod at admission when a profile selector matches its namespace and labels; these labels make the configured profile match. Running pods move at their next rollout.',
    },
  },
};
