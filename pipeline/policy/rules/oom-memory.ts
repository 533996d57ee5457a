/** Safety invariant: memory is never lowered on a container that was OOM-killed in the window. */
import { dropField, quantityFields, isDecrease, BUILTIN, type Rule } from './context.js';

export const oomMemoryRule: Rule = (ctx) => {
  if (ctx.rules.neverLowerMemoryAfterOom?.value === false) return;
  if (!(ctx.rec.evidence.ooms > 0)) return;
  for (const f of quantityFields(ctx).filter((x) => x.quantity!.resource === 'memory' && isDecrease(x))) {
    dropField(
      ctx,
      f,
      ctx.rules.neverLowerMemoryAfterOom?.policy ?? BUILTIN,
      'never-lower-memory-after-oom',
      `the container was OOM-killed ${ctx.rec.evidence.ooms}× in the window`,
    );
  }
};
