/**
 * The Helm tier's gate (jest only): the real `helm` v4 built by ./build.sh into
 * ~/.cache/tidemark/helm-<version>/bin (or TIDEMARK_HELM_BIN).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

export function helmBinDir(): string | undefined {
  const fromEnv = process.env.TIDEMARK_HELM_BIN;
  if (fromEnv && existsSync(join(fromEnv, 'helm'))) return fromEnv;
  const cache = join(process.env.HOME ?? '/root', '.cache', 'tidemark');
  if (!existsSync(cache)) return undefined;
  const dirs = readdirSync(cache)
    .filter((d) => /^helm-v4\./.test(d))
    .sort()
    .map((d) => join(cache, d, 'bin'));
  return dirs.reverse().find((d) => existsSync(join(d, 'helm')) && existsSync(join(d, 'helm.ok')));
}

function hasKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A tier's describe, or describe.skip with a printed SKIPPED line; a failure under TIDEMARK_REQUIRE_TIERS=1. */
function gate(tier: string, reason: string | undefined): jest.Describe {
  if (!reason) return describe;
  if (process.env.TIDEMARK_REQUIRE_TIERS === '1') throw new Error(`the ${tier} tier is required: ${reason}`);
  process.stderr.write(`SKIPPED: ${tier} tier — ${reason}\n`);
  return describe.skip;
}

export function describeWithKubectl(): jest.Describe {
  return gate('kustomize build', hasKubectl() ? undefined : 'kubectl is not on PATH');
}

export function describeWithHelm(): jest.Describe {
  return gate(
    'helm',
    !hasKubectl()
      ? 'kubectl is not on PATH'
      : helmBinDir()
        ? undefined
        : 'helm not built (pipeline/testing/helm/build.sh)',
  );
}

/** describe for a test on a real repository snapshot under ../shared/real-repos, or a printed skip. */
export function describeWithRealRepo(dir: string | undefined, name: string): jest.Describe {
  return gate('real-repos', dir ? undefined : `../shared/real-repos/${name} is absent`);
}
