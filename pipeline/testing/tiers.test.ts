import {
  decideTiers,
  encodeDecision,
  missingRequired,
  missingRequiredMessage,
  runDecision,
  summaryLine,
  TierConfigError,
  TIER_DECISION_ENV,
  type Probe,
  type TierName,
} from './tiers.js';

/** Probes answering from a table, counting their calls. */
function probes(available: Partial<Record<TierName, string | true>>) {
  const calls: TierName[] = [];
  const probe = (name: TierName): Probe => {
    calls.push(name);
    const a = available[name];
    if (a === undefined) return { ok: false, reason: `${name} missing` };
    return a === true ? { ok: true } : { ok: true, detail: a };
  };
  return { probe, calls };
}

const everything = {
  git: true,
  kubectl: true,
  prometheus: true,
  kube: '/bin/k8s',
  schemas: '/ref',
  helm: '/bin/helm',
  'real-repos': '/repos',
  browser: '/usr/bin/chromium',
} as const;

describe('test tiers: the decision made once per run', () => {
  it('probes each tier once, in order, and keeps what the probe found', () => {
    const { probe, calls } = probes(everything);
    const d = decideTiers(probe, {});
    expect(calls).toEqual([
      'git',
      'kubectl',
      'prometheus',
      'kube',
      'schemas',
      'helm',
      'real-repos',
      'browser',
    ]);
    expect(d.tiers.helm).toEqual({ ok: true, detail: '/bin/helm' });
    expect(d.tiers.browser).toEqual({ ok: true, detail: '/usr/bin/chromium' });
    expect(d.tiers.kube).toEqual({ ok: true, detail: '/bin/k8s' });
    expect(d.tiers.git).toEqual({ ok: true });
    expect(d.required).toEqual(['git', 'kubectl']);
    expect(missingRequired(d)).toEqual([]);
  });

  it('does not probe a tier skipped on request, and marks it as skipped on request', () => {
    const { probe, calls } = probes(everything);
    const d = decideTiers(probe, { skip: ' kube , prometheus' });
    expect(calls).toEqual(['git', 'kubectl', 'schemas', 'helm', 'real-repos', 'browser']);
    expect(d.tiers.kube).toEqual({ ok: false, forced: true, reason: 'skipped by TIDEMARK_SKIP_TIERS' });
    expect(d.tiers.prometheus.ok).toBe(false);
  });

  it('refuses unknown tier names and skipping a tier the suites use without a gate', () => {
    const { probe } = probes(everything);
    expect(() => decideTiers(probe, { skip: 'kube,helm3' })).toThrow(
      new TierConfigError(
        'TIDEMARK_SKIP_TIERS: unknown tier "helm3" (known: git, kubectl, prometheus, kube, schemas, helm, real-repos, browser)',
      ),
    );
    expect(() => decideTiers(probe, { require: 'k8s' })).toThrow(
      /TIDEMARK_REQUIRE_TIERS: unknown tier "k8s"/,
    );
    expect(() => decideTiers(probe, { skip: 'git' })).toThrow(/the git tier cannot be skipped/);
  });

  it('requires every tier under TIDEMARK_REQUIRE_TIERS=1, the listed ones for a list, only git and kubectl otherwise', () => {
    const { probe } = probes({ git: true, kubectl: true, schemas: '/ref' });
    expect(decideTiers(probe, { require: '1' }).required).toEqual([
      'git',
      'kubectl',
      'prometheus',
      'kube',
      'schemas',
      'helm',
      'real-repos',
      'browser',
    ]);
    expect(decideTiers(probe, { require: 'kube' }).required).toEqual(['git', 'kubectl', 'kube']);
    expect(decideTiers(probe, { require: '0' }).required).toEqual(['git', 'kubectl']);
    const ci = decideTiers(probe, { require: '1' });
    expect(missingRequired(ci)).toEqual(['prometheus', 'kube', 'helm', 'real-repos', 'browser']);
    expect(missingRequiredMessage(ci)).toBe(
      [
        'required test tiers cannot run:',
        '  prometheus (a real Prometheus backfilled with promtool): prometheus missing; required by TIDEMARK_REQUIRE_TIERS; to enable: apt-get install prometheus (prometheus and promtool)',
        '  kube (a real etcd + kube-apiserver (the control-plane and guardian suites)): kube missing; required by TIDEMARK_REQUIRE_TIERS; to enable: run pipeline/testing/control-plane/build.sh or set TIDEMARK_K8S_BIN',
        '  helm (the real `helm` v4 (`helm template` of chart layouts, kustomize `helmCharts:`)): helm missing; required by TIDEMARK_REQUIRE_TIERS; to enable: run pipeline/testing/helm/build.sh or set TIDEMARK_HELM_BIN',
        '  real-repos (layout tests on public GitOps repositories (the snapshots in shared/real-repos)): real-repos missing; required by TIDEMARK_REQUIRE_TIERS; to enable: set TIDEMARK_REAL_REPOS to the snapshot folder (shared/real-repos)',
        '  browser (report.html opened in a real Chromium (playwright-core), network off): browser missing; required by TIDEMARK_REQUIRE_TIERS; to enable: apt-get install chromium, or set TIDEMARK_CHROMIUM to a Chromium binary',
      ].join('\n'),
    );
  });

  it('a skip on request still fails a run that requires the tier', () => {
    const { probe } = probes(everything);
    expect(missingRequired(decideTiers(probe, { skip: 'schemas', require: '1' }))).toEqual(['schemas']);
  });

  it('a missing git fails every run, required or not', () => {
    const { probe } = probes({ kubectl: true });
    const d = decideTiers(probe, {});
    expect(missingRequired(d)).toEqual(['git']);
    expect(missingRequiredMessage(d)).toMatch(
      /git .*: git missing; every run needs it; to enable: install git/,
    );
  });

  it('ends the run with one line: each skipped tier and how to enable it, or that none was skipped', () => {
    expect(summaryLine(decideTiers(probes(everything).probe, {}))).toBe(
      'SKIPPED TIERS: none (git, kubectl, prometheus, kube, schemas, helm, real-repos, browser all available)',
    );
    const d = decideTiers(probes({ git: true, kubectl: true, prometheus: true }).probe, {
      skip: 'prometheus',
    });
    expect(summaryLine(d)).toBe(
      'SKIPPED TIERS: prometheus (skipped by TIDEMARK_SKIP_TIERS), ' +
        'kube (run pipeline/testing/control-plane/build.sh or set TIDEMARK_K8S_BIN), ' +
        'schemas (set TIDEMARK_REFERENCE_SCHEMAS to the upstream schema folder (shared/reference/schemas)), ' +
        'helm (run pipeline/testing/helm/build.sh or set TIDEMARK_HELM_BIN), ' +
        'real-repos (set TIDEMARK_REAL_REPOS to the snapshot folder (shared/real-repos)), ' +
        'browser (apt-get install chromium, or set TIDEMARK_CHROMIUM to a Chromium binary)',
    );
  });

  it('reaches the suites through the environment, and a suite outside the run setup is told so', () => {
    const d = decideTiers(probes({ git: true, kubectl: true, kube: '/k' }).probe, {});
    expect(runDecision({ [TIER_DECISION_ENV]: encodeDecision(d) })).toEqual(d);
    expect(() => runDecision({})).toThrow(/TIDEMARK_TIERS unset.*jest\.config\.js/);
  });
});
