/**
 * Ends the run: stops the shared control plane (other tiers stop their own processes by PID),
 * removes the run's temp folder, and prints the run's last line: the tiers it skipped and how to
 * enable each (tiers.ts). Jest runs this after its own summary, so the line is the last one.
 */
import { tsImport } from 'tsx/esm/api';
import type * as TiersModule from './tiers.js';
import type * as RunTempModule from './run-temp.js';

export default async function globalTeardown(): Promise<void> {
  await stopSharedCluster();
  const temp = (await tsImport('./run-temp.ts', import.meta.url)) as typeof RunTempModule;
  temp.endRunTemp();
  const tiers = (await tsImport('./tiers.ts', import.meta.url)) as typeof TiersModule;
  process.stderr.write(`${tiers.summaryLine(tiers.runDecision())}\n`);
}

async function stopSharedCluster(): Promise<void> {
  const pid = (globalThis as { __tidemarkClusterPid?: number }).__tidemarkClusterPid;
  if (!pid) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  process.kill(pid, 'SIGKILL');
}
