/**
 * The test run's temp folder. Global setup points TMPDIR into one `tidemark-test-run-*` folder,
 * inherited by Jest's workers and every child process they start; global teardown removes it.
 * Helpers and suites keep calling os.tmpdir(): nothing they leave there outlives the run, and
 * test-environment.ts narrows TMPDIR to a folder per suite, removed when the suite ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Read by test-environment.ts under the same name. */
export const RUN_TMP_ENV = 'TIDEMARK_TEST_RUN_TMP';

export function startRunTemp(env: NodeJS.ProcessEnv = process.env): string {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-test-run-'));
  env[RUN_TMP_ENV] = dir;
  env.TMPDIR = dir;
  return dir;
}

export function endRunTemp(env: NodeJS.ProcessEnv = process.env): void {
  const dir = env[RUN_TMP_ENV];
  if (dir) rmSync(dir, { recursive: true, force: true });
}
