/** Excluded workloads (e.g. kube-system) and the opt-out annotation get no change at all. */
import { reject, BUILTIN, type Rule } from './context.js';
import type { PolicyDoc } from '../types.js';

export function excludeRule(matching: PolicyDoc[]): Rule {
  return (ctx) => {
    const ex = matching.find((p) => p.exclude);
    if (ex)
      reject(
        ctx,
        ex.name,
        'exclude',
        `${ctx.workload.namespace} is excluded by policy ${ex.name}${ex.title ? ` (${ex.title})` : ''}`,
      );
    const key = ctx.rules.optOutAnnotation?.value ?? 'tidemark.io/ignore';
    if (ctx.workload.annotations[key] === 'true') {
      reject(
        ctx,
        ctx.rules.optOutAnnotation?.policy ?? BUILTIN,
        'opt-out',
        `the workload has the annotation ${key}: "true"`,
      );
    }
  };
}
