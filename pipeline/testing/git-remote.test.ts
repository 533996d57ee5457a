import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { startGitRemote, type GitRemote } from './git-remote.js';

function authUrl(url: string, token: string): string {
  return url.replace('http://', `http://x-access-token:${token}@`);
}

describe('testing/git-remote', () => {
  let remote: GitRemote;
  const token = 'ghs_testtoken1234567890';
  beforeAll(async () => {
    remote = await startGitRemote({ token });
    remote.createRepo('acme', 'gitops');
  });
  afterAll(() => remote.close());

  it('clones, pushes and rejects a stale force-with-lease over real smart HTTP', async () => {
    const a = mkdtempSync(join(tmpdir(), 'gr-a-'));
    const ga = simpleGit({ baseDir: a, config: ['user.name=A', 'user.email=a@example.com'] });
    await ga.init(['-q', '-b', 'main']);
    writeFileSync(join(a, 'x.yaml'), 'a: 1\n');
    await ga.add('.').commit('first');
    await ga.push(authUrl(remote.repoUrl('acme', 'gitops'), token), 'main');

    const b = mkdtempSync(join(tmpdir(), 'gr-b-'));
    await simpleGit().clone(authUrl(remote.repoUrl('acme', 'gitops'), token), b);
    expect(readFileSync(join(b, 'x.yaml'), 'utf8')).toBe('a: 1\n');

    // A branch pushed by A, then moved by someone else: B's lease on the old value must fail.
    await ga.checkoutLocalBranch('feature');
    writeFileSync(join(a, 'x.yaml'), 'a: 2\n');
    await ga.add('.').commit('second');
    await ga.push(authUrl(remote.repoUrl('acme', 'gitops'), token), 'feature');
    const gb = simpleGit({ baseDir: b, config: ['user.name=B', 'user.email=b@example.com'] });
    await gb.fetch(['origin', 'feature']);
    const leased = (await gb.revparse(['FETCH_HEAD'])).trim();
    writeFileSync(join(a, 'x.yaml'), 'a: 3\n');
    await ga.add('.').commit('third');
    await ga.push(authUrl(remote.repoUrl('acme', 'gitops'), token), 'feature');
    await gb.checkout(['-B', 'feature', 'FETCH_HEAD']);
    writeFileSync(join(b, 'x.yaml'), 'a: 4\n');
    await gb.add('.').commit('fourth');
    await expect(gb.push(['origin', 'feature', `--force-with-lease=feature:${leased}`])).rejects.toThrow(
      /stale info|rejected/,
    );
  });

  it('refuses requests without the token', async () => {
    const c = mkdtempSync(join(tmpdir(), 'gr-c-'));
    const before = remote.requests.length;
    await expect(simpleGit().clone(remote.repoUrl('acme', 'gitops'), c)).rejects.toThrow(
      /could not read Username|Authentication failed|401/,
    );
    const seen = remote.requests.slice(before);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((r) => !r.authorized)).toBe(true);
  });
});
