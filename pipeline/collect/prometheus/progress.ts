/** Progress for a long metrics read: a bar with ETA on a terminal, plain log lines elsewhere. */
import cliProgress from 'cli-progress';
import type { Logger } from '../../core/logger.js';

export interface Progress {
  tick(fields: Record<string, number>): void;
  stop(): void;
}

export function createProgress(
  mode: 'bar' | 'log' | 'none' | undefined,
  logger: Logger,
  total: number,
): Progress {
  const chosen = mode ?? (process.stderr.isTTY && logger.format === 'human' ? 'bar' : 'log');
  if (chosen === 'none' || total === 0) return { tick() {}, stop() {} };
  if (chosen === 'bar') {
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: 'metrics {bar} {value}/{total} batches | {series} series | ETA {eta_formatted}',
        hideCursor: true,
        clearOnComplete: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { series: 0 });
    return {
      tick: (f) => bar.increment(1, f),
      stop: () => bar.stop(),
    };
  }
  let done = 0;
  const started = Date.now();
  // About twenty lines per run, whatever its size, and always the last one.
  const every = Math.max(1, Math.ceil(total / 20));
  return {
    tick(fields) {
      done++;
      if (done % every !== 0 && done !== total) return;
      const elapsed = (Date.now() - started) / 1000;
      const eta = done ? Math.round((elapsed / done) * (total - done)) : undefined;
      logger.info('metrics progress', { done, total, etaSeconds: eta, ...fields });
    },
    stop() {},
  };
}
