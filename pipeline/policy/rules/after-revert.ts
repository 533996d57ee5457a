/**
 * A workload whose Tidemark change was reverted after a regression (the post-merge watch opened
 * the revert) gets only increases for a while (default 30 days): the outcome is recorded in the
 * repository history as a `Tidemark-Change: <workload> revert` trailer, so every later run sees it.
 */
import { parseDuration } from '../../core/duration.js';
import { REVERT_FIELD } from '../../collect/git-history/trailers.js';
import { dropField, quantityFields, isDecrease, BUILTIN, type Rule } from './context.js';

export const afterRevertRule: Rule = (ctx) => {
  const r = ctx.rules.afterRevert;
  const policy = r?.policy ?? BUILTIN;
  const hold = parseDuration(r?.value.holdDecreases ?? '30d');
  if (hold <= 0) return;
  const revert = ctx.model.history
    .filter((h) => h.workload === ctx.workload.key && h.field === REVERT_FIELD && h.time >= ctx.now - hold)
    .at(-1);
  if (!revert) return;
  const when = new Date(revert.time * 1000).toISOString().slice(0, 10);
  for (const f of quantityFields(ctx).filter(isDecrease))
    dropField(
      ctx,
      f,
      policy,
      'after-revert',
      `a Tidemark change here was reverted after a regression on ${when}${revert.to ? ` (${revert.to})` : ''}: only increases until ${new Date((revert.time + hold) * 1000).toISOString().slice(0, 10)}`,
    );
};
