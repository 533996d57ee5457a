/**
 * At most `factor` times the live value per change (default ×4): a raise that large from one run
 * is more likely a bad sample than a workload that quadrupled, and the next run can go on if the
 * demand is real. Two raises are never held back, as the step would only ration what the
 * container already lacks:
 * - memory after an OOM kill in the window: the container already died at the value it has (the
 *   same evidence never-lower-memory-after-oom reads);
 * - CPU of a saturated container: the analyzer found the P90 of its 5-minute CPU at or above the
 *   request in force (`evidence.cpu.saturation`), so it ran over its request for at least a tenth
 *   of the window; a few absurd samples cannot move a P90. On the real set the ×4 step took a VM
 *   that rose from idle to 9.5 cores five runs (bench/quality/NOTES.md). The outcome says so.
 */
import { clampField, quantityFields, BUILTIN, type Rule } from './context.js';
import { saturationText, type CpuSaturation } from '../../analyze/rightsize/estimator.js';

export const DEFAULT_MAX_INCREASE_FACTOR = 4;

export const maxIncreaseRule: Rule = (ctx) => {
  const r = ctx.rules.maxIncrease;
  const factor = r?.value.factor ?? DEFAULT_MAX_INCREASE_FACTOR;
  const oomKilled = ctx.rec.evidence.ooms > 0;
  const saturation = saturationOf(ctx.rec.evidence.cpu);
  for (const f of quantityFields(ctx)) {
    const q = f.quantity!;
    if (q.current === undefined || q.current <= 0) continue; // nothing to multiply: resource bounds apply
    if (oomKilled && q.resource === 'memory') continue;
    const ceiling = Math.floor(q.current * factor);
    if (q.proposed <= ceiling) continue;
    if (saturation && q.resource === 'cpu') {
      ctx.outcomes.push({
        policy: r?.policy ?? BUILTIN,
        rule: 'max-increase',
        decision: 'accepted',
        reason:
          `a ×${(q.proposed / q.current).toFixed(1)} CPU raise goes out above the ×${factor} step: ` +
          `the container is saturated (${saturationText(saturation)})`,
        field: `${q.container} cpu ${q.role}`,
      });
      continue;
    }
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

/** `evidence.cpu.saturation` when it is well formed (evidence is plan.json's, read back in suites). */
function saturationOf(cpu: unknown): CpuSaturation | undefined {
  const s = (cpu as { saturation?: Partial<CpuSaturation> } | undefined)?.saturation;
  return s &&
    typeof s.quantile === 'number' &&
    typeof s.usage === 'number' &&
    typeof s.request === 'number' &&
    s.request > 0 &&
    s.usage >= s.request
    ? (s as CpuSaturation)
    : undefined;
}
