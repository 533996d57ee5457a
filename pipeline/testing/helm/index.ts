/**
 * The real `helm` v4 the chart layout tests run, built by ./build.sh into
 * ~/.cache/tidemark/helm-<version>/bin (or TIDEMARK_HELM_BIN). Which binary (if any) is decided
 * once per run, as the `helm` tier (tiers.ts); suites read that decision through helmBin().
 */
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runDecision } from '../tiers.js';
import type { Probe } from '../tiers.js';

/** TIDEMARK_HELM_BIN, else the newest finished build under build.sh's cache ($TIDEMARK_CACHE, ~/.cache/tidemark). */
export function helmBinDir(): string | undefined {
  const fromEnv = process.env.TIDEMARK_HELM_BIN;
  if (fromEnv) return fromEnv;
  const cache = process.env.TIDEMARK_CACHE ?? join(homedir(), '.cache', 'tidemark');
  if (!existsSync(cache)) return undefined;
  return readdirSync(cache)
    .filter((d) => /^helm-v4\./.test(d))
    .sort()
    .reverse()
    .map((d) => join(cache, d, 'bin'))
    .find((d) => existsSync(join(d, 'helm')) && existsSync(join(d, 'helm.ok')));
}

/** The probe (global setup only): a folder whose `helm` runs and is v4. */
export function probeHelm(): Probe {
  const dir = helmBinDir();
  if (!dir)
    return { ok: false, reason: 'helm v4 not built (TIDEMARK_HELM_BIN unset, none in the build cache)' };
  const r = spawnSync(join(dir, 'helm'), ['version', '--short'], { encoding: 'utf8' });
  if (r.status !== 0)
    return {
      ok: false,
      reason: `${join(dir, 'helm')} does not run (${(r.stderr || r.error?.message || `exit ${r.status}`).trim()})`,
    };
  if (!/^v4\./.test(r.stdout.trim()))
    return { ok: false, reason: `${join(dir, 'helm')} is ${r.stdout.trim()}, not helm v4` };
  return { ok: true, detail: dir };
}

/** The run's helm bin folder; only inside a suite gated on the `helm` tier. */
export function helmBin(): string {
  const t = runDecision().tiers.helm;
  if (!t.ok || !t.detail) throw new Error('the helm tier is skipped in this run: gate the suite on it');
  return t.detail;
}
