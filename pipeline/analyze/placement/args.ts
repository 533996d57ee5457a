/** Placement analyzer arguments (schema: schemas/tidemark/analyzers/placement.schema.json). */

export type PlacementMode = 'burst' | 'migrate' | 'off';
export type ProviderId = 'tke-eks' | 'virtual-kubelet' | 'aks-aci' | 'eks-fargate';

export interface ServerlessPrice {
  coreHour: number;
  gibHour: number;
}

export interface PlacementArgs {
  /** Set per workload by policy; `off` never moves it. */
  mode: PlacementMode;
  /** Only workloads at least this movable (WorkloadScore from scaledown) are candidates. */
  minWorkloadScore: number;
  /** A change must save at least this much a month (in the config's currency). */
  minMonthlySaving: number;
  /** Per-pod prices of the serverless offer, per provider (override with your contract's). */
  prices: Record<ProviderId, ServerlessPrice>;
}

export const PLACEMENT_DEFAULTS: PlacementArgs = {
  mode: 'burst',
  minWorkloadScore: 60,
  minMonthlySaving: 5,
  // List prices at the time of writing: Fargate us-east-1 ($0.04048 per vCPU-hour, $0.004445 per
  // GB-hour); the others set to the same order of magnitude until configured.
  prices: {
    'eks-fargate': { coreHour: 0.04048, gibHour: 0.004445 },
    'aks-aci': { coreHour: 0.0405, gibHour: 0.00445 },
    'tke-eks': { coreHour: 0.04, gibHour: 0.005 },
    'virtual-kubelet': { coreHour: 0.04, gibHour: 0.005 },
  },
};

/** Per-cluster settings (`clusters[].settings.placement`). */
export interface PlacementSettings {
  provider?: ProviderId;
  /** eks-fargate: the profile pods must match (profiles are immutable, so it is configured). */
  fargateProfile?: { name: string; selectors: { namespace: string; labels?: Record<string, string> }[] };
}
