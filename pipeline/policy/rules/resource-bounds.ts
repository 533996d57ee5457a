/** Per-resource minimum and maximum for requests, from policy. */
import { parseQuantity } from '../../core/quantity.js';
import { clampField, quantityFields, type Rule } from './context.js';

export const resourceBoundsRule: Rule = (ctx) => {
  const r = ctx.rules.resources;
  if (!r) return;
  for (const f of quantityFields(ctx, 'request')) {
    const q = f.quantity!;
    const b = r.value[q.resource];
    if (!b) continue;
    const scale = q.resource === 'cpu' ? 1000 : 1;
    const min = b.min !== undefined ? parseQuantity(b.min) * scale : undefined;
    const max = b.max !== undefined ? parseQuantity(b.max) * scale : undefined;
    if (min !== undefined && q.proposed < min)
      clampField(ctx, f, min, r.policy, 'resources', `below the ${q.resource} minimum ${String(b.min)}`);
    else if (max !== undefined && q.proposed > max)
      clampField(ctx, f, max, r.policy, 'resources', `above the ${q.resource} maximum ${String(b.max)}`);
  }
};
