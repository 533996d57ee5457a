/**
 * The pull-request body. First what a reviewer decides on: what changes, what it saves, what the
 * risk is; then a table per namespace (structured values summarised, never raw JSON) and the
 * risks; then the detail, collapsed — autoscaling, overcommit, placement, the scale-down report
 * (only in a PR that changes a pool), evidence per change, charts and queries; then how to
 * revert. A body stays under 20 KB by default (UTF-8 bytes, so never over GitHub's 65,536
 * characters either): evidence is cut first, with a pointer to plan.json.
 */
import type { PlanClusterJson, PlanDocument, PlanRecommendationJson } from '../../plan/plan-document.js';
import { addSavings, NO_SAVINGS } from '../../plan/savings.js';
import { humanBytes, parseQuantity } from '../../core/quantity.js';
import { rowsOf, show, type ChangeRow } from './rows.js';
import { policyRiskLine } from './policy-notes.js';
import { autoscalingSection } from './autoscaling.js';
import { layoutNotesSection } from './layout-notes.js';
import { overcommitSection } from './overcommit.js';
import { scaledownSection } from './capacity.js';
import { placementSection } from './placement.js';
import { summaryLines } from './summary.js';
import { summarizeValueChange } from './value-summary.js';

export interface PrBodyOptions {
  /** Size budget in UTF-8 bytes (config output.prBodyMaxChars); default PR_BODY_TARGET. */
  maxChars?: number;
  /** Extra sections (Argo CD notes, charts) appended after the tables by later stages. */
  extraSections?: string[];
  /** A hidden marker (fingerprint) the publish stage appends; counted in the budget. */
  footerMarker?: string;
  /**
   * Show cluster-level reports (scale-down candidates). Default: only when the body changes a
   * node pool; a PR about workloads does not carry them.
   */
  reports?: boolean;
}

/** GitHub rejects bodies over 65,536 characters. */
export const PR_BODY_LIMIT = 65000;
/** What a reviewer can still read in one sitting. */
export const PR_BODY_TARGET = 20000;

export function renderPrBody(
  doc: Pick<PlanDocument, 'prices' | 'tidemarkVersion'>,
  clusters: PlanClusterJson[],
  opts: PrBodyOptions = {},
): string {
  const max = Math.min(opts.maxChars ?? PR_BODY_TARGET, PR_BODY_LIMIT);
  const currency = doc.prices.currency;
  const included = clusters.map((c) => ({ ...c, recommendations: c.recommendations.filter(isShown) }));
  const recs = included.flatMap((c) => c.recommendations);
  const savings = recs.reduce((acc, r) => addSavings(acc, r.savings), NO_SAVINGS);
  const workloads = new Set(recs.filter((r) => r.render.status === 'rendered').map((r) => r.workload));
  const showReports =
    opts.reports ??
    recs.some((r) => r.analyzer === 'scaledown' && (r.subject === 'node count' || r.subject === 'limits'));

  const rendered = recs.filter((r) => r.render.status === 'rendered');
  const rows = rowsOf(rendered);

  // The readable summary first: what changes, what it saves, what the risk is.
  const head: string[] = [];
  head.push(`## Tidemark: ${titleOf(recs)} for ${included.map((c) => `\`${c.name}\``).join(', ')}`);
  head.push('', ...summaryLines(rows, rendered, savings, currency));
  for (const c of clusters) {
    const count = (d: string): number => c.recommendations.filter((r) => r.decision === d).length;
    head.push(
      '',
      `<sub>Cluster \`${c.name}\`: usage window ${c.window.start.slice(0, 16)}Z → ${c.window.end.slice(0, 16)}Z at ${c.window.step}s intervals; ` +
        `${workloads.size} workload(s), ${rendered.length} change(s): ${count('accepted')} accepted, ${count('clamped')} clamped, ${count('rejected')} rejected, ${c.skipped.length} skipped.</sub>`,
    );
  }

  const tables: string[] = [];
  for (const ns of [...new Set(rows.map((r) => r.namespace))]) {
    tables.push('', `### Namespace \`${ns}\``, '', tableOf(rows.filter((r) => r.namespace === ns)));
  }
  if (rows.length === 0) tables.push('', '_No change passed policy and rendering in this run._');

  const risks = risksOf(recs);
  const riskSection = [
    '',
    '### Risks',
    '',
    ...(risks.length
      ? risks.map((r) => `- ${r}`)
      : ['- None found beyond the usual: watch OOMs and throttling after merge.']),
  ];

  // The detail behind the summary, collapsed: a reviewer opens what they want to check.
  const details = [
    ...collapsed(autoscalingSection(included)),
    ...collapsed(overcommitSection(included)),
    ...collapsed(placementSection(included)),
    ...(showReports ? collapsed(scaledownSection(included)) : []),
    ...layoutNotesSection(included),
  ];
  const skippedSection = skippedOf(included);
  const revert = [
    '',
    '### How to revert',
    '',
    'Revert this pull request (`git revert -m 1 <merge commit>`) and let Argo CD / Flux sync: the previous requests come back exactly, since only the lines shown in the diff changed. ' +
      'Closing this PR without merging tells Tidemark the change is not wanted; it will not propose it again until the recommendation changes materially.',
  ];
  const footer = [
    '',
    `<sub>Generated by Tidemark ${doc.tidemarkVersion}. Full evidence for every recommendation, including rejected and skipped ones, is in \`plan.json\`.</sub>`,
  ];
  if (opts.footerMarker) footer.push('', opts.footerMarker);

  const beforeEvidence = [...head, ...tables, ...riskSection, ...details].join('\n');
  const afterEvidence = [
    '',
    ...(opts.extraSections ?? []).flatMap((s) => ['', s]),
    ...skippedSection,
    ...revert,
    ...footer,
  ].join('\n');
  // Evidence is cut first, block by block, with a pointer to plan.json.
  const evidenceBlocks = rendered.map(evidenceOf);
  const evidenceHeader = '\n\n### Evidence\n';
  const evidenceFooter = '';
  let evidence = '';
  let omitted = 0;
  const room =
    max - bytes(beforeEvidence) - bytes(afterEvidence) - bytes(evidenceHeader + evidenceFooter) - 200;
  for (const block of evidenceBlocks) {
    if (bytes(evidence) + bytes(block) + 1 > room) {
      omitted++;
      continue;
    }
    evidence += '\n' + block;
  }
  if (omitted)
    evidence += `\n\n_${omitted} more evidence block(s) omitted to keep this body under ${Math.round(max / 1000)} KB; see \`plan.json\`._`;

  let body =
    beforeEvidence +
    (evidenceBlocks.length ? evidenceHeader + evidence + evidenceFooter : '') +
    afterEvidence;
  if (bytes(body) > max) {
    const note = '\n\n_Truncated to keep this body under its size limit; see `plan.json` for the rest._';
    const tail = note + (opts.footerMarker ? '\n' + opts.footerMarker : '');
    let cut = body.lastIndexOf('\n', max - bytes(tail) - 1);
    while (cut > 0 && bytes(body.slice(0, cut)) + bytes(tail) > max) cut = body.lastIndexOf('\n', cut - 1);
    body = body.slice(0, Math.max(cut, 0)) + tail;
  }
  return body.endsWith('\n') ? body : body + '\n';
}

function titleOf(recs: PlanRecommendationJson[]): string {
  const kinds = new Set(recs.map((r) => r.analyzer));
  const parts = [
    ...(kinds.has('rightsize') ? ['right-sizing'] : []),
    ...(kinds.has('hpa') || kinds.has('cronhpa') ? ['autoscaling'] : []),
    ...(kinds.has('overcommit') ? ['overcommit'] : []),
    ...(kinds.has('placement') ? ['virtual-node placement'] : []),
    ...(kinds.has('scaledown') ? ['scale-down'] : []),
  ];
  return parts.join(' and ') || 'plan';
}

function isShown(r: PlanRecommendationJson): boolean {
  return r.decision !== 'rejected';
}

function tableOf(rows: ChangeRow[]): string {
  const out = [
    '| Workload | Container | Resource | Current → Proposed | Decision | Why |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const summary = summarizeValueChange(r.current, r.proposed);
    const change = summary ? cell(summary) : `\`${cell(r.current)}\` → \`${cell(r.proposed)}\``;
    out.push(
      `| ${cell(r.workload)} | ${cell(r.container)} | ${r.resource} | ${change} | ${r.decision} | ${cell(r.why)} |`,
    );
  }
  return out.join('\n');
}

function evidenceOf(r: PlanRecommendationJson): string {
  const e = r.evidence;
  const lines = [
    `<details><summary><code>${r.workload}</code> — ${escapeHtml(r.subject)}</summary>`,
    '',
    `- **Why:** ${e.why}`,
    `- **Window:** ${new Date(e.window.start * 1000).toISOString().slice(0, 16)}Z → ${new Date(e.window.end * 1000).toISOString().slice(0, 16)}Z, ${e.samples.toLocaleString('en-US')} samples` +
      (e.confidence
        ? `, confidence ${e.confidence.level} (${e.confidence.days.toFixed(1)} days of data)`
        : ''),
  ];
  if (e.statistic)
    lines.push(
      `- **Statistic:** ${e.statistic}${e.percentile !== undefined ? ` (P${trimNum(e.percentile * (e.percentile <= 1 ? 100 : 1))})` : ''}`,
    );
  if (e.peak !== undefined) lines.push(`- **Peak seen:** ${formatEvidenceNumber(e.peak, e, r.subject)}`);
  if (e.lower !== undefined && e.upper !== undefined)
    lines.push(
      `- **Band:** ${formatEvidenceNumber(e.lower, e, r.subject)} – ${formatEvidenceNumber(e.upper, e, r.subject)}`,
    );
  lines.push(`- **OOM kills in window:** ${e.ooms}`);
  for (const o of r.outcomes)
    lines.push(`- **Policy** \`${o.policy}/${o.rule}\`: ${o.decision} — ${o.reason}`);
  for (const f of r.fields) {
    const note =
      f.analyzerProposed !== undefined && JSON.stringify(f.analyzerProposed) !== JSON.stringify(f.proposed)
        ? ` (analyzer proposed \`${show(f.analyzerProposed)}\`)`
        : '';
    lines.push(
      `- \`${f.path}\`: \`${show(f.current)}\` → \`${f.proposed === undefined || f.proposed === null ? '(removed)' : show(f.proposed)}\`${note}`,
    );
  }
  if (e.queries?.length) {
    lines.push('', '```promql', ...e.queries, '```');
  }
  lines.push('', '</details>');
  return lines.join('\n');
}

function formatEvidenceNumber(v: number, e: PlanRecommendationJson['evidence'], subject: string): string {
  if (e.unit === 'millicores') return `${trimNum(v)}m`;
  if (e.unit === 'bytes' || /memory/.test(subject) || v > 1e5) return humanBytes(v);
  return `${trimNum(v)}`;
}

function risksOf(recs: PlanRecommendationJson[]): string[] {
  const out: string[] = [];
  for (const r of recs) {
    if (r.render.status !== 'rendered') continue;
    const memUp = r.fields.some((f) => /memory$/.test(f.path) && num(f.proposed) > num(f.current));
    if (r.evidence.ooms > 0 && memUp)
      out.push(
        `\`${r.workload}\` (${r.subject}) was OOM-killed ${r.evidence.ooms}× in the window: memory is raised, never lowered.`,
      );
    if (r.evidence.confidence?.level === 'low')
      out.push(
        `\`${r.workload}\` (${r.subject}) has little history (${r.evidence.confidence.days.toFixed(1)} days): the band is wide.`,
      );
    const policyLine = policyRiskLine(r);
    if (policyLine) out.push(policyLine);
    if (r.fields.some((f) => /limits\./.test(f.path)))
      out.push(
        `\`${r.workload}\` (${r.subject}) changes a limit (kept at the original limit/request ratio).`,
      );
    if (r.risk === 'high') out.push(`\`${r.workload}\` (${r.subject}) is marked high risk by its analyzer.`);
  }
  return out;
}

/** The skipped workloads of these clusters, broken manifests first (also pr.md's, when no PR carries them). */
export function skippedOf(clusters: PlanClusterJson[]): string[] {
  const skipped = clusters.flatMap((c) => c.skipped);
  if (!skipped.length) return [];
  const byReason = new Map<string, number>();
  for (const s of skipped) byReason.set(s.reason, (byReason.get(s.reason) ?? 0) + 1);
  const lines = [
    '',
    '<details><summary>Not changed in this run (' + skipped.length + ')</summary>',
    '',
    '| Workload | Reason | Detail |',
    '|---|---|---|',
  ];
  // A manifest that does not parse needs the user's hand: it is listed first, never cut off.
  const broken = skipped.filter((s) => s.reason === 'unparsable-manifest');
  const ordered = [...broken, ...skipped.filter((s) => s.reason !== 'unparsable-manifest')];
  for (const s of ordered.slice(0, Math.max(60, broken.length)))
    lines.push(
      `| \`${s.workload}\`${s.container ? ` (${cell(s.container)})` : ''} | ${s.reason} | ${cell(s.detail)} |`,
    );
  const shown = Math.max(60, broken.length);
  if (skipped.length > shown) lines.push(`| … | ${skipped.length - shown} more | see \`plan.json\` |`);
  lines.push('', [...byReason].map(([r, n]) => `${r}: ${n}`).join(' · '), '', '</details>');
  return lines;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
function trimNum(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(3).replace(/0+$/, '').replace(/\.$/, '');
}
function num(v: unknown): number {
  if (typeof v !== 'number' && typeof v !== 'string') return NaN;
  try {
    return parseQuantity(v);
  } catch {
    return NaN;
  }
}

/** A section's `### Title` blocks as <details>, their title in the summary line. */
function collapsed(section: string[]): string[] {
  const out: string[] = [];
  let open = false;
  for (const line of section) {
    if (line.startsWith('### ')) {
      if (open) out.push('', '</details>');
      const title = escapeHtml(line.slice(4)).replace(/`([^`]+)`/g, '<code>$1</code>');
      out.push(`<details><summary><b>${title}</b></summary>`);
      open = true;
    } else out.push(line);
  }
  if (open) out.push('', '</details>');
  return out;
}

function bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
