export { loadPolicies, policyFiles } from './load.js';
export { evaluatePolicies, resolveOverrides } from './evaluate.js';
export type { PolicySet, PolicyDoc, DecidedRecommendation, RuleOutcome } from './types.js';
