import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { startGitRemote, type GitRemote } from '../../testing/git-remote.js';
import { clearRegisteredSecrets } from '../../core/sanitize.js';
import { DEFAULT_IDENTITY } from './local-branch.js';
import { openWorkspace, startBranch, commitAll, pushWithLease, remoteSha } from './workspace.js';

const TOKEN = 'ghs_workspacetesttoken_0123456789abcdef';

describe('publish/git/workspace', () => {
  let git: GitRemote;

  beforeAll(async () => {
    git = await startGitRemote({ token: TOKEN });
    git.createRepo('acme', 'gitops');
    const seed = mkdtempSync(join(tmpdir(), 'ws-seed-'));
    const g = simpleGit({ baseDir: seed, config: ['user.name=P', 'user.email=p@example.com'] });
    await g.init(['-q', '-b', 'main']);
    mkdirSync(join(seed, 'apps'));
    writeFileSync(join(seed, 'apps/web.yaml'), 'cpu: 500m\n');
    await g.add('.').commit('init');
    await g.push(git.repoUrl('acme', 'gitops').replace('http://', `http://x:${TOKEN}@`), 'main');
  });
  afterAll(async () => {
    clearRegisteredSecrets();
    await git.close();
  });

  it('clones, fetches and pushes with the token, and never stores it in .git/config', async () => {
    const requestsBefore = git.requests.length;
    const ws = await openWorkspace({
      cloneUrl: git.repoUrl('acme', 'gitops'),
      token: TOKEN,
      base: 'main',
      identity: DEFAULT_IDENTITY,
      branchPrefix: 'tidemark/',
    });
    try {
      await startBranch(ws, 'tidemark/demo/web');
      writeFileSync(join(ws.dir, 'apps/web.yaml'), 'cpu: 250m\n');
      expect(await commitAll(ws, 'chore(tidemark): right-size shop/web cpu 500m→250m')).toMatch(
        /^[0-9a-f]{40}$/,
      );
      await pushWithLease(ws, 'tidemark/demo/web', undefined);
      await ws.git.fetch(['origin', '+refs/heads/tidemark/*:refs/remotes/origin/tidemark/*']);
      expect(await remoteSha(ws, 'tidemark/demo/web')).toMatch(/^[0-9a-f]{40}$/);

      const config = readFileSync(join(ws.dir, '.git', 'config'), 'utf8');
      const basic = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');
      expect(config).not.toContain(TOKEN);
      expect(config).not.toContain(basic);
      expect(config).not.toMatch(/extraheader|authorization/i);
      expect(config).toContain(`url = ${git.repoUrl('acme', 'gitops')}\n`); // no credentials in the URL
      // Every request of the clone, fetch and push carried the token (the remote refuses others).
      const ours = git.requests.slice(requestsBefore);
      expect(ours.some((r) => r.service === 'git-receive-pack' && r.method === 'POST')).toBe(true);
      expect(ours.every((r) => r.authorized)).toBe(true);
    } finally {
      ws.close();
    }
  });
});
