/** Analyzers run in dependency order (`after`), so HPA sees right-sizing's new requests. */
import type { Analyzer, AnalyzerId } from '../analyze/types.js';

export function orderAnalyzers(analyzers: Analyzer<unknown>[]): Analyzer<unknown>[] {
  const byId = new Map(analyzers.map((a) => [a.id, a]));
  const out: Analyzer<unknown>[] = [];
  const state = new Map<AnalyzerId, 'visiting' | 'done'>();
  const visit = (a: Analyzer<unknown>, chain: AnalyzerId[]): void => {
    const s = state.get(a.id);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`analyzer dependency cycle: ${[...chain, a.id].join(' → ')}`);
    state.set(a.id, 'visiting');
    for (const dep of a.after ?? []) {
      const d = byId.get(dep);
      if (d) visit(d, [...chain, a.id]);
    }
    state.set(a.id, 'done');
    out.push(a);
  };
  for (const a of [...analyzers].sort((x, y) => x.id.localeCompare(y.id))) visit(a, []);
  return out;
}
