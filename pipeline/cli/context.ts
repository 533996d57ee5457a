import type { Logger } from '../core/logger.js';
import type { PlanDeps } from '../plan/run.js';

/** What every command gets: a logger, an output sink, and (in tests) replaced dependencies. */
export interface CliContext {
  logger: Logger;
  stdout: (text: string) => void;
  deps?: PlanDeps;
}
