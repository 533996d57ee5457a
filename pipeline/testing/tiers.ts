/**
 * The integration tiers of a test run, decided once by Jest's global setup (global-setup.ts) and
 * read by every suite's gate. A tier that becomes available halfway through a run (control-plane
 * binaries finishing their build while suites run) stays skipped until the next run, so no suite
 * finds a tier that the setup did not prepare.
 *
 * This file holds the decision only (no probing, no jest): global setup loads it through tsx,
 * and its unit test drives it with made-up probes.
 */

export type TierName =
  'git' | 'kubectl' | 'prometheus' | 'kube' | 'schemas' | 'helm' | 'real-repos' | 'browser';

export interface TierSpec {
  name: TierName;
  /** What runs on this tier. */
  what: string;
  /** How a developer makes it available; printed in the run's last line when it was skipped. */
  enable: string;
  /** The suites use it without a gate (README "Tests": skipped never), so a run cannot go on without it. */
  always: boolean;
}

export const TIERS: readonly TierSpec[] = [
  {
    name: 'git',
    what: 'git repositories, the smart-HTTP remote and the publish suites',
    enable: 'install git (apt-get install git)',
    always: true,
  },
  {
    name: 'kubectl',
    what: '`kubectl kustomize` builds of rendered overlays and deploy/',
    enable: 'put kubectl on PATH',
    always: true,
  },
  {
    name: 'prometheus',
    what: 'a real Prometheus backfilled with promtool',
    enable: 'apt-get install prometheus (prometheus and promtool)',
    always: false,
  },
  {
    name: 'kube',
    what: 'a real etcd + kube-apiserver (the control-plane and guardian suites)',
    enable: 'run pipeline/testing/control-plane/build.sh or set TIDEMARK_K8S_BIN',
    always: false,
  },
  {
    name: 'schemas',
    what: 'upstream JSON Schemas cross-checking rendered objects',
    enable: 'set TIDEMARK_REFERENCE_SCHEMAS to the upstream schema folder (shared/reference/schemas)',
    always: false,
  },
  {
    name: 'helm',
    what: 'the real `helm` v4 (`helm template` of chart layouts, kustomize `helmCharts:`)',
    enable: 'run pipeline/testing/helm/build.sh or set TIDEMARK_HELM_BIN',
    always: false,
  },
  {
    name: 'real-repos',
    what: 'layout tests on public GitOps repositories (the snapshots in shared/real-repos)',
    enable: 'set TIDEMARK_REAL_REPOS to the snapshot folder (shared/real-repos)',
    always: false,
  },
  {
    name: 'browser',
    what: 'report.html opened in a real Chromium (playwright-core), network off',
    enable: 'apt-get install chromium, or set TIDEMARK_CHROMIUM to a Chromium binary',
    always: false,
  },
];

export const TIER_NAMES: readonly TierName[] = TIERS.map((t) => t.name);

/** What a probe found: available (with e.g. the binary folder it found), or why not. */
export type Probe = { ok: true; detail?: string } | { ok: false; reason: string };

export interface TierState {
  ok: boolean;
  /** Where it was found (a folder), when the tier has one. */
  detail?: string;
  /** Why it is skipped. */
  reason?: string;
  /** Skipped on request (TIDEMARK_SKIP_TIERS), not for want of anything. */
  forced?: boolean;
}

export interface TierDecision {
  tiers: Record<TierName, TierState>;
  /** Tiers whose skip fails the run. */
  required: TierName[];
}

/** The environment variables the decision reads (see README "Environment variables"). */
export interface TierEnv {
  /** TIDEMARK_SKIP_TIERS: comma-separated tiers not to run even when available. */
  skip?: string;
  /** TIDEMARK_REQUIRE_TIERS: `1` for every tier, or a comma-separated list; unset or `0` for none. */
  require?: string;
}

export class TierConfigError extends Error {
  override name = 'TierConfigError';
}

function names(variable: string, value: string | undefined): TierName[] {
  const out: TierName[] = [];
  for (const raw of (value ?? '').split(',')) {
    const n = raw.trim();
    if (!n) continue;
    if (!(TIER_NAMES as readonly string[]).includes(n))
      throw new TierConfigError(`${variable}: unknown tier "${n}" (known: ${TIER_NAMES.join(', ')})`);
    out.push(n as TierName);
  }
  return out;
}

/**
 * Decides every tier once. `probe` is called at most once per tier, and never for a tier skipped
 * on request; tiers the suites cannot run without (`always`) are always required.
 */
export function decideTiers(probe: (name: TierName) => Probe, env: TierEnv): TierDecision {
  const skip = new Set(names('TIDEMARK_SKIP_TIERS', env.skip));
  const requireValue = (env.require ?? '').trim();
  const requested =
    requireValue === '1'
      ? [...TIER_NAMES]
      : requireValue === '0'
        ? []
        : names('TIDEMARK_REQUIRE_TIERS', requireValue);
  const tiers = {} as Record<TierName, TierState>;
  for (const spec of TIERS) {
    if (skip.has(spec.name)) {
      if (spec.always)
        throw new TierConfigError(
          `TIDEMARK_SKIP_TIERS: the ${spec.name} tier cannot be skipped (${spec.what} run without a gate)`,
        );
      tiers[spec.name] = { ok: false, forced: true, reason: 'skipped by TIDEMARK_SKIP_TIERS' };
      continue;
    }
    const p = probe(spec.name);
    tiers[spec.name] = p.ok
      ? { ok: true, ...(p.detail ? { detail: p.detail } : {}) }
      : { ok: false, reason: p.reason };
  }
  const required = TIERS.filter((t) => t.always || requested.includes(t.name)).map((t) => t.name);
  return { tiers, required };
}

export function skippedTiers(d: TierDecision): TierName[] {
  return TIER_NAMES.filter((n) => !d.tiers[n].ok);
}

/** The required tiers that cannot run; non-empty fails the run before any suite starts. */
export function missingRequired(d: TierDecision): TierName[] {
  return d.required.filter((n) => !d.tiers[n].ok);
}

function spec(name: TierName): TierSpec {
  return TIERS.find((t) => t.name === name)!;
}

/** The error that ends a run missing required tiers: each tier, why, and how to enable it. */
export function missingRequiredMessage(d: TierDecision): string {
  const lines = missingRequired(d).map((n) => {
    const t = d.tiers[n];
    const why = spec(n).always ? 'every run needs it' : 'required by TIDEMARK_REQUIRE_TIERS';
    return `  ${n} (${spec(n).what}): ${t.reason}; ${why}; to enable: ${spec(n).enable}`;
  });
  return `required test tiers cannot run:\n${lines.join('\n')}`;
}

/** The one line that ends every run. */
export function summaryLine(d: TierDecision): string {
  const skipped = skippedTiers(d);
  if (!skipped.length) return `SKIPPED TIERS: none (${TIER_NAMES.join(', ')} all available)`;
  const parts = skipped.map((n) =>
    d.tiers[n].forced ? `${n} (skipped by TIDEMARK_SKIP_TIERS)` : `${n} (${spec(n).enable})`,
  );
  return `SKIPPED TIERS: ${parts.join(', ')}`;
}

/** Where global setup leaves the decision for the suites (workers inherit the environment). */
export const TIER_DECISION_ENV = 'TIDEMARK_TIERS';

export function encodeDecision(d: TierDecision): string {
  return JSON.stringify(d);
}

/** The run's decision, as global setup left it; a suite outside that setup has none and says so. */
export function runDecision(env: Record<string, string | undefined> = process.env): TierDecision {
  const raw = env[TIER_DECISION_ENV];
  if (!raw)
    throw new TierConfigError(
      `no test tier decision (${TIER_DECISION_ENV} unset): run the suites through jest.config.js, whose globalSetup decides the tiers`,
    );
  return JSON.parse(raw) as TierDecision;
}
