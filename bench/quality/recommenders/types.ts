/** What every recommender in the replay sees and decides, once per simulated day. */
import type { Workload } from '../shapes.js';

export interface Intervals {
  /** 5-minute intervals over the whole horizon. */
  cpuMean: Float32Array;
  cpuMax: Float32Array;
  memMax: Float32Array;
}

export interface OomRecord {
  /** Seconds since the start of the horizon. */
  time: number;
  /** The memory limit (= request) in force when it happened. */
  limit: number;
}

export interface WorkloadState {
  w: Workload;
  iv: Intervals;
  /** Requests in force: millicores and bytes. */
  cpu: number;
  mem: number;
  ooms: OomRecord[];
  /** Tidemark's own change history (what the max-decrease rule reads). */
  history: { time: number; field: string; from: string; to: string }[];
}

export interface Recommender {
  name: string;
  /**
   * Decide requests for `day` (history is everything before day × 86400). Mutates states. The
   * real-trace replay awaits it (Tidemark there runs `tidemark apply`); the generated sets do not.
   */
  decideDay(day: number, states: WorkloadState[]): void | Promise<void>;
}

export const HISTORY_DAYS = 14;
export const MiB = 2 ** 20;
