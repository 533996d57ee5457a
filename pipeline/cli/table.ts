/** The terminal table `plan` prints: workload, container, resource, current → proposed, decision, why. */
import type { PlanDocument } from '../plan/plan-document.js';
import { rowsOf } from '../render/pr-body/rows.js';
import { describeMonthlyEffect } from '../plan/savings.js';

export function renderPlanTable(doc: PlanDocument, opts: { width?: number } = {}): string {
  const width = opts.width ?? 160;
  const out: string[] = [];
  for (const c of doc.clusters) {
    const rows = rowsOf(c.recommendations);
    out.push(
      `cluster ${c.name}: ${c.summary.recommendations} recommendation(s) — ${c.summary.accepted} accepted, ${c.summary.clamped} clamped, ${c.summary.rejected} rejected; ${c.summary.workloadsChanged} workload(s) changed; ${c.skipped.length} skipped; ${describeMonthlyEffect(c.summary.savings.total, doc.prices.currency)}`,
    );
    if (!rows.length) {
      out.push('  (no recommendations)');
      continue;
    }
    const header = ['WORKLOAD', 'CONTAINER', 'RESOURCE', 'CURRENT → PROPOSED', 'DECISION', 'WHY'];
    const data = rows.map((r) => [
      `${r.namespace}/${r.workload}`,
      r.container,
      r.resource,
      `${r.current} → ${r.proposed}`,
      r.decision,
      r.why,
    ]);
    const cols = header.map((h, i) => Math.max(h.length, ...data.map((d) => d[i]!.length)));
    const fixed = cols.slice(0, 5).reduce((a, b) => a + b + 2, 0);
    cols[5] = Math.max(20, Math.min(cols[5]!, width - fixed));
    const line = (cells: string[]): string =>
      cells
        .map((cell, i) => (i === 5 ? truncate(cell, cols[5]!) : cell.padEnd(cols[i]!)))
        .join('  ')
        .trimEnd();
    out.push(line(header));
    for (const d of data) out.push(line(d));
    const skippedByReason = new Map<string, number>();
    for (const s of c.skipped) skippedByReason.set(s.reason, (skippedByReason.get(s.reason) ?? 0) + 1);
    if (skippedByReason.size)
      out.push(
        `skipped: ${[...skippedByReason].map(([r, n]) => `${r} ×${n}`).join(', ')} (details in plan.json)`,
      );
  }
  return out.join('\n') + '\n';
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1) + '…';
}
