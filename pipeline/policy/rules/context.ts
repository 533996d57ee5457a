/** What a rule sees and how it records what it did. */
import { formatCpu, formatMemory, cpuStyleOf, memoryUnitOf } from '../../core/quantity.js';
import type { FieldProposal, Recommendation } from '../../analyze/types.js';
import type { ClusterModel, WorkloadModel } from '../../model/types.js';
import type { EffectiveRules, RuleOutcome } from '../types.js';

export interface RuleContext {
  rec: Recommendation;
  fields: FieldProposal[];
  workload: WorkloadModel;
  model: ClusterModel;
  rules: EffectiveRules;
  now: number;
  outcomes: RuleOutcome[];
  rejected?: RuleOutcome;
}

export type Rule = (ctx: RuleContext) => void;

export const BUILTIN = 'built-in';

export function fieldName(f: FieldProposal): string {
  const q = f.quantity;
  return q
    ? `${q.container} ${q.resource} ${q.role}`
    : f.path.map((s) => (typeof s === 'object' ? s.name : s)).join('.');
}

export function reject(ctx: RuleContext, policy: string, rule: string, reason: string): void {
  if (ctx.rejected) return;
  ctx.rejected = { policy, rule, decision: 'rejected', reason };
  ctx.outcomes.push(ctx.rejected);
}

/** Drops one field (the rest of the recommendation may still go ahead). */
export function dropField(
  ctx: RuleContext,
  f: FieldProposal,
  policy: string,
  rule: string,
  reason: string,
): void {
  ctx.fields = ctx.fields.filter((x) => x !== f);
  ctx.outcomes.push({ policy, rule, decision: 'rejected', reason, field: fieldName(f), before: f.proposed });
}

/** Moves a quantity field to a new value, in the style of the value it replaces. */
export function clampField(
  ctx: RuleContext,
  f: FieldProposal,
  value: number,
  policy: string,
  rule: string,
  reason: string,
): void {
  const q = f.quantity!;
  if (value === q.proposed) return;
  const text =
    q.resource === 'cpu'
      ? formatCpu(value, cpuStyleOf(f.current as string | undefined))
      : formatMemory(value, memoryUnitOf(f.current as string | undefined));
  ctx.outcomes.push({
    policy,
    rule,
    decision: 'clamped',
    reason,
    field: fieldName(f),
    before: f.proposed,
    after: text,
  });
  const i = ctx.fields.indexOf(f);
  ctx.fields[i] = { ...f, proposed: text, quantity: { ...q, proposed: value } };
}

export function quantityFields(ctx: RuleContext, role?: 'request' | 'limit'): FieldProposal[] {
  return ctx.fields.filter((f) => f.quantity && (!role || f.quantity.role === role));
}

export function isDecrease(f: FieldProposal): boolean {
  const q = f.quantity;
  return !!q && q.current !== undefined && q.proposed < q.current;
}

export function findField(
  ctx: RuleContext,
  container: string,
  resource: 'cpu' | 'memory',
  role: 'request' | 'limit',
): FieldProposal | undefined {
  return ctx.fields.find(
    (f) =>
      f.quantity?.container === container && f.quantity.resource === resource && f.quantity.role === role,
  );
}

export function liveLimit(
  ctx: RuleContext,
  container: string,
  resource: 'cpu' | 'memory',
): number | undefined {
  const c = [...ctx.workload.template.containers, ...ctx.workload.template.initContainers].find(
    (x) => x.name === container,
  );
  return c?.limits[resource];
}

export function liveRequest(
  ctx: RuleContext,
  container: string,
  resource: 'cpu' | 'memory',
): number | undefined {
  const c = [...ctx.workload.template.containers, ...ctx.workload.template.initContainers].find(
    (x) => x.name === container,
  );
  return c?.requests[resource];
}
