/**
 * Runs every recommendation through the policies in a fixed order: who may be changed at all,
 * whether there is enough evidence, safety invariants, bounds and clamps, limits consistency,
 * and last whether what is left is worth a PR. Every recommendation ends accepted, clamped or
 * rejected, with each rule that acted and why.
 */
import type { AnalyzerId, AnalyzerResult, Skipped } from '../analyze/types.js';
import type { ClusterModel, WorkloadKey } from '../model/types.js';
import type { DecidedRecommendation, PolicySet } from './types.js';
import { matchingPolicies, effectiveRules, effectiveSettings } from './select.js';
import { BUILTIN, type Rule, type RuleContext } from './rules/context.js';
import { excludeRule } from './rules/exclude.js';
import { vpaRule } from './rules/vpa.js';
import { resourceOverrideRule } from './rules/resource-override.js';
import { minHistoryRule } from './rules/min-history.js';
import { oomMemoryRule } from './rules/oom-memory.js';
import { resourceBoundsRule } from './rules/resource-bounds.js';
import { maxDecreaseRule } from './rules/max-decrease.js';
import { maxIncreaseRule } from './rules/max-increase.js';
import { nodeFitCurrentRule, nodeFitRule } from './rules/node-fit.js';
import { afterRevertRule } from './rules/after-revert.js';
import { limitRangeRule } from './rules/limit-range.js';
import { limitsConsistencyRule } from './rules/limits-consistency.js';
import { minChangeRule } from './rules/min-change.js';
import { resourceQuotaRule } from './rules/resource-quota.js';

export function evaluatePolicies(
  set: PolicySet,
  model: ClusterModel,
  results: Map<AnalyzerId, AnalyzerResult>,
  ctx: { now: number },
): { decided: DecidedRecommendation[]; skipped: Skipped[] } {
  const decided: DecidedRecommendation[] = [];
  const skipped: Skipped[] = [];
  for (const [analyzer, result] of results) {
    for (const rec of result.recommendations) {
      const workload = model.workloads.get(rec.workload);
      if (!workload) {
        // Node pools and other non-workload subjects: only exclusion-free rules apply today.
        decided.push({ ...rec, decision: 'accepted', outcomes: [], proposedFields: rec.fields });
        continue;
      }
      const matching = matchingPolicies(set, workload, model, analyzer);
      const rc: RuleContext = {
        rec,
        fields: [...rec.fields],
        workload,
        model,
        rules: effectiveRules(matching),
        now: ctx.now,
        outcomes: [],
      };
      const rules: Rule[] = [
        excludeRule(matching),
        vpaRule,
        resourceOverrideRule,
        nodeFitCurrentRule,
        minHistoryRule,
        oomMemoryRule,
        resourceBoundsRule,
        afterRevertRule,
        maxDecreaseRule,
        maxIncreaseRule,
        limitRangeRule,
        limitsConsistencyRule,
        nodeFitRule,
        minChangeRule,
        resourceQuotaRule,
      ];
      for (const rule of rules) {
        if (rc.rejected) break;
        rule(rc);
      }
      if (!rc.rejected && rc.fields.length === 0 && rec.objects.length === 0) {
        const last = rc.outcomes.at(-1);
        rc.rejected = {
          policy: last?.policy ?? 'built-in',
          rule: last?.rule ?? 'no-change',
          decision: 'rejected',
          reason: last ? `nothing left to change: ${last.reason}` : 'nothing left to change',
        };
        rc.outcomes.push(rc.rejected);
      }
      const clamped = rc.outcomes.some(
        (o) => o.decision === 'clamped' || (o.decision === 'rejected' && o.field),
      );
      decided.push({
        ...rec,
        fields: rc.rejected ? rec.fields : rc.fields,
        decision: rc.rejected ? 'rejected' : clamped ? 'clamped' : 'accepted',
        outcomes: rc.outcomes,
        proposedFields: rec.fields,
      });
    }
  }
  rejectDependents(decided);
  return { decided, skipped };
}

/**
 * A recommendation that carries another's proposals (a schedule sized on the HPA the hpa analyzer
 * proposes) cannot go ahead without them: it is rejected with the one it depends on, saying so.
 */
function rejectDependents(decided: DecidedRecommendation[]): void {
  const byId = new Map(decided.map((d) => [d.id, d]));
  for (let changed = true; changed;) {
    changed = false;
    for (const d of decided) {
      if (d.decision === 'rejected' || !d.dependsOn?.length) continue;
      const basis = d.dependsOn.map((id) => byId.get(id)).find((b) => b?.decision === 'rejected');
      if (!basis) continue;
      d.outcomes.push({
        policy: BUILTIN,
        rule: 'depends-on',
        decision: 'rejected',
        reason: `it carries the numbers of ${basis.id}, which was rejected: ${basis.outcomes.at(-1)?.reason ?? 'by policy'}`,
      });
      d.decision = 'rejected';
      d.fields = d.proposedFields;
      changed = true;
    }
  }
}

export function resolveOverrides(
  set: PolicySet,
  model: ClusterModel,
): (workload: WorkloadKey, analyzer: AnalyzerId) => Record<string, unknown> {
  const cache = new Map<string, Record<string, unknown>>();
  return (key, analyzer) => {
    const id = `${analyzer}|${key}`;
    let v = cache.get(id);
    if (!v) {
      const w = model.workloads.get(key);
      v = w ? effectiveSettings(matchingPolicies(set, w, model, analyzer), analyzer) : {};
      cache.set(id, v);
    }
    return v;
  };
}
