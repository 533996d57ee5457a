/**
 * The fleet commands: `clusters` lists the jobs of a config (before any credential file exists),
 * `summarize` adds every cluster's plan.json up, with the sums checked by hand.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../cli/main.js';
import { createMemoryLogger } from '../core/logger.js';
import { getValidator } from '../core/json-schema.js';
import { loadConfig } from '../config/load.js';
import { listClusters } from './clusters.js';
import { readPlanFile, summarizeFleet } from './summarize.js';
import { stateDirOf } from './state.js';

async function cli(args: string[]): Promise<{ code: number; out: string; logs: string }> {
  let out = '';
  const logger = createMemoryLogger('debug');
  const orig = process.stderr.write.bind(process.stderr);
  const err: string[] = [];
  (process.stderr as { write: unknown }).write = (c: string): boolean => (err.push(String(c)), true);
  try {
    const code = await main(['--log-format', 'json', ...args], { stdout: (t) => (out += t), logger });
    return { code, out, logs: logger.lines.join('\n') + err.join('') };
  } finally {
    (process.stderr as { write: unknown }).write = orig;
  }
}

/** A fleet config whose credential files are not written yet (as in the job that lists clusters). */
function fleetConfig(extra = ''): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-fleet-'));
  const cluster = (name: string, group?: string): string[] => [
    `  - name: ${name}`,
    ...(group ? [`    group: ${group}`] : []),
    '    kubernetes: { kubeconfig: .tidemark-secrets/kubeconfig }',
    '    metrics: { prometheus: { url: "https://prometheus.example.com", bearerTokenFile: .tidemark-secrets/token } }',
    `    repo: { path: ., root: clusters/${name} }`,
  ];
  const file = join(dir, 'tidemark.yaml');
  writeFileSync(
    file,
    [
      'apiVersion: tidemark.io/v1alpha1',
      'kind: Pipeline',
      'clusters:',
      ...cluster('prod-eu', 'eu'),
      ...cluster('prod-us', 'us'),
      ...cluster('staging-eu', 'eu'),
      ...cluster('lab'),
      extra,
      '',
    ].join('\n'),
  );
  return { dir, file };
}

/** A plan.json as `plan` writes it (schema-valid), with a cluster's summary as given. */
function planDoc(
  clusters: {
    name: string;
    recommendations: number;
    accepted: number;
    clamped: number;
    rejected: number;
    skipped: number;
    workloadsChanged: number;
    savings: { cpu: number; memory: number; cores: number; bytes: number };
  }[],
  currency = 'USD',
): object {
  return {
    apiVersion: 'tidemark.io/v1alpha1',
    kind: 'Plan',
    generatedAt: '2026-12-07T06:20:00Z',
    tidemarkVersion: '0.1.0',
    config: 'tidemark.yaml',
    prices: { cpuCoreHour: 0.031, memoryGiBHour: 0.0042, currency },
    clusters: clusters.map((c) => ({
      name: c.name,
      at: '2026-12-07T06:17:00Z',
      window: { start: '2026-11-23T06:15:00Z', end: '2026-12-07T06:15:00Z', step: 300 },
      recommendations: [],
      skipped: [],
      changes: [],
      summary: {
        recommendations: c.recommendations,
        accepted: c.accepted,
        clamped: c.clamped,
        rejected: c.rejected,
        skipped: c.skipped,
        workloadsChanged: c.workloadsChanged,
        savings: { ...c.savings, total: Math.round((c.savings.cpu + c.savings.memory) * 100) / 100 },
      },
      sources: { metrics: { queries: 10, series: 20, samples: 4000, bytes: 50000 } },
    })),
    run: { stagesMs: { collect: 1000 } },
  };
}

function writePlan(dir: string, doc: object): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'plan.json'), JSON.stringify(doc));
  return dir;
}

const EU = {
  name: 'prod-eu',
  recommendations: 12,
  accepted: 7,
  clamped: 3,
  rejected: 2,
  skipped: 4,
  workloadsChanged: 6,
  savings: { cpu: 45.26, memory: 12.01, cores: 2, bytes: 4 * 2 ** 30 },
};
const US = {
  name: 'prod-us',
  recommendations: 5,
  accepted: 1,
  clamped: 0,
  rejected: 4,
  skipped: 1,
  workloadsChanged: 1,
  savings: { cpu: -2.27, memory: 0.49, cores: -0.1, bytes: 1 * 2 ** 20 },
};

describe('tidemark clusters', () => {
  it('lists every cluster with its group and state folder, before the credential files exist', async () => {
    const { dir, file } = fleetConfig('state: { path: .tidemark-state }');
    const r = await cli(['clusters', '--config', file, '--json']);
    expect(r.code).toBe(0);
    // One line, a matrix's include list; state folders relative to the working directory when under it.
    expect(r.out.split('\n')).toHaveLength(2);
    const state = (n: string): string => join(dir, '.tidemark-state', n);
    expect(JSON.parse(r.out)).toEqual([
      { name: 'prod-eu', group: 'eu', state: state('prod-eu') },
      { name: 'prod-us', group: 'us', state: state('prod-us') },
      { name: 'staging-eu', group: 'eu', state: state('staging-eu') },
      { name: 'lab', state: state('lab') },
    ]);
    expect(listClusters(file, { cwd: dir }).map((c) => c.state)).toEqual([
      '.tidemark-state/prod-eu',
      '.tidemark-state/prod-us',
      '.tidemark-state/staging-eu',
      '.tidemark-state/lab',
    ]);
  });

  it('--group lists one group; an unknown group is a config error naming the groups there are', async () => {
    const { file } = fleetConfig();
    const eu = await cli(['clusters', '--config', file, '--json', '--group', 'eu']);
    expect(JSON.parse(eu.out)).toEqual([
      { name: 'prod-eu', group: 'eu' },
      { name: 'staging-eu', group: 'eu' },
    ]);
    const bad = await cli(['clusters', '--config', file, '--group', 'asia']);
    expect(bad.code).toBe(2);
    expect(bad.logs).toContain('no cluster has group \\"asia\\" (groups: eu, us)');
    expect(bad.out).toBe('');
  });

  it('prints a table without --json', async () => {
    const { file } = fleetConfig();
    const r = await cli(['clusters', '--config', file]);
    expect(r.out).toBe(
      [
        'NAME        GROUP  STATE',
        'prod-eu     eu     -',
        'prod-us     us     -',
        'staging-eu  eu     -',
        'lab         -      -',
        '',
      ].join('\n'),
    );
  });

  it('a config that breaks its schema or repeats a name is refused with exit 2, naming the field', async () => {
    const { file } = fleetConfig();
    writeFileSync(file, readFileSync(file, 'utf8').replace('group: us', 'group: US_East'));
    const r = await cli(['clusters', '--config', file, '--json']);
    expect(r.code).toBe(2);
    expect(r.logs).toMatch(/clusters\[1\]\.group/);
    const dup = fleetConfig();
    writeFileSync(dup.file, readFileSync(dup.file, 'utf8').replace('name: lab', 'name: prod-us'));
    const d = await cli(['clusters', '--config', dup.file, '--json']);
    expect(d.code).toBe(2);
    expect(d.logs).toMatch(/duplicate cluster name/);
    expect(d.logs).toMatch(/clusters\[3\]\.name/);
  });

  it('the loaded config keeps the group and makes state.path absolute, one folder per cluster', () => {
    const { dir, file } = fleetConfig('state: { path: var/state }');
    mkdirSync(join(dir, '.tidemark-secrets'));
    writeFileSync(join(dir, '.tidemark-secrets', 'kubeconfig'), 'apiVersion: v1\nkind: Config\n');
    writeFileSync(join(dir, '.tidemark-secrets', 'token'), 't');
    for (const n of ['prod-eu', 'prod-us', 'staging-eu', 'lab'])
      mkdirSync(join(dir, 'clusters', n), { recursive: true });
    const config = loadConfig(file);
    expect(config.clusters.map((c) => c.group)).toEqual(['eu', 'us', 'eu', undefined]);
    expect(config.state).toEqual({ path: join(dir, 'var', 'state') });
    expect(stateDirOf(config, 'lab')).toBe(join(dir, 'var', 'state', 'lab'));
    expect(stateDirOf({}, 'lab')).toBeUndefined();
  });
});

describe('tidemark summarize', () => {
  it("adds the clusters' plans up: counts and money by hand, missing clusters named, fleet.json valid", async () => {
    const { dir, file } = fleetConfig();
    const eu = writePlan(join(dir, 'plans', 'tidemark-plan-prod-eu'), planDoc([EU]));
    const us = writePlan(join(dir, 'plans', 'tidemark-plan-prod-us'), planDoc([US]));
    const out = join(dir, 'fleet');
    const r = await cli(['summarize', us, join(eu, 'plan.json'), '--config', file, '--out', out]);
    expect(r.code).toBe(0);
    const fleet = JSON.parse(readFileSync(join(out, 'fleet.json'), 'utf8'));
    expect(getValidator('https://tidemark.io/schemas/fleet.json')(fleet)).toBe(true);
    expect(fleet.clusters.map((c: { name: string; group: string }) => [c.name, c.group])).toEqual([
      ['prod-eu', 'eu'],
      ['prod-us', 'us'],
    ]);
    expect(fleet.missing).toEqual([{ name: 'staging-eu', group: 'eu' }, { name: 'lab' }]);
    // 12 + 5 recommendations; 7 + 1 accepted; 3 + 0 clamped; 2 + 4 rejected; 4 + 1 skipped; 6 + 1 changed.
    // Money: CPU 45.26 − 2.27 = 42.99, memory 12.01 + 0.49 = 12.50, total 55.49 (57.27 + (−1.78));
    // cores 2 − 0.1 = 1.9; bytes 4 GiB + 1 MiB = 4,294,967,296 + 1,048,576 = 4,296,015,872.
    expect(fleet.totals).toEqual({
      clusters: 4,
      planned: 2,
      missing: 2,
      recommendations: 17,
      accepted: 8,
      clamped: 3,
      rejected: 6,
      skipped: 5,
      workloadsChanged: 7,
      savings: { cpu: 42.99, memory: 12.5, total: 55.49, cores: 1.9, bytes: 4_296_015_872 },
    });
    expect(r.out).toBe(readFileSync(join(out, 'fleet.md'), 'utf8'));
    expect(r.out).toBe(
      [
        '## Tidemark fleet: 2 of 4 cluster(s) planned',
        '',
        '17 recommendation(s) — 8 accepted, 3 clamped, 6 rejected; 7 workload(s) changed; 5 skipped; saves $55.49/month',
        '',
        '| cluster | group | recommendations | accepted | clamped | rejected | workloads changed | skipped | monthly effect |',
        '|---|---|---:|---:|---:|---:|---:|---:|---|',
        '| prod-eu | eu | 12 | 7 | 3 | 2 | 6 | 4 | saves $57.27/month |',
        '| prod-us | us | 5 | 1 | 0 | 4 | 1 | 1 | adds $1.78/month |',
        '| staging-eu | eu | no plan: the job failed or did not run | | | | | | |',
        '| lab |  | no plan: the job failed or did not run | | | | | | |',
        '',
      ].join('\n'),
    );
  });

  it('refuses a cluster planned twice, mixed currencies, a folder without a plan and a file that is not a plan', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-fleet-'));
    const a = writePlan(join(dir, 'a'), planDoc([EU]));
    const b = writePlan(join(dir, 'b'), planDoc([EU]));
    const eur = writePlan(join(dir, 'eur'), planDoc([US], 'EUR'));
    const now = new Date('2026-12-07T07:00:00Z');
    expect(() => summarizeFleet([a, b].map(readPlanFile), { now })).toThrow(
      `cluster prod-eu is planned twice (also in ${join(a, 'plan.json')})`,
    );
    expect(() => summarizeFleet([a, eur].map(readPlanFile), { now })).toThrow(
      /prices in EUR, .* has USD: a fleet total needs one currency/,
    );
    mkdirSync(join(dir, 'empty'));
    expect(() => readPlanFile(join(dir, 'empty'))).toThrow(/no plan\.json here/);
    const broken = writePlan(join(dir, 'broken'), { kind: 'Plan' });
    expect(() => readPlanFile(broken)).toThrow(/not a Tidemark plan/);
  });

  it('writes nothing and exits 2 when one of the plans is bad', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-fleet-'));
    const a = writePlan(join(dir, 'a'), planDoc([EU]));
    const out = join(dir, 'fleet');
    const r = await cli(['summarize', a, join(dir, 'nothing-here'), '--out', out]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(() => readFileSync(join(out, 'fleet.json'))).toThrow();
  });
});
