/**
 * A GitOps repository behind a real git remote and the contract-checked GitHub fake, seeded with
 * files, and the guardian's emergency publisher pointed at it: what the guardian tests that make
 * Git agree share.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { startGitRemote, type GitRemote } from './git-remote.js';
import { startFakeGitHub, type FakeGitHub } from './github-fake/server.js';
import { silentLogger } from '../core/logger.js';
import { createGitHubPlatform } from '../publish/platform/github/platform.js';
import { DEFAULT_SETTINGS, type PublishSettings } from '../publish/publish.js';
import { publishEmergency } from '../publish/emergency.js';
import type { GuardianDeps } from '../guardian/controller.js';

export interface GitOpsFixture {
  git: GitRemote;
  gh: FakeGitHub;
  /** The guardian's publisher for cluster "demo" rooted at clusters/demo. */
  publisher(settings?: Partial<PublishSettings>): NonNullable<GuardianDeps['publisher']>;
  close(): Promise<void>;
}

export async function startGitOpsFixture(o: {
  token: string;
  owner: string;
  repo: string;
  files: Record<string, string>;
}): Promise<GitOpsFixture> {
  const git = await startGitRemote({ token: o.token });
  const gh = await startFakeGitHub({ git, tokens: { [o.token]: { login: 'tidemark[bot]', type: 'Bot' } } });
  gh.addRepo(o.owner, o.repo);
  const seed = mkdtempSync(join(tmpdir(), 'gitops-seed-'));
  const g = simpleGit({ baseDir: seed, config: ['user.name=Platform', 'user.email=platform@example.com'] });
  await g.init(['-q', '-b', 'main']);
  for (const [path, text] of Object.entries(o.files)) {
    mkdirSync(join(seed, path, '..'), { recursive: true });
    writeFileSync(join(seed, path), text);
  }
  await g.add('.').commit('init');
  await g.push(git.repoUrl(o.owner, o.repo).replace('http://', `http://x:${o.token}@`), 'main');
  return {
    git,
    gh,
    publisher(extra = {}) {
      const settings = { ...DEFAULT_SETTINGS, owner: o.owner, repo: o.repo, labels: ['tidemark'], ...extra };
      const platform = createGitHubPlatform({
        owner: o.owner,
        repo: o.repo,
        baseUrl: gh.url,
        token: o.token,
        logger: silentLogger,
        writeSpacingMs: 0,
      });
      return {
        cluster: 'demo',
        publish: (change) =>
          publishEmergency({
            settings,
            platform,
            repo: { path: '', root: 'clusters/demo' },
            change,
            logger: silentLogger,
            dryRun: 'none',
          }),
      };
    },
    async close() {
      gh.assertNoViolations();
      await gh.close();
      await git.close();
    },
  };
}
