/** Stops the run's shared control plane; other tiers stop their own processes by PID. */
export default async function globalTeardown(): Promise<void> {
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
