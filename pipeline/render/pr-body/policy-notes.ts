/**
 * What policy did to the fields of a recommendation it let through, in words: the fields it moved
 * (a clamp) and the fields it left out (a change too small, a bound), each group under its rule
 * and reason. A recommendation is "clamped" for either, so both are said.
 */
import type { PlanRecommendationJson } from '../../plan/plan-document.js';

/** "rule (reason): field, field" per rule and reason, in the order the rules acted. */
function grouped(rec: PlanRecommendationJson, decision: 'clamped' | 'rejected'): string[] {
  const groups = new Map<string, string[]>();
  for (const o of rec.outcomes) {
    if (!o.field || o.decision !== decision) continue;
    const key = `${o.rule} (${o.reason})`;
    const fields = groups.get(key) ?? [];
    if (!fields.includes(o.field)) fields.push(o.field);
    groups.set(key, fields);
  }
  return [...groups].map(([rule, fields]) => `${fields.join(', ')} by ${rule}`);
}

/** One risk line for a recommendation policy changed in part, or none. */
export function policyRiskLine(rec: PlanRecommendationJson): string | undefined {
  if (rec.decision !== 'clamped') return undefined;
  const clamped = grouped(rec, 'clamped');
  const dropped = grouped(rec, 'rejected');
  const parts: string[] = [];
  if (clamped.length) parts.push(`clamped ${clamped.join('; ')}: the next run may continue the step`);
  if (dropped.length) parts.push(`left out ${dropped.join('; ')}`);
  if (!parts.length) return undefined;
  return `\`${rec.workload}\` (${rec.subject}): policy ${parts.join('. It ')}.`;
}
