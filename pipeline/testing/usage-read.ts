/** Reading a metrics source to the end, and looking at what came back, for the source tests. */
import { silentLogger, type Logger } from '../core/logger.js';
import type { MetricsSource, UsageBatch, UsageRequest, UsageSeries } from '../collect/types.js';

/** Every batch of `readUsage`, concatenated, and how many batches there were. */
export async function readAllUsage(
  src: MetricsSource,
  r: UsageRequest,
  logger: Logger = silentLogger,
): Promise<UsageBatch & { batches: number }> {
  const out = {
    series: [] as UsageSeries[],
    ooms: [] as UsageBatch['ooms'],
    restarts: [] as NonNullable<UsageBatch['restarts']>,
    batches: 0,
  };
  for await (const b of src.readUsage(r, { logger })) {
    out.batches++;
    out.series.push(...b.series);
    out.ooms.push(...b.ooms);
    out.restarts.push(...(b.restarts ?? []));
  }
  return out;
}

export const seriesKey = (s: { namespace: string; pod: string; container: string }): string =>
  `${s.namespace}/${s.pod}/${s.container}`;

/** Value at window slot i (NaN outside the trimmed series). */
export function valueAt(s: UsageSeries, field: 'cpuMean' | 'cpuMax' | 'memMax', i: number): number {
  const j = i - s.offset;
  return j >= 0 && j < s[field].length ? s[field][j]! : NaN;
}
