/**
 * At most `fraction` lower per `per` (default 20 % per 7 days), counted from the value before our
 * first change to that field in the period (found in the repository history through commit
 * trailers), so an hourly schedule cannot compound small steps into a big cut.
 */
import { parseDuration } from '../../core/duration.js';
import { parseQuantity, formatCpu, formatMemory, cpuStyleOf, memoryUnitOf } from '../../core/quantity.js';
import { clampField, dropField, quantityFields, isDecrease, BUILTIN, type Rule } from './context.js';

export const maxDecreaseRule: Rule = (ctx) => {
  const r = ctx.rules.maxDecrease;
  const policy = r?.policy ?? BUILTIN;
  const fraction = r?.value.fraction ?? 0.2;
  const per = parseDuration(r?.value.per ?? '7d');
  for (const f of quantityFields(ctx).filter(isDecrease)) {
    const q = f.quantity!;
    const id = `${q.role === 'request' ? 'requests' : 'limits'}/${q.resource}`;
    const entries = ctx.model.history
      .filter(
        (h) =>
          h.workload === ctx.workload.key &&
          h.field.endsWith(`/${q.container}/${id}`) &&
          h.time >= ctx.now - per &&
          h.from !== undefined,
      )
      .sort((a, b) => a.time - b.time);
    let base = q.current!;
    let since = '';
    if (entries.length) {
      try {
        const from = parseQuantity(entries[0]!.from!);
        base = q.resource === 'cpu' ? from * 1000 : from;
        since = ` since Tidemark's change on ${new Date(entries[0]!.time * 1000).toISOString().slice(0, 10)}`;
      } catch {
        /* an unreadable trailer value: fall back to the live value */
      }
    }
    const floor = Math.ceil(base * (1 - fraction));
    if (q.proposed >= floor) continue;
    // A floor that rounds to the value in force (memory is written in whole Mi) leaves no step.
    const written =
      q.resource === 'cpu'
        ? formatCpu(floor, cpuStyleOf(f.current as string | undefined))
        : formatMemory(floor, memoryUnitOf(f.current as string | undefined));
    if (floor >= q.current! || written === f.current) {
      dropField(
        ctx,
        f,
        policy,
        'max-decrease',
        `already lowered ${Math.round(fraction * 100)}% per ${fmtDays(per)}${since}`,
      );
    } else {
      clampField(
        ctx,
        f,
        floor,
        policy,
        'max-decrease',
        `at most ${Math.round(fraction * 100)}% lower per ${fmtDays(per)}${since}`,
      );
    }
  }
};

function fmtDays(s: number): string {
  return s % 86400 === 0 ? `${s / 86400} days` : `${s / 3600} h`;
}
