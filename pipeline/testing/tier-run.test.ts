/**
 * A whole Jest run, as a child process on a tiny config (tier-run.fixture.ts), with the `kube`
 * tier unavailable at start: the decision holds for the run, the run ends with the skipped-tiers
 * line, the temp dir keeps nothing of the run, and under TIDEMARK_REQUIRE_TIERS the run fails.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../core/json-schema.js';

const root = packageRoot();
let work: string;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'tier-run-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

function runJest(extra: Record<string, string>) {
  const home = join(work, 'home');
  const temp = join(work, 'tmp');
  mkdirSync(home);
  mkdirSync(temp);
  const config = join(work, 'jest.config.js');
  writeFileSync(
    config,
    `import base from ${JSON.stringify(join(root, 'jest.config.js'))};\n` +
      `export default { ...base, rootDir: ${JSON.stringify(root)}, ` +
      `testMatch: ['<rootDir>/pipeline/testing/tier-run.fixture.ts'] };\n`,
  );
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Nothing of the run this test runs in: the child decides its own tiers.
  for (const k of Object.keys(env)) if (k.startsWith('TIDEMARK_') || k === 'JEST_WORKER_ID') delete env[k];
  Object.assign(env, {
    HOME: home,
    TMPDIR: temp,
    // `kube` unavailable at start: TIDEMARK_K8S_BIN unset (above), nothing in this $HOME/.cache.
    // Not under test here, and their availability differs between machines.
    TIDEMARK_SKIP_TIERS: 'prometheus,schemas,helm,real-repos,browser',
    TIDEMARK_FIXTURE_REPORT: join(work, 'report.json'),
    NODE_OPTIONS: '--experimental-vm-modules',
    ...extra,
  });
  const r = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules', 'jest', 'bin', 'jest.js'),
      '-c',
      config,
      '--ci',
      '--cacheDirectory',
      join(work, 'cache'),
    ],
    { cwd: root, env, encoding: 'utf8', timeout: 120_000 },
  );
  const lines = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim());
  return { ...r, lines, report: join(work, 'report.json'), temp };
}

const ours = (dir: string) => readdirSync(dir).filter((n) => n.startsWith('tidemark-'));

describe('a test run decides its tiers once and says what it skipped', () => {
  it('skips a tier whose binaries appear mid-run, ends with the skipped tiers, and leaves no temp folder', () => {
    const r = runJest({});
    expect(r.status).toBe(0);
    expect(r.lines.at(-1)).toBe(
      'SKIPPED TIERS: prometheus (skipped by TIDEMARK_SKIP_TIERS), ' +
        'kube (run pipeline/testing/control-plane/build.sh or set TIDEMARK_K8S_BIN), ' +
        'schemas (skipped by TIDEMARK_SKIP_TIERS), helm (skipped by TIDEMARK_SKIP_TIERS), ' +
        'real-repos (skipped by TIDEMARK_SKIP_TIERS), browser (skipped by TIDEMARK_SKIP_TIERS)',
    );
    // The kube suite was skipped though its binaries existed when its gate was read.
    expect(existsSync(`${r.report}.kube`)).toBe(false);
    expect(r.lines.some((l) => /Tests:\s+1 skipped, 1 passed, 2 total/.test(l))).toBe(true);
    // The suite wrote into a folder of its own inside the run's, and neither outlived the run.
    const seen = JSON.parse(readFileSync(r.report, 'utf8')) as { tmp: string; left: string };
    expect(seen.tmp).toMatch(new RegExp(`^${r.temp}/tidemark-test-run-[^/]+/tidemark-suite-[^/]+$`));
    expect(existsSync(seen.left)).toBe(false);
    expect(ours(r.temp)).toEqual([]);
  }, 150_000);

  it('fails before any suite when CI requires a tier that cannot run, naming it and how to enable it', () => {
    const r = runJest({ TIDEMARK_REQUIRE_TIERS: '1' });
    expect(r.status).not.toBe(0);
    const out = r.lines.join('\n');
    expect(out).toContain('required test tiers cannot run:');
    expect(out).toContain(
      'kube (a real etcd + kube-apiserver (the control-plane and guardian suites)): etcd/kube-apiserver not built ' +
        '(TIDEMARK_K8S_BIN unset, none in the build cache); required by TIDEMARK_REQUIRE_TIERS; ' +
        'to enable: run pipeline/testing/control-plane/build.sh or set TIDEMARK_K8S_BIN',
    );
    expect(existsSync(r.report)).toBe(false);
    expect(ours(r.temp)).toEqual([]);
  }, 150_000);
});
