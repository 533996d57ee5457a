export default async function globalTeardown(): Promise<void> {
  /* tiers stop their own processes by PID */
}
