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
