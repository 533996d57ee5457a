/**
 * Jest global setup. Integration tiers start their own real components (Prometheus, git remote,
 * kube-apiserver) per suite or through helpers in pipeline/testing; this hook only records that
 * the run started, so tiers can report what they skipped at the end.
 */
export default async function globalSetup(): Promise<void> {
  process.env.TIDEMARK_TEST_RUN = String(Date.now());
}
