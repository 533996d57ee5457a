/**
 * Clusters that share one GitOps repository run as separate jobs, at the same time: two
 * `tidemark run --cluster NAME` processes at once against a real git remote (smart HTTP) and the
 * contract-checked GitHub fake. Each opens its own pull requests on its own branches, touching
 * only its own cluster's files; neither closes, overwrites or re-pushes the other's; and a second
 * concurrent round changes nothing.
 */
import { mkdtempSync, readFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, execFileSync } from 'node:child_process';
import { simpleGit } from 'simple-git';
import { packageRoot } from '../core/json-schema.js';
import { startGitRemote, type GitRemote } from '../testing/git-remote.js';
import { startFakeGitHub, type FakeGitHub } from '../testing/github-fake/server.js';
import { writeFleetBed, type FleetBed } from '../testing/fleet-bed.js';
import { allowSlowTests } from '../testing/slow.js';

allowSlowTests();

const TOKEN = 'ghp_fleetTOKENvalue0123456789';
const OWNER = 'platform';
const REPO = 'gitops';
const root = packageRoot();

interface Run {
  cluster: string;
  code: number | null;
  out: string;
  err: string;
}

/** `tidemark run --cluster NAME` as its own process, as one job of the matrix runs it. */
function runProcess(bed: FleetBed, cluster: string, out: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      join(root, 'node_modules', '.bin', 'tsx'),
      [
        join(root, 'pipeline', 'cli', 'main.ts'),
        'run',
        '--config',
        bed.config,
        '--cluster',
        cluster,
        '--out',
        out,
      ],
      {
        cwd: bed.dir,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          TMPDIR: tmpdir(),
          TIDEMARK_FLEET_TOKEN: TOKEN,
          TIDEMARK_LOG_FORMAT: 'json',
        },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ cluster, code, out: stdout, err: stderr }));
  });
}

describe('e2e/fleet: two clusters sharing one GitOps repository run at the same time', () => {
  let git: GitRemote;
  let gh: FakeGitHub;
  let bed: FleetBed;
  const clusters = ['cluster-000', 'cluster-001'];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-fleet-run-'));
    // 8 days of 5-minute samples: enough history for lowering requests (7 days).
    bed = await writeFleetBed(dir, {
      clusters: 2,
      containersPerCluster: 14,
      days: 8,
      scrape: 300,
      end: 1_790_000_000 - (1_790_000_000 % 86400),
      seed: 7,
    });
    git = await startGitRemote({ token: TOKEN });
    git.createRepo(OWNER, REPO);
    gh = await startFakeGitHub({ git, tokens: { [TOKEN]: { login: 'tidemark[bot]', type: 'Bot' } } });
    gh.addRepo(OWNER, REPO);
    const repo = simpleGit(bed.repo);
    await repo.init(['-q', '-b', 'main']);
    await repo.add(['-A']);
    await repo.addConfig('user.name', 'Platform').addConfig('user.email', 'platform@example.com');
    await repo.commit('fleet repository', undefined, { '--quiet': null });
    await repo.push(git.repoUrl(OWNER, REPO).replace('http://', `http://x:${TOKEN}@`), 'main');
    appendFileSync(
      bed.config,
      [
        'publish:',
        '  github:',
        `    owner: ${OWNER}`,
        `    repo: ${REPO}`,
        `    apiUrl: ${gh.url}`,
        '    auth: { tokenEnv: TIDEMARK_FLEET_TOKEN }',
        '    grouping: namespace',
        '    prHourlyLimit: 0',
        '    prConcurrentLimit: 0',
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    gh?.assertNoViolations();
    await gh?.close();
    await git?.close();
  });

  /** The files a branch changes against main, from the remote itself. */
  function changedFiles(branch: string): string[] {
    const bare = git.bareDir(OWNER, REPO);
    return execFileSync('git', ['--git-dir', bare, 'diff', '--name-only', `main...${branch}`], {
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean);
  }

  it('each run opens its own cluster’s pull requests, touching only its own files; neither closes the other’s', async () => {
    const outs = mkdtempSync(join(tmpdir(), 'tidemark-fleet-out-'));
    const runs = await Promise.all(clusters.map((c) => runProcess(bed, c, join(outs, c))));
    for (const r of runs) {
      expect({ cluster: r.cluster, code: r.code, err: r.code === 0 ? '' : r.err.slice(-3000) }).toEqual({
        cluster: r.cluster,
        code: 0,
        err: '',
      });
      expect(r.out).not.toMatch(/lease-rejected|closed/);
      expect(r.out + r.err).not.toContain(TOKEN);
    }
    const pulls = gh.repo(OWNER, REPO).pulls;
    for (const c of clusters) {
      const mine = pulls.filter((p) => p.head.startsWith(`tidemark/${c}/`));
      expect(mine.length).toBeGreaterThan(0);
      // The plan each process wrote names as many groups as it opened pull requests.
      const created = (runs.find((r) => r.cluster === c)!.out.match(/^created\s+#\d+/gm) ?? []).length;
      expect(mine).toHaveLength(created);
      for (const p of mine) {
        expect(p.state).toBe('open');
        const files = changedFiles(p.head);
        expect(files.length).toBeGreaterThan(0);
        expect(files.every((f) => f.startsWith(`clusters/${c}/`))).toBe(true);
      }
      const plan = JSON.parse(readFileSync(join(outs, c, 'plan.json'), 'utf8')) as {
        clusters: { name: string }[];
      };
      expect(plan.clusters.map((x) => x.name)).toEqual([c]);
    }
    expect(pulls.every((p) => clusters.some((c) => p.head.startsWith(`tidemark/${c}/`)))).toBe(true);
    expect(new Set(pulls.map((p) => p.head)).size).toBe(pulls.length);
  }, 300_000);

  it('a second concurrent round pushes nothing and writes nothing: every pull request stays as it was', async () => {
    const before = gh
      .repo(OWNER, REPO)
      .pulls.map((p) => ({ n: p.number, head: p.head, state: p.state, body: p.body }));
    const pushes = git.pushCount();
    const writes = gh.writes().length;
    const outs = mkdtempSync(join(tmpdir(), 'tidemark-fleet-out-'));
    const runs = await Promise.all(clusters.map((c) => runProcess(bed, c, join(outs, c))));
    for (const r of runs) {
      expect(r.code).toBe(0);
      expect(r.out).not.toMatch(/created|updated|closed|lease-rejected/);
    }
    expect(git.pushCount()).toBe(pushes);
    expect(gh.writes().length).toBe(writes);
    expect(
      gh.repo(OWNER, REPO).pulls.map((p) => ({ n: p.number, head: p.head, state: p.state, body: p.body })),
    ).toEqual(before);
  }, 300_000);

  it('an unknown --cluster is a config error before anything is read or pushed', async () => {
    const pushes = git.pushCount();
    const r = await runProcess(
      bed,
      'cluster-999',
      join(mkdtempSync(join(tmpdir(), 'tidemark-fleet-out-')), 'o'),
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown cluster \\"cluster-999\\" (the config has cluster-000, cluster-001)');
    expect(git.pushCount()).toBe(pushes);
  }, 60_000);
});
