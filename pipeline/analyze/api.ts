/**
 * The analyzer registry: one line per analyzer. A conformance test (api.test.ts) fails when a
 * folder under analyze/ is not registered here or does not have the common shape.
 */
import type { Analyzer, AnalyzerId } from './types.js';
import { rightsize } from './rightsize/index.js';
import { hpa } from './hpa/index.js';
import { cronhpa } from './cronhpa/index.js';
import { overcommit } from './overcommit/index.js';
import { scaledown } from './scaledown/index.js';
import { placement } from './placement/index.js';

const registry = new Map<AnalyzerId, Analyzer<never>>();

export function registerAnalyzer<A>(analyzer: Analyzer<A>): void {
  if (registry.has(analyzer.id)) throw new Error(`analyzer registered twice: ${analyzer.id}`);
  registry.set(analyzer.id, analyzer as unknown as Analyzer<never>);
}

export function getAnalyzers(): Analyzer<unknown>[] {
  return [...registry.values()] as unknown as Analyzer<unknown>[];
}

export function getAnalyzer(id: AnalyzerId): Analyzer<unknown> | undefined {
  return registry.get(id) as unknown as Analyzer<unknown> | undefined;
}

registerAnalyzer(rightsize);
registerAnalyzer(hpa);
registerAnalyzer(cronhpa);
registerAnalyzer(overcommit);
registerAnalyzer(scaledown);
registerAnalyzer(placement);
