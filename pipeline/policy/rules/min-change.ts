/**
 * A change smaller than `minChange` (default 10 %, or `{ increase, decrease }`) is not worth a PR,
 * a rollout and a review. A change that reverses our own change to the same field within a week
 * must be twice as large: usage that swings around a threshold (weekly cycles, bursts) would
 * otherwise flip a request up and down every few days (bench/quality/NOTES.md). Raising memory is
 * exempt from the reversal rule, and raising it after an OOM kill in the window from the minimum
 * too: a container killed below its peak needs the raise whatever its size, and holding back a
 * small one only leaves it to be killed again before the next run. A cut that max-decrease paced
 * is judged by the cut the analyzer wants, not by this week's step. With `holdDecreases` (the
 * bundled defaults: 5 days), a cut within that long of our last change to the same request waits:
 * a request following load that falls for days is then cut once, not run by run; raises never wait.
 * With `decreaseAtLeast` (the bundled defaults: `{ cpu: 50m }`), a cut smaller than that absolute
 * amount waits whatever its share: on the real set small containers flipped 80m ↔ 95m and 25m ↔
 * 40m run after run, each flip a rollout that saved a few millicores (bench/quality/NOTES.md).
 * With `increaseAtLeast` (the bundled defaults: `{ cpu: 50m }`), a CPU raise smaller than that
 * waits too, unless it at least doubles the request (memory raises never wait). A change held
 * back only for its size (below the minimum share, `decreaseAtLeast` or `increaseAtLeast`; not a
 * reversal, not a held cut) still goes out when another request of the same container changes in
 * this plan: the rollout happens anyway, and carrying it now saves the change it would otherwise
 * need on its own later (bench/quality/NOTES.md, choice 16).
 */
import { parseQuantity, parseCpu, parseMemory, formatCpu, formatMemory } from '../../core/quantity.js';
import { formatDuration, parseDuration } from '../../core/duration.js';
import { dropField, quantityFields, BUILTIN, type Rule } from './context.js';
import type { FieldProposal } from '../../analyze/types.js';

export const REVERSAL_WINDOW_SECONDS = 7 * 86400;
export const REVERSAL_FACTOR = 2;

export const minChangeRule: Rule = (ctx) => {
  const v = ctx.rules.minChange?.value;
  const minimum = {
    increase: typeof v === 'number' ? v : (v?.increase ?? 0.1),
    decrease: typeof v === 'number' ? v : (v?.decrease ?? 0.1),
  };
  const policy = ctx.rules.minChange?.policy ?? BUILTIN;
  const hold = typeof v === 'object' && v?.holdDecreases ? parseDuration(v.holdDecreases) : 0;
  const atLeast = typeof v === 'object' ? v.decreaseAtLeast : undefined;
  const smallestCut = {
    cpu: atLeast?.cpu !== undefined ? parseCpu(atLeast.cpu) : 0,
    memory: atLeast?.memory !== undefined ? parseMemory(atLeast.memory) : 0,
  };
  const smallestRaise = {
    cpu: typeof v === 'object' && v.increaseAtLeast?.cpu !== undefined ? parseCpu(v.increaseAtLeast.cpu) : 0,
  };
  // Changes held back only for their size wait for a change of the same container that passes.
  const small: { f: FieldProposal; reason: string }[] = [];
  const carriers: FieldProposal[] = [];
  for (const f of quantityFields(ctx, 'request')) {
    const q = f.quantity!;
    if (q.current === undefined || q.current === 0) continue; // setting a missing request always matters
    const rel = Math.abs(q.proposed - q.current) / q.current;
    const up = q.proposed > q.current;
    const base = up ? minimum.increase : minimum.decrease;
    if (up && q.resource === 'memory' && ctx.rec.evidence.ooms > 0) {
      if (rel < base)
        ctx.outcomes.push({
          policy,
          rule: 'min-change',
          decision: 'accepted',
          reason: `a ${(rel * 100).toFixed(1)}% memory raise goes out below the ${(base * 100).toFixed(0)}% minimum: the container was OOM-killed in the window`,
          field: `${q.container} memory request`,
        });
      carriers.push(f);
      continue;
    }
    // A cut within `holdDecreases` of our last change to this request waits: load that is
    // falling is cut once it has settled, not step by step (bench/quality/NOTES.md).
    const recent = !up && hold > 0 ? lastChange(ctx, q.container, q.resource, hold) : undefined;
    if (recent) {
      dropField(
        ctx,
        f,
        policy,
        'min-change',
        `Tidemark changed this request on ${recent.date}; a cut waits ${formatDuration(hold)} after a change`,
      );
      dropLimits(ctx, q.container, q.resource, policy);
      continue;
    }
    // Within a week of our last change to this request, reversing it must be twice the minimum;
    // raising memory is exempt.
    const last =
      up && q.resource === 'memory'
        ? undefined
        : lastChange(ctx, q.container, q.resource, REVERSAL_WINDOW_SECONDS);
    const reversal = last && last.up !== up ? last : undefined;
    const threshold = reversal ? base * REVERSAL_FACTOR : base;
    // A cut that max-decrease paced is judged by the cut the analyzer wants, not by this week's step.
    const paced = ctx.outcomes.some(
      (o) =>
        o.rule === 'max-decrease' &&
        o.decision === 'clamped' &&
        o.field === `${q.container} ${q.resource} request`,
    );
    const wanted = ctx.rec.fields.find(
      (x) => x.quantity && JSON.stringify(x.path) === JSON.stringify(f.path),
    )?.quantity;
    const wantedRel =
      paced && !up && q.proposed < q.current && wanted && wanted.proposed < q.proposed
        ? (q.current - wanted.proposed) / q.current
        : rel;
    // A cut is judged by the amount the analyzer wants when max-decrease paced it.
    const cut = q.current - (paced && wanted ? Math.min(wanted.proposed, q.proposed) : q.proposed);
    if (Math.max(rel, wantedRel) >= threshold) {
      const raise = q.proposed - q.current;
      // A raise that at least doubles the request is not small, whatever its millicores.
      if (up && q.resource === 'cpu' && raise < smallestRaise.cpu && rel < 1)
        small.push({
          f,
          reason: `a ${formatCpu(raise)} CPU raise is below the ${formatCpu(smallestRaise.cpu)} worth a PR`,
        });
      else if (!up && cut < smallestCut[q.resource]) {
        const fmt = q.resource === 'cpu' ? formatCpu : formatMemory;
        small.push({
          f,
          reason: `a ${fmt(cut)} cut is below the ${fmt(smallestCut[q.resource])} worth a PR`,
        });
      } else carriers.push(f);
      continue;
    }
    if (reversal) {
      dropField(
        ctx,
        f,
        policy,
        'min-change',
        `a ${(rel * 100).toFixed(1)}% change would reverse Tidemark's change on ${reversal.date}; reversing within 7 days needs ${(threshold * 100).toFixed(0)}%`,
      );
      dropLimits(ctx, q.container, q.resource, policy);
      continue;
    }
    small.push({
      f,
      reason: `a ${(rel * 100).toFixed(1)}% change is below the ${(threshold * 100).toFixed(0)}% worth a PR`,
    });
  }
  for (const { f, reason } of small) {
    const q = f.quantity!;
    const carrier = carriers.find((c) => c.quantity!.container === q.container);
    if (carrier) {
      ctx.outcomes.push({
        policy,
        rule: 'min-change',
        decision: 'accepted',
        reason: `${reason} on its own; it goes out with the ${carrier.quantity!.resource} change (one rollout)`,
        field: `${q.container} ${q.resource} request`,
      });
      continue;
    }
    dropField(ctx, f, policy, 'min-change', reason);
    dropLimits(ctx, q.container, q.resource, policy);
  }
};

/** A limit only moves with its request. */
function dropLimits(ctx: Parameters<Rule>[0], container: string, resource: string, policy: string): void {
  for (const l of quantityFields(ctx, 'limit').filter(
    (x) => x.quantity!.container === container && x.quantity!.resource === resource,
  )) {
    dropField(ctx, l, policy, 'min-change', 'its request does not change');
  }
}

/** Our latest change to this request within the window: its date and whether it went up. */
function lastChange(
  ctx: Parameters<Rule>[0],
  container: string,
  resource: string,
  window: number,
): { date: string; up: boolean } | undefined {
  const last = ctx.model.history
    .filter(
      (h) =>
        h.workload === ctx.workload.key &&
        h.field.endsWith(`/${container}/requests/${resource}`) &&
        h.time >= ctx.now - window &&
        h.from !== undefined &&
        h.to !== undefined,
    )
    .sort((a, b) => b.time - a.time)[0];
  if (!last) return undefined;
  try {
    const from = parseQuantity(last.from!);
    const to = parseQuantity(last.to!);
    if (to === from) return undefined;
    return { date: new Date(last.time * 1000).toISOString().slice(0, 10), up: to > from };
  } catch {
    return undefined; // an unreadable trailer value: no damping
  }
}
