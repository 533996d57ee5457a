/**
 * What global setup probes to decide the run's tiers (tiers.ts). Only global setup calls these:
 * suites read the decision, so a tier cannot change its answer halfway through a run.
 */
import { spawnSync } from 'node:child_process';
import { controlPlaneBinDir } from './control-plane/index.js';
import { prometheusAvailable } from './prometheus.js';
import { findReferenceSchemaDir } from './reference-schemas.js';
import { probeHelm } from './helm/index.js';
import { probeRealRepos } from './real-repos.js';
import { findChromium } from './browser-binary.js';
import type { Probe, TierName } from './tiers.js';

function runs(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

export function probeTier(name: TierName): Probe {
  switch (name) {
    case 'git':
      return runs('git', ['--version']) ? { ok: true } : { ok: false, reason: 'git is not on PATH' };
    case 'kubectl':
      return runs('kubectl', ['version', '--client'])
        ? { ok: true }
        : { ok: false, reason: 'kubectl is not on PATH' };
    case 'prometheus': {
      // Installs Debian's package when we are root: once, here, before any suite runs.
      const a = prometheusAvailable();
      return a.ok ? { ok: true } : a;
    }
    case 'kube': {
      const dir = controlPlaneBinDir();
      return dir
        ? { ok: true, detail: dir }
        : {
            ok: false,
            reason: 'etcd/kube-apiserver not built (TIDEMARK_K8S_BIN unset, none in the build cache)',
          };
    }
    case 'browser': {
      const bin = findChromium();
      return bin
        ? { ok: true, detail: bin }
        : {
            ok: false,
            reason: 'no Chromium (TIDEMARK_CHROMIUM unset, none at /usr/bin/chromium or on PATH)',
          };
    }
    case 'schemas': {
      const dir = findReferenceSchemaDir();
      return dir
        ? { ok: true, detail: dir }
        : {
            ok: false,
            reason: 'no upstream schema folder (TIDEMARK_REFERENCE_SCHEMAS unset, none beside the checkout)',
          };
    }
    case 'helm':
      return probeHelm();
    case 'real-repos':
      return probeRealRepos();
  }
}
