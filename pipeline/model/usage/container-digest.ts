/**
 * Placeholder state shape; the estimator work (analyze/rightsize) owns and extends it.
 */
export interface ContainerDigestState {
  /** Raw CPU counter samples behind the digest. */
  samples: number;
  /** Intervals with data, summed over pods. */
  intervals: number;
  /** Unix seconds of the first and last interval with data. */
  firstSeen: number;
  lastSeen: number;
  peakCpu: number;
  peakMemory: number;
}
