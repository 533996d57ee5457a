/**
 * A change smaller than `minChange` (default 10 %) is not worth a PR, a rollout and a review.
 * A change that reverses our own change to the same field within a week must be twice as large:
 * usage that swings around a threshold (weekly cycles, bursts) would otherwise flip a request up
 * and down every few days (bench/quality/NOTES.md). Raising memory is exempt: it is safety.
 */
import { parseQuantity } from '../../core/quantity.js';
import { dropField, quantityFields, BUILTIN, type Rule } from './context.js';

export const REVERSAL_WINDOW_SECONDS = 7 * 86400;
export const REVERSAL_FACTOR = 2;

export const minChangeRule: Rule = (ctx) => {
  const base = ctx.rules.minChange?.value ?? 0.1;
  const policy = ctx.rules.minChange?.policy ?? BUILTIN;
  for (const f of quantityFields(ctx, 'request')) {
    const q = f.quantity!;
    if (q.current === undefined || q.current === 0) continue; // setting a missing request always matters
    const rel = Math.abs(q.proposed - q.current) / q.current;
    const up = q.proposed > q.current;
    const reversal =
      up && q.resource === 'memory' ? undefined : lastChange(ctx, q.container, q.resource, !up);
    const threshold = reversal ? base * REVERSAL_FACTOR : base;
    if (rel >= threshold) continue;
    dropField(
      ctx,
      f,
      policy,
      'min-change',
      reversal
        ? `a ${(rel * 100).toFixed(1)}% change would reverse Tidemark's change on ${reversal}; reversing within 7 days needs ${(threshold * 100).toFixed(0)}%`
        : `a ${(rel * 100).toFixed(1)}% change is below the ${(threshold * 100).toFixed(0)}% worth a PR`,
    );
    // A limit only moves with its request.
    for (const l of quantityFields(ctx, 'limit').filter(
      (x) => x.quantity!.container === q.container && x.quantity!.resource === q.resource,
    )) {
      dropField(ctx, l, policy, 'min-change', 'its request does not change');
    }
  }
};

/** The date of our latest change to this request within the window, if it went `up` (or down). */
function lastChange(
  ctx: Parameters<Rule>[0],
  container: string,
  resource: string,
  up: boolean,
): string | undefined {
  const last = ctx.model.history
    .filter(
      (h) =>
        h.workload === ctx.workload.key &&
        h.field.endsWith(`/${container}/requests/${resource}`) &&
        h.time >= ctx.now - REVERSAL_WINDOW_SECONDS &&
        h.from !== undefined &&
        h.to !== undefined,
    )
    .sort((a, b) => b.time - a.time)[0];
  if (!last) return undefined;
  try {
    const from = parseQuantity(last.from!);
    const to = parseQuantity(last.to!);
    if (to === from || to > from !== up) return undefined;
  } catch {
    return undefined; // an unreadable trailer value: no damping
  }
  return new Date(last.time * 1000).toISOString().slice(0, 10);
}
