/**
 * Enough history to recommend at all (default 3 h and 100 samples), and more to lower anything
 * (default 7 days): a short window misses weekly peaks, and an increase is never the risky side.
 */
import { parseDuration } from '../../core/duration.js';
import { reject, dropField, isDecrease, quantityFields, BUILTIN, type Rule } from './context.js';

export const minHistoryRule: Rule = (ctx) => {
  if (!quantityFields(ctx).length) return;
  const r = ctx.rules.minHistory;
  const policy = r?.policy ?? BUILTIN;
  const need = parseDuration(r?.value.duration ?? '3h');
  const samples = r?.value.samples ?? 100;
  const toLower = parseDuration(r?.value.toLower ?? '7d');
  const days =
    ctx.rec.evidence.confidence?.days ??
    (ctx.rec.evidence.window.end - ctx.rec.evidence.window.start) / 86400;
  const have = days * 86400;
  if (have < need || ctx.rec.evidence.samples < samples) {
    reject(
      ctx,
      policy,
      'min-history',
      `only ${fmt(have)} and ${ctx.rec.evidence.samples} samples of history (needs ${fmt(need)} and ${samples})`,
    );
    return;
  }
  if (have < toLower) {
    for (const f of quantityFields(ctx).filter(isDecrease)) {
      dropField(
        ctx,
        f,
        policy,
        'min-history',
        `lowering needs ${fmt(toLower)} of history, there is ${fmt(have)}`,
      );
    }
  }
};

function fmt(seconds: number): string {
  return seconds >= 86400 ? `${(seconds / 86400).toFixed(1)} days` : `${(seconds / 3600).toFixed(1)} h`;
}
