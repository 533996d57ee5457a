import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { readChangeHistory, formatChangeTrailer, parseChangeTrailer } from './index.js';

async function repo(): Promise<{
  dir: string;
  commit: (msg: string, date: string, email?: string) => Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'hist-'));
  await simpleGit(dir).init(['-q', '-b', 'main']);
  let n = 0;
  return {
    dir,
    commit: async (msg, date, email = 'bot@example.com') => {
      writeFileSync(join(dir, `f${n++}.yaml`), `n: ${n}\n`);
      // The committer date (what --since reads) can only be set through the environment.
      const g = simpleGit({
        baseDir: dir,
        config: ['user.name=x', `user.email=${email}`],
        allowEnvironment: ['GIT_AUTHOR_DATE', 'GIT_COMMITTER_DATE'],
      });
      await g.add('.');
      await g
        .env({
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          GIT_AUTHOR_DATE: date,
          GIT_COMMITTER_DATE: date,
        })
        .commit(msg);
    },
  };
}

describe('collect/git-history', () => {
  it('round-trips a trailer, with "-" for an absent value', () => {
    const t = {
      workload: 'Deployment/shop/web',
      field: 'container/web/requests/cpu',
      from: '500m',
      to: '250m',
    };
    expect(formatChangeTrailer(t)).toBe(
      'Tidemark-Change: Deployment/shop/web container/web/requests/cpu 500m->250m',
    );
    expect(parseChangeTrailer(formatChangeTrailer(t))).toEqual(t);
    expect(parseChangeTrailer(formatChangeTrailer({ ...t, from: undefined }))).toEqual({
      ...t,
      from: undefined,
    });
    expect(parseChangeTrailer('Signed-off-by: someone')).toBeUndefined();
  });

  it("reads our changes since a time from real commits, ignoring humans' commits and older ones", async () => {
    const r = await repo();
    const body = (field: string, from: string, to: string): string =>
      `chore(tidemark): right-size shop/web\n\n- detail\n\nTidemark-Change: Deployment/shop/web ${field} ${from}->${to}\nTidemark-Policy: defaults\n`;
    await r.commit(body('container/web/requests/cpu', '1', '900m'), '2026-01-01T00:00:00Z');
    await r.commit('fix typo by a human', '2026-01-05T00:00:00Z', 'alice@example.com');
    await r.commit(
      body('container/web/requests/cpu', '900m', '800m') +
        'Tidemark-Change: Deployment/shop/web container/web/requests/memory 1Gi->900Mi\n',
      '2026-01-06T00:00:00Z',
    );
    const since = Date.parse('2026-01-03T00:00:00Z') / 1000;
    const h = await readChangeHistory(r.dir, { since });
    expect(h.map((e) => [e.field, e.from, e.to])).toEqual([
      ['container/web/requests/cpu', '900m', '800m'],
      ['container/web/requests/memory', '1Gi', '900Mi'],
    ]);
    expect(h[0]!.time).toBe(Date.parse('2026-01-06T00:00:00Z') / 1000);
  });

  it('has no history for a directory that is not a git checkout, or an empty repository', async () => {
    expect(await readChangeHistory(mkdtempSync(join(tmpdir(), 'plain-')), { since: 0 })).toEqual([]);
    const empty = mkdtempSync(join(tmpdir(), 'empty-'));
    await simpleGit(empty).init();
    expect(await readChangeHistory(empty, { since: 0 })).toEqual([]);
  });
});
