/**
 * What makes a usage sample invalid, for every metrics source alike: negative, not a finite
 * number, or more than the container's node holds. Memory samples of 1e18 bytes once became
 * "512Mi → 64Gi"; an invalid sample is dropped, counted per source (plan.json
 * `sources.metrics.invalidSamples`) and warned about once, with the first one as an example.
 *
 * The test on the hot path is one comparison chain per value, `v >= 0 && v <= ceiling`, which NaN,
 * negatives, +Inf and values above the ceiling all fail; only a failing value pays for the reason.
 */
import type { Logger } from '../core/logger.js';
import { humanBytes } from '../core/quantity.js';
import type { InvalidSamples, SampleCeiling, UsageRequest } from './types.js';

/**
 * CPU rates may exceed the node's cores by scrape jitter (an irate over one interval whose
 * timestamps are a second off reads a few percent high); a corrupt counter is off by orders of
 * magnitude. Memory is exact: a working set cannot exceed the node's memory.
 */
export const CPU_CEILING_FACTOR = 2;

export type InvalidReason = 'negative' | 'nonFinite' | 'aboveNode';

export function newInvalidSamples(): InvalidSamples {
  return { total: 0, negative: 0, nonFinite: 0, aboveNode: 0 };
}

/** The largest finite number: +Inf is above it, so one comparison catches it too. */
export const NO_CEILING = Number.MAX_VALUE;

/** The highest valid CPU rate (cores) under a ceiling. */
export function cpuCeiling(c: SampleCeiling): number {
  return Math.min(c.cpuCores * CPU_CEILING_FACTOR, NO_CEILING);
}

/** The ceiling of a kind of value, as a reader would write it. */
export function describeCeiling(c: SampleCeiling, cpu: boolean): string {
  const where = c.node ?? 'the largest node';
  return cpu
    ? `${c.cpuCores} cores × ${CPU_CEILING_FACTOR} on ${where}`
    : `${humanBytes(c.memoryBytes)} on ${where}`;
}

/** Why `v` failed `v >= 0 && v <= ceiling`. */
export function invalidReason(v: number): InvalidReason {
  if (!Number.isFinite(v)) return 'nonFinite';
  return v < 0 ? 'negative' : 'aboveNode';
}

export function recordInvalid(s: InvalidSamples, reason: InvalidReason, example: () => string): void {
  s.total++;
  s[reason]++;
  s.example ??= example();
}

export function addInvalid(into: InvalidSamples, from: InvalidSamples): void {
  into.total += from.total;
  into.negative += from.negative;
  into.nonFinite += from.nonFinite;
  into.aboveNode += from.aboveNode;
  into.example ??= from.example;
}

export function describeInvalid(reason: InvalidReason, limit: string): string {
  return reason === 'negative'
    ? 'negative'
    : reason === 'nonFinite'
      ? 'not a finite number'
      : `above its node's capacity (${limit})`;
}

/** Warns once per read, when anything was dropped. */
export function warnInvalid(logger: Logger, source: string, s: InvalidSamples): void {
  if (!s.total) return;
  logger.warn('invalid usage samples dropped (negative, not finite, or above the node)', {
    source,
    invalidSamples: s.total,
    negative: s.negative,
    nonFinite: s.nonFinite,
    aboveNode: s.aboveNode,
    example: s.example,
  });
}

/** Ceilings per container instance ("ns/pod/container"), and the one for anything else. */
export interface CeilingIndex {
  of(namespace: string, pod: string, container: string): SampleCeiling;
}

export function ceilingIndex(request: UsageRequest): CeilingIndex {
  const fallback: SampleCeiling = request.ceiling ?? { cpuCores: NO_CEILING, memoryBytes: NO_CEILING };
  const byKey = new Map<string, SampleCeiling>();
  for (const c of request.containers)
    if (c.ceiling) byKey.set(`${c.namespace}/${c.pod}/${c.container}`, c.ceiling);
  return { of: (ns, pod, container) => byKey.get(`${ns}/${pod}/${container}`) ?? fallback };
}
