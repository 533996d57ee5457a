/**
 * The merged change set: one WorkloadChange per workload, holding what every analyzer proposed
 * and policy accepted. Render turns each into file edits; publish groups them into PRs.
 */
import type { AnalyzerId, DriftHandOver, FieldProposal, ObjectProposal, Skipped } from '../analyze/types.js';
import type { DecidedRecommendation } from '../policy/types.js';
import type { WorkloadKey } from '../model/types.js';

export interface OwnedFieldProposal extends FieldProposal {
  analyzer: AnalyzerId;
  recommendation: string;
}

export interface OwnedObjectProposal extends ObjectProposal {
  analyzer: AnalyzerId;
  recommendation: string;
}

export interface WorkloadChange {
  cluster: string;
  workload: WorkloadKey;
  recommendations: DecidedRecommendation[];
  fields: OwnedFieldProposal[];
  objects: OwnedObjectProposal[];
  /** Fields GitOps must stop reverting, from every accepted recommendation. */
  handOver: DriftHandOver[];
  /**
   * What was proposed for an object another one in this change takes the place of (the HPA a
   * KEDA ScaledObject owns): not rendered, but the replacing object must carry its numbers.
   */
  replaced?: { objects: OwnedObjectProposal[]; fields: OwnedFieldProposal[] };
}

export interface ClusterPlan {
  cluster: string;
  at: number;
  changes: WorkloadChange[];
  decided: DecidedRecommendation[];
  skipped: Skipped[];
}
