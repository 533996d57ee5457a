/**
 * Skip a change that would push the namespace over a ResourceQuota: the new request × (replicas
 * + surge) during the rollout, on top of what the namespace already uses. Pods over quota are
 * never created, so the rollout would hang half-done.
 */
import { reject, quantityFields, BUILTIN, type Rule } from './context.js';

export const resourceQuotaRule: Rule = (ctx) => {
  if (ctx.rules.resourceQuota?.value === false) return;
  const quotas = ctx.model.resourceQuotas.filter((q) => q.namespace === ctx.workload.namespace);
  if (!quotas.length) return;
  const replicas = ctx.workload.replicas ?? ctx.workload.podNames.length;
  const pods = replicas + (ctx.workload.maxSurge ?? 0);
  for (const f of quantityFields(ctx)) {
    const q = f.quantity!;
    const increase = q.proposed - (q.current ?? 0);
    if (increase <= 0) continue;
    const keys = q.role === 'request' ? [`requests.${q.resource}`, q.resource] : [`limits.${q.resource}`];
    for (const quota of quotas) {
      for (const key of keys) {
        const hard = quota.hard[key];
        if (hard === undefined) continue;
        const used = quota.used[key] ?? 0;
        // During a rollout old and new pods coexist: surge pods at the new size come on top.
        const after = used + increase * replicas + q.proposed * (pods - replicas);
        if (after > hard) {
          reject(
            ctx,
            ctx.rules.resourceQuota?.policy ?? BUILTIN,
            'resource-quota',
            `ResourceQuota ${quota.name}: ${key} would reach ${fmt(after, q.resource)} of ${fmt(hard, q.resource)} during the rollout`,
          );
          return;
        }
      }
    }
  }
};

function fmt(v: number, r: 'cpu' | 'memory'): string {
  return r === 'cpu' ? `${Math.round(v)}m` : `${Math.round(v / 2 ** 20)}Mi`;
}
