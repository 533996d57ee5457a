/** A change smaller than `minChange` (default 10 %) is not worth a PR, a rollout and a review. */
import { dropField, quantityFields, BUILTIN, type Rule } from './context.js';

export const minChangeRule: Rule = (ctx) => {
  const threshold = ctx.rules.minChange?.value ?? 0.1;
  const policy = ctx.rules.minChange?.policy ?? BUILTIN;
  for (const f of quantityFields(ctx, 'request')) {
    const q = f.quantity!;
    if (q.current === undefined || q.current === 0) continue; // setting a missing request always matters
    const rel = Math.abs(q.proposed - q.current) / q.current;
    if (rel < threshold) {
      dropField(
        ctx,
        f,
        policy,
        'min-change',
        `a ${(rel * 100).toFixed(1)}% change is below the ${(threshold * 100).toFixed(0)}% worth a PR`,
      );
      // A limit only moves with its request.
      for (const l of quantityFields(ctx, 'limit').filter(
        (x) => x.quantity!.container === q.container && x.quantity!.resource === q.resource,
      )) {
        dropField(ctx, l, policy, 'min-change', 'its request does not change');
      }
    }
  }
};
