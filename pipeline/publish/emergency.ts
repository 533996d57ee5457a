/**
 * Git agreement for the guardian's emergency changes. A lifted ceiling lives only in the cluster
 * until Git holds it too; until then Argo CD's selfHeal or Flux would put the old value back. So
 * each change is proposed as an "emergency" PR holding exactly the live value, outside the PR
 * limits (it fixes an incident), and — when the guardian restores the value — either closed (Git
 * never took it) or answered by a revert PR (Git took it), so a ceiling never only ratchets up.
 *
 * Git and live are compared first, as everywhere: when Git holds neither the value before the
 * step nor the live one, someone changed it meanwhile, and nothing is proposed.
 */
import type { Logger } from '../core/logger.js';
import type { RepoConfig } from '../config/types.js';
import type { GitOpsTracking } from '../model/types.js';
import type { FieldPath } from '../analyze/types.js';
import { formatFieldPath } from '../plan/field-path.js';
import { RepoIndex } from '../render/locate/repo-index.js';
import { Locator } from '../render/locate/locate.js';
import { plainManifestTarget } from '../render/targets/plain-manifest.js';
import { kustomizeTarget } from '../render/targets/kustomize-patch.js';
import type { Target } from '../render/targets/target.js';
import { YamlEditError } from '../render/edit/errors.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Platform } from './platform/types.js';
import { createWriteGate, type DryRun } from './write-gate.js';
import { branchName, slugify } from './pr/branch-name.js';
import { decodeMarker, encodeMarker, fingerprintOf, visibleBody, type PrMarker } from './pr/marker.js';
import {
  openWorkspace,
  startBranch,
  commitAll,
  remoteSha,
  pushWithLease,
  deleteRemoteBranch,
  type Workspace,
} from './git/workspace.js';
import { humanEdited, isOurs, type PublishSettings } from './publish.js';

export interface EmergencyObject {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface EmergencyChange {
  cluster: string;
  /** The object Git holds (the HPA, or its KEDA / Crane owner). */
  object: EmergencyObject;
  gitops: GitOpsTracking;
  path: FieldPath;
  /** lift: Git should take the live value; restore: the incident is over, the old value is back. */
  mode: 'lift' | 'restore';
  /** The value live now: what Git should hold after this PR. */
  live: number | string;
  /** The other value Git may hold: the pre-incident value for a lift, the lifted one for a restore. */
  other: number | string;
  /** The signal and its numbers, for the PR body. */
  why: string;
  /** Journal entry id, and when the guardian will revert (text). */
  entry: string;
  revertWhen?: string;
}

export type EmergencyAction =
  | 'created'
  | 'updated'
  | 'unchanged'
  | 'git-agrees'
  | 'git-differs'
  | 'not-in-git'
  | 'blocked-human-edit'
  | 'lease-rejected';

export interface EmergencyOutcome {
  action: EmergencyAction;
  /** What Git held at the base when we looked (undefined: the field is not in Git). */
  gitValue?: unknown;
  pull?: number;
  /** An emergency PR closed because the restored value is what Git already has. */
  closed?: number;
  branch: string;
  detail: string;
}

export interface EmergencyInput {
  settings: PublishSettings;
  platform: Platform;
  repo: RepoConfig;
  change: EmergencyChange;
  logger: Logger;
  dryRun: DryRun;
}

export function emergencyBranch(s: PublishSettings, c: EmergencyChange, mode = c.mode): string {
  const o = c.object;
  const what = slugify(`${o.kind}-${o.namespace}-${o.name}`);
  return branchName(
    s.branchPrefix,
    c.cluster,
    `${mode === 'lift' ? 'emergency' : 'emergency-revert'}/${what}`,
  );
}

export async function publishEmergency(input: EmergencyInput): Promise<EmergencyOutcome> {
  const { settings: s, platform, change: c, logger } = input;
  const gate = createWriteGate(input.dryRun, logger);
  const repo = await platform.getRepo();
  const ws = await openWorkspace({
    cloneUrl: s.cloneUrl ?? repo.cloneUrl,
    token: await platform.gitToken(),
    base: s.baseBranch ?? repo.defaultBranch,
    identity: s.identity,
    branchPrefix: s.branchPrefix,
  });
  const branch = emergencyBranch(s, c);
  const out = (action: EmergencyAction, detail: string, extra: Partial<EmergencyOutcome> = {}) => {
    logger.info(`emergency PR: ${action}`, { branch, detail });
    return { action, detail, branch, ...extra };
  };
  try {
    await startBranch(ws, branch);
    const found = targetIn(ws, input.repo, c);
    if ('skip' in found) return out('not-in-git', found.skip);
    const git = found.target.gitValue(c.path);
    const gitValue = 'value' in git ? git.value : undefined;
    const field = `${describe(c.object)} ${formatFieldPath(c.path)}`;

    if (sameValue(gitValue, c.live)) {
      // Git already agrees. A restore whose lift never merged leaves that emergency PR stale.
      const closed = c.mode === 'restore' ? await closeStaleLift(input, ws, gate) : undefined;
      return out('git-agrees', `${field} is ${c.live} in Git already`, {
        gitValue,
        ...(closed ? { closed } : {}),
      });
    }
    if (!sameValue(gitValue, c.other))
      return out(
        'git-differs',
        `${field} is ${gitValue === undefined ? 'not set' : String(gitValue)} in Git, neither ${c.other} nor the live ${c.live}: changed by someone meanwhile; nothing proposed`,
        { gitValue },
      );

    try {
      for (const path of found.target.apply([{ path: c.path, value: c.live }]))
        writeFileSync(join(ws.dir, path), found.index.read(path));
    } catch (err) {
      if (!(err instanceof YamlEditError)) throw err;
      return out('not-in-git', `${field}: ${err.message}`, { gitValue });
    }
    const subject =
      c.mode === 'lift'
        ? `fix(tidemark): emergency ${formatFieldPath(c.path)} ${c.object.namespace}/${c.object.name} ${c.other}→${c.live}`
        : `fix(tidemark): restore ${formatFieldPath(c.path)} ${c.object.namespace}/${c.object.name} ${c.other}→${c.live} after the incident`;
    await commitAll(ws, `${subject}\n\n${c.why}\n\nTidemark-Guardian-Journal: ${c.entry}`);

    const fields = {
      [`${c.object.kind}/${c.object.namespace}/${c.object.name}#${formatFieldPath(c.path)}`]: String(c.live),
    };
    const pulls = (await platform.findPullsByHead(branch)).filter((p) => isOurs(p, s));
    const open = pulls.find((p) => p.state === 'open');
    const lifted = c.mode === 'restore' ? await findLift(input) : undefined;
    const marker: PrMarker = {
      v: 1,
      cluster: c.cluster,
      group: `emergency/${c.object.kind}/${c.object.namespace}/${c.object.name}`,
      fields,
      fingerprint: fingerprintOf(fields),
      labels: s.labels,
      base: ws.base,
      emergency: true,
      ...(lifted ? { revertOf: lifted } : {}),
    };
    const title = subject;
    const body = emergencyBody(c, field, gitValue, lifted, marker);
    const remote = await remoteSha(ws, branch);
    if (remote && (await humanEdited(ws, branch, s)))
      return out('blocked-human-edit', `someone else committed to ${branch}; left alone`, {
        gitValue,
        ...(open ? { pull: open.number } : {}),
      });
    const same = remote
      ? await ws.git.raw(['diff', '--quiet', remote, 'HEAD']).then(
          () => true,
          () => false,
        )
      : false;
    if (!same) await gate.write('push', branch, () => pushWithLease(ws, branch, remote));
    if (open) {
      const changed = visibleBody(open.body) !== visibleBody(body) || open.title !== title;
      if (changed)
        await gate.write('update pull request', `#${open.number}`, () =>
          platform.updatePull(open.number, { title, body }),
        );
      return out(same && !changed ? 'unchanged' : 'updated', `#${open.number} holds ${c.live}`, {
        gitValue,
        pull: open.number,
      });
    }
    const created = await gate.write('create pull request', branch, () =>
      platform.createPull({ head: branch, base: ws.base, title, body, draft: false }),
    );
    if (!created) return out('created', 'dry run', { gitValue });
    await gate.write('add labels', `#${created.number}`, () =>
      platform.addLabels(created.number, [...s.labels, 'emergency']),
    );
    await gate.write('request reviewers', `#${created.number}`, () =>
      platform.requestReviewers(created.number, s.reviewers),
    );
    return out('created', `#${created.number} holds ${c.live}`, { gitValue, pull: created.number });
  } catch (err) {
    if (err instanceof Error && /lease rejected/.test(err.message)) return out('lease-rejected', err.message);
    throw err;
  } finally {
    ws.close();
  }
}

function targetIn(
  ws: Workspace,
  repo: RepoConfig,
  c: EmergencyChange,
): { target: Target; index: RepoIndex } | { skip: string } {
  const index = new RepoIndex(ws.dir);
  const at = new Locator(index, { ...repo, path: ws.dir }).locate({
    kind: c.object.kind,
    name: c.object.name,
    namespace: c.object.namespace,
    gitops: c.gitops,
  });
  if ('skip' in at) return { skip: `${describe(c.object)}: ${at.skip.detail}` };
  const loc = at.location;
  if (loc.flavour === 'helm-values' || loc.flavour === 'flux-helm')
    return {
      skip: `${describe(c.object)} comes from a Helm chart; its values are the chart's own and not mapped for emergencies`,
    };
  const target =
    loc.flavour === 'plain-manifest'
      ? plainManifestTarget(index, loc.file, loc.docIndex)
      : kustomizeTarget(index, loc.overlay, loc.resource, { cluster: c.cluster });
  return { target, index };
}

/** The open emergency PR of the lift this restore answers, if Git never took it: closed. */
async function closeStaleLift(
  input: EmergencyInput,
  ws: Workspace,
  gate: ReturnType<typeof createWriteGate>,
): Promise<number | undefined> {
  const { settings: s, platform, change: c } = input;
  const branch = emergencyBranch(s, c, 'lift');
  const open = (await platform.findPullsByHead(branch)).find((p) => p.state === 'open' && isOurs(p, s));
  if (!open) return undefined;
  await gate.write('comment', `#${open.number}`, () =>
    platform.ensureComment(
      open.number,
      'withdrawn',
      `The guardian restored ${describe(c.object)} to ${c.live}, the value Git holds: this emergency change is no longer live, so Tidemark is closing this pull request.`,
    ),
  );
  const marker = decodeMarker(open.body);
  await gate.write('close pull request', `#${open.number}`, () =>
    platform.updatePull(open.number, {
      state: 'closed',
      ...(marker
        ? {
            body: open.body.replace(
              encodeMarker(marker),
              encodeMarker({ ...marker, closedByTidemark: 'incident over' }),
            ),
          }
        : {}),
    }),
  );
  await ws.git
    .fetch(['origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`])
    .catch(() => undefined);
  const sha = await remoteSha(ws, branch);
  if (sha) await gate.write('delete branch', branch, () => deleteRemoteBranch(ws, branch, sha));
  return open.number;
}

/** The merged emergency PR a restore reverts (for the marker and the body's link). */
async function findLift(input: EmergencyInput): Promise<number | undefined> {
  const { settings: s, platform, change: c } = input;
  const pulls = await platform.findPullsByHead(emergencyBranch(s, c, 'lift'));
  return pulls.filter((p) => p.merged && isOurs(p, s)).sort((a, b) => b.number - a.number)[0]?.number;
}

function emergencyBody(
  c: EmergencyChange,
  field: string,
  gitValue: unknown,
  lifted: number | undefined,
  marker: PrMarker,
): string {
  const lines: string[] = [];
  if (c.mode === 'lift') {
    lines.push(
      '> [!WARNING]',
      '> Emergency change made by the Tidemark guardian in the cluster. This PR makes Git hold the live value, so Argo CD / Flux do not undo it while the incident lasts.',
      '',
      `**${field}**: ${String(gitValue)} in Git → **${c.live}** live (cluster \`${c.cluster}\`).`,
    );
  } else {
    lines.push(
      `The incident is over: the guardian restored **${field}** to **${c.live}** in the cluster. Git still holds the emergency value ${String(gitValue)}${lifted ? ` (merged in #${lifted})` : ''}; this PR brings it back, so the ceiling does not only ever ratchet up.`,
    );
  }
  lines.push(
    '',
    '| | |',
    '|---|---|',
    `| Why | ${c.why.replace(/\|/g, '\\|')} |`,
    `| Journal entry | \`${c.entry}\` (ConfigMap \`tidemark-guardian-journal\`, annotation \`tidemark.io/guardian-journal\` on the object) |`,
  );
  if (c.revertWhen) lines.push(`| Revert | ${c.revertWhen} |`);
  lines.push(
    '',
    '### Argo CD and Flux',
    '',
    '- Until this PR merges, Git and the cluster disagree on this one field. With Argo CD `selfHeal` (or Flux) the old value may be re-applied; the guardian re-applies its value at most once per cool-down and records it in the journal. Merge this PR (or add the field to `ignoreDifferences` with `RespectIgnoreDifferences=true`) to end the fight.',
    '- Tidemark plans leave this object alone while Git and live disagree.',
    '',
    encodeMarker(marker),
    '',
  );
  return lines.join('\n');
}

function describe(o: EmergencyObject): string {
  return `${o.kind} ${o.namespace}/${o.name}`;
}

/** Git's YAML may read `8` or `"true"`; the live value is the same text. */
function sameValue(a: unknown, b: number | string): boolean {
  return a !== undefined && a !== null && String(a) === String(b);
}
