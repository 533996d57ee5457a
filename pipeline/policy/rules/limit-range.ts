/**
 * The namespace's LimitRange (type Container): requests and limits inside [min, max], and
 * limit/request within maxLimitRequestRatio. The API server would reject anything else.
 */
import { clampField, quantityFields, findField, liveLimit, BUILTIN, type Rule } from './context.js';

export const limitRangeRule: Rule = (ctx) => {
  if (ctx.rules.limitRange?.value === false) return;
  const policy = ctx.rules.limitRange?.policy ?? BUILTIN;
  const items = ctx.model.limitRanges
    .filter((l) => l.namespace === ctx.workload.namespace)
    .flatMap((l) => l.items.filter((i) => i.type === 'Container').map((i) => ({ ...i, lr: l.name })));
  for (const item of items) {
    for (const f of quantityFields(ctx)) {
      const q = f.quantity!;
      const min = item.min[q.resource];
      const max = item.max[q.resource];
      if (min !== undefined && q.proposed < min)
        clampField(ctx, f, min, policy, 'limit-range', `LimitRange ${item.lr} sets a ${q.resource} minimum`);
      else if (max !== undefined && q.proposed > max)
        clampField(ctx, f, max, policy, 'limit-range', `LimitRange ${item.lr} sets a ${q.resource} maximum`);
    }
    for (const resource of ['cpu', 'memory'] as const) {
      const ratio = item.maxLimitRequestRatio[resource];
      if (ratio === undefined) continue;
      const containers = new Set(
        quantityFields(ctx, 'request')
          .filter((f) => f.quantity!.resource === resource)
          .map((f) => f.quantity!.container),
      );
      for (const container of containers) {
        const req = findField(ctx, container, resource, 'request')!;
        const limit =
          findField(ctx, container, resource, 'limit')?.quantity!.proposed ??
          liveLimit(ctx, container, resource);
        if (limit !== undefined && limit / req.quantity!.proposed > ratio) {
          clampField(
            ctx,
            req,
            Math.ceil(limit / ratio),
            policy,
            'limit-range',
            `LimitRange ${item.lr} allows a ${resource} limit at most ${ratio}× the request`,
          );
        }
      }
    }
  }
};
