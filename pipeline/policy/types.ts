/**
 * Policy contract. Policies are YAML data (policies/<id>/<id>.yaml) validated by a schema, never
 * code; the engine here applies them. Every recommendation leaves the policy stage accepted,
 * clamped or rejected, with the rule and the reason.
 */
import type { Recommendation, FieldProposal } from '../analyze/types.js';

export type Decision = 'accepted' | 'clamped' | 'rejected';

export interface RuleOutcome {
  policy: string;
  rule: string;
  decision: Decision;
  reason: string;
  /** For clamps: which field, and the value before and after. */
  field?: string;
  before?: unknown;
  after?: unknown;
}

export interface DecidedRecommendation extends Recommendation {
  decision: Decision;
  /** Every rule that acted on it, in order (empty when nothing applied: accepted by default). */
  outcomes: RuleOutcome[];
  /** The fields as proposed by the analyzer, before any clamp. */
  proposedFields: FieldProposal[];
}

/** A validated policy file. */
export interface PolicyDoc {
  name: string;
  file: string;
  title?: string;
  priority: number;
  selector: PolicySelector;
  analyzers?: string[];
  exclude?: boolean;
  settings: Record<string, Record<string, unknown>>;
  rules: PolicyRules;
}

export interface PolicySelector {
  namespaces?: string[];
  excludeNamespaces?: string[];
  namespaceLabels?: Record<string, string>;
  kinds?: string[];
  names?: string[];
  matchLabels?: Record<string, string>;
  matchExpressions?: {
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }[];
  matchAnnotations?: Record<string, string>;
}

export interface PolicyRules {
  minHistory?: { duration?: string; samples?: number; toLower?: string };
  /** One fraction for both directions, or separate ones (a cut may need more than a raise). */
  minChange?:
    | number
    | {
        increase?: number;
        decrease?: number;
        holdDecreases?: string;
        /** A cut smaller than this (CPU, memory quantity) waits, whatever its share. */
        decreaseAtLeast?: { cpu?: string | number; memory?: string | number };
        /** A CPU raise smaller than this waits (memory raises never do). */
        increaseAtLeast?: { cpu?: string | number };
      };
  maxDecrease?: { fraction?: number; per?: string };
  /** At most this many times the live value per change; memory after an OOM kill is exempt. */
  maxIncrease?: { factor?: number };
  /** Reject a live request or a proposal no node has room for (allocatable less DaemonSets). */
  nodeFit?: boolean;
  /** After one of our changes was reverted for a regression: no decrease for this long. */
  afterRevert?: { holdDecreases?: string };
  resources?: {
    cpu?: { min?: string | number; max?: string | number };
    memory?: { min?: string | number; max?: string | number };
  };
  limitRange?: boolean;
  resourceQuota?: boolean;
  respectVpa?: boolean;
  respectClusterResourceOverride?: boolean;
  optOutAnnotation?: string;
  neverLowerMemoryAfterOom?: boolean;
}

export interface PolicySet {
  dir: string;
  policies: PolicyDoc[];
}

/** The rules in force for one workload: each rule from the highest-priority policy that sets it. */
export type EffectiveRules = {
  [K in keyof PolicyRules]-?: { value: NonNullable<PolicyRules[K]>; policy: string } | undefined;
};
