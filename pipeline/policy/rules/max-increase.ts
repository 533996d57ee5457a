/**
 * At most `factor` times the live value per change (default ×4): a raise that large from one run
 * is more likely a bad sample than a workload that quadrupled, and the next run can go on if the
 * demand is real. Memory after an OOM kill in the window is never held back: the container
 * already died at the value it has (the same evidence never-lower-memory-after-oom reads).
 */
import { clampField, quantityFields, BUILTIN, type Rule } from './context.js';

export const DEFAULT_MAX_INCREASE_FACTOR = 4;

export const maxIncreaseRule: Rule = (ctx) => {
  const r = ctx.rules.maxIncrease;
  const factor = r?.value.factor ?? DEFAULT_MAX_INCREASE_FACTOR;
  const oomKilled = ctx.rec.evidence.ooms > 0;
  for (const f of quantityFields(ctx)) {
    const q = f.quantity!;
    if (q.current === undefined || q.current <= 0) continue; // nothing to multiply: resource bounds apply
    if (oomKilled && q.resource === 'memory') continue;
    const ceiling = Math.floor(q.current * factor);
    if (q.proposed <= ceiling) continue;
    clampField(
      ctx,
      f,
      ceiling,
      r?.policy ?? BUILTIN,
      'max-increase',
      `at most ×${factor} per change (the analyzer asked for ×${(q.proposed / q.current).toFixed(1)})`,
    );
  }
};
