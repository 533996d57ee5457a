/** What Git owes memory raises, from the journal alone (resize-git.test.ts publishes them for real). */
import { resizeProposals } from './git-resize.js';
import type { JournalEntry } from './kube/journal.js';
import { GUARDIAN_DEFAULTS as G } from './settings.js';

const T = 1_800_000_000;

const raise = (id: string, pod: string, o: Partial<JournalEntry> = {}, status = 'done'): JournalEntry => ({
  id,
  at: T - 7200,
  actor: 'guardian-a',
  action: 'resize',
  target: `Pod/shop/${pod}`,
  why: `raised ${pod}`,
  revision: {
    uid: `uid-${pod}`,
    container: 'app',
    resource: 'memory',
    direction: 'raise',
    trigger: 'working-set',
    before: { limit: '1Gi', request: '512Mi' },
    after: { limit: '1280Mi', request: '640Mi' },
    node: 'node-1',
    workload: 'Deployment/web',
    status: status as 'done',
    statusAt: T - 7200,
  },
  state: 'active',
  ...o,
});

describe('guardian/git-resize', () => {
  it('owes Git a raise live for 2 h (7,200 s), not before', () => {
    const young = raise('r1', 'web-a', {}, 'done');
    young.revision!.statusAt = T - 7199;
    expect(resizeProposals([young], G, T)).toEqual([]);
    const [p] = resizeProposals([raise('r1', 'web-a')], G, T);
    expect(p).toEqual({
      key: 'shop/Deployment/web',
      object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
      mode: 'lift',
      fields: [
        { container: 'app', role: 'limit', live: '1280Mi', other: '1Gi' },
        { container: 'app', role: 'request', live: '640Mi', other: '512Mi' },
      ],
      value: 'app.limit=1280Mi,app.request=640Mi',
      entries: ['r1'],
      why: 'a memory raise live for 120 min on Deployment shop/web; its next rollout would bring the old limit (and the OOM) back. Latest: raised web-a',
    });
  });

  it('owes it at once when two pods of the workload needed a raise; proposes the larger value', () => {
    const a = raise('r1', 'web-a', { at: T - 60 });
    a.revision!.statusAt = T - 50;
    const b = raise('r2', 'web-b', { at: T - 30 }, 'requested');
    b.revision!.after = { limit: '1536Mi', request: '768Mi' };
    const [p] = resizeProposals([a, b], G, T);
    expect(p!.fields.map((f) => f.live)).toEqual(['1536Mi', '768Mi']);
    expect(p!.entries).toEqual(['r1', 'r2']);
    expect(p!.why).toMatch(/^memory raised in place on 2 pods of Deployment shop\/web/);
    // proposed and settled: nothing more
    const settled = { value: p!.value, at: T, action: 'created', detail: '#1', pull: 1 };
    for (const e of [a, b]) e.git = { object: p!.object, gitops: {}, field: '', lift: settled };
    expect(resizeProposals([a, b], G, T)).toEqual([]);
  });

  it('once every raise is over, a PR that was opened is answered with a restore; bare pods and CPU steps owe nothing', () => {
    const lifted = {
      value: 'app.limit=1280Mi,app.request=640Mi',
      at: T,
      action: 'created',
      detail: '#1',
      pull: 1,
    };
    const over = raise('r1', 'web-a', { state: 'reverted' });
    over.git = {
      object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
      gitops: {},
      field: '',
      lift: lifted,
    };
    expect(resizeProposals([over], G, T)).toEqual([
      expect.objectContaining({
        mode: 'restore',
        fields: [
          { container: 'app', role: 'limit', live: '1Gi', other: '1280Mi' },
          { container: 'app', role: 'request', live: '512Mi', other: '640Mi' },
        ],
      }),
    ]);
    const bare = raise('r2', 'lonely');
    delete bare.revision!.workload;
    const cpu = raise('r3', 'web-c');
    cpu.revision!.resource = 'cpu';
    expect(resizeProposals([bare, cpu], G, T)).toEqual([]);
  });
});
