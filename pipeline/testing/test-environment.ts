/**
 * Jest's node environment, with a temp folder per suite: TMPDIR points into a folder inside the
 * run's temp folder (run-temp.ts) while the suite runs, and the folder is removed when it ends,
 * so temp repositories, clones, demo workspaces and servers' data do not pile up over a run.
 * Loaded by Jest through Node's own resolver: builtins and packages only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestEnvironment as NodeEnvironment } from 'jest-environment-node';
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';

/** run-temp.ts RUN_TMP_ENV. */
const RUN_TMP_ENV = 'TIDEMARK_TEST_RUN_TMP';

export default class TidemarkEnvironment extends NodeEnvironment {
  private readonly suiteTmp: string;
  private readonly parentTmp: string | undefined;

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    this.parentTmp = process.env.TMPDIR;
    this.suiteTmp = mkdtempSync(join(process.env[RUN_TMP_ENV] ?? tmpdir(), 'tidemark-suite-'));
    // os.tmpdir() reads the worker's own environment; the suite's copy is for what it spawns.
    process.env.TMPDIR = this.suiteTmp;
    this.global.process.env.TMPDIR = this.suiteTmp;
  }

  override async teardown(): Promise<void> {
    await super.teardown();
    rmSync(this.suiteTmp, { recursive: true, force: true });
    if (this.parentTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = this.parentTmp;
  }
}
