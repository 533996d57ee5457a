import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { simpleGit } from 'simple-git';
import { readTidemarkEvents } from './events.js';

async function repo(): Promise<{
  dir: string;
  commit: (msg: string, date: string, file: string) => Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'events-'));
  await simpleGit(dir).init(['-q', '-b', 'main']);
  let n = 0;
  return {
    dir,
    commit: async (msg, date, file) => {
      mkdirSync(join(dir, dirname(file)), { recursive: true });
      writeFileSync(join(dir, file), `n: ${n++}\n`);
      const g = simpleGit({
        baseDir: dir,
        config: ['user.name=tidemark', 'user.email=bot@example.com'],
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

describe('collect/git-history/events', () => {
  it('reads changes, reverts and guardian actions since a time, with the cluster and the files', async () => {
    const r = await repo();
    await r.commit(
      'chore(tidemark): right-size shop/web\n\nTidemark-Change: Deployment/shop/web container/web/requests/cpu 1->800m\nTidemark-Policy: defaults\n',
      '2026-10-01T00:00:00Z',
      'clusters/prod/shop/web.yaml',
    );
    await r.commit(
      'chore(tidemark): right-size shop/web\n\n- a\n\nTidemark-Change: Deployment/shop/web container/web/requests/cpu 800m->640m\nTidemark-Change: Deployment/shop/web container/web/requests/memory 1Gi->820Mi\nTidemark-Policy: defaults\nTidemark-Cluster: prod\n',
      '2026-11-02T00:00:00Z',
      'clusters/prod/shop/web.yaml',
    );
    await r.commit('docs: a human commit', '2026-11-03T00:00:00Z', 'README.md');
    await r.commit(
      'revert(tidemark): #12 after a regression\n\nTidemark-Change: Deployment/shop/web revert -->pr-12\nTidemark-Policy: watch\n',
      '2026-11-04T00:00:00Z',
      'clusters/prod/shop/web.yaml',
    );
    await r.commit(
      'chore(tidemark): lift HPA shop/web ceiling 10→15 (emergency)\n\nsaturated\n\nTidemark-Guardian-Journal: 2026-11-05T10:00:00Z lift shop/web 10->15\n',
      '2026-11-05T10:01:00Z',
      'clusters/staging/shop/hpa.yaml',
    );
    const events = await readTidemarkEvents(r.dir, { since: Date.parse('2026-11-01T00:00:00Z') / 1000 });
    expect(events.map((e) => [e.kind, e.workload ?? e.entry, e.field, e.from, e.to, e.cluster])).toEqual([
      ['change', 'Deployment/shop/web', 'container/web/requests/cpu', '800m', '640m', 'prod'],
      ['change', 'Deployment/shop/web', 'container/web/requests/memory', '1Gi', '820Mi', 'prod'],
      ['revert', 'Deployment/shop/web', 'revert', undefined, 'pr-12', undefined],
      ['guardian', '2026-11-05T10:00:00Z lift shop/web 10->15', undefined, undefined, undefined, undefined],
    ]);
    expect(events[0]!.files).toEqual(['clusters/prod/shop/web.yaml']);
    expect(events[3]!.files).toEqual(['clusters/staging/shop/hpa.yaml']);
    expect(events[0]!.time).toBe(Date.parse('2026-11-02T00:00:00Z') / 1000);
  });

  it('has no events outside a checkout', async () => {
    expect(await readTidemarkEvents(mkdtempSync(join(tmpdir(), 'plain-')), { since: 0 })).toEqual([]);
    expect(await readTidemarkEvents('/nonexistent/tidemark', { since: 0 })).toEqual([]);
  });
});
