/**
 * Every write the publish stage makes (push, PR create/update/close, label, comment, auto-merge)
 * goes through this gate, so `--dry-run=full` takes the same code path and logs each write it
 * would make instead of making it.
 */
import type { Logger } from '../core/logger.js';

export type DryRun = 'none' | 'plan' | 'full';

export interface WriteGate {
  readonly dryRun: DryRun;
  readonly writes: { action: string; target: string; done: boolean }[];
  write<T>(action: string, target: string, fn: () => Promise<T>): Promise<T | undefined>;
}

export function createWriteGate(dryRun: DryRun, logger: Logger): WriteGate {
  const writes: WriteGate['writes'] = [];
  return {
    dryRun,
    writes,
    async write(action, target, fn) {
      if (dryRun !== 'none') {
        writes.push({ action, target, done: false });
        logger.info('would write (dry run)', { action, target });
        return undefined;
      }
      const out = await fn();
      writes.push({ action, target, done: true });
      logger.info('wrote', { action, target });
      return out;
    },
  };
}
