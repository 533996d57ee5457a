/**
 * report.html: one self-contained page. The parts a manager reads first (the header, where to
 * start, each stage before and after, clusters and teams compared, where the numbers come from)
 * are plain HTML written here, readable before any script runs; the data (gzip, base64) and the
 * script (the drill-down, its virtualised tables and charts) are inlined below them. Nothing is
 * fetched: no network, no CDN.
 */
import { gzipSync } from 'node:zlib';
import type { GroupRow, ReportData, StageRow } from '../data.js';
import { bytes, change, cores, date, dateTime, days, money, percent, unitPrice } from '../format.js';
import { PAGE_CSS } from './style.js';

export const DATA_ELEMENT_ID = 'tidemark-data';
/** Ranked workloads written into the page; the script's tables hold the rest. */
const RANKED_SHOWN = 25;

export function renderReportHtml(data: ReportData, clientJs: string): string {
  const cur = data.currency;
  const m = (v: number): string => money(v, cur);
  const payload = gzipSync(Buffer.from(JSON.stringify(data))).toString('base64');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // The page loads nothing: the policy says so to the browser too.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>Tidemark cost report — ${esc(data.clusters.map((c) => c.name).join(', '))}</title>`,
    `<style>${PAGE_CSS}</style>`,
    '</head><body>',
    topOf(data),
    summaryOf(data, m),
    rankingOf(data, m),
    stagesOf(data.stages, m),
    compareOf(data, m),
    '<section id="explore"><h2>Clusters, namespaces and workloads</h2>',
    '<p class="explain">Pick a cluster and a namespace, or search every workload; a workload opens with its requests, its use over the window, what is proposed and its pull requests.</p>',
    '<div id="explorer"><noscript>The drill-down needs JavaScript; every figure above is in the page as it is.</noscript></div></section>',
    sourcesOf(data),
    `<script id="${DATA_ELEMENT_ID}" type="application/octet-stream">${payload}</script>`,
    `<script>${clientJs.replace(/<\/(script)/gi, '<\\/$1')}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}

function topOf(d: ReportData): string {
  const sources = [...new Set(d.clusters.map((c) => c.prices.source))];
  const priced = d.clusters.reduce((a, c) => a + c.prices.pricedNodes, 0);
  const spot = d.clusters.reduce((a, c) => a + c.prices.spotNodes, 0);
  const prices = sources
    .map((s) =>
      s === 'opencost'
        ? `OpenCost node prices (${priced} node(s), ${spot} spot)`
        : `config prices (${d.clusters
            .filter((c) => c.prices.source === 'config')
            .map(
              (c) =>
                `${unitPrice(c.prices.cpuCoreHour, d.currency)}/core-h, ${unitPrice(c.prices.memoryGiBHour, d.currency)}/GiB-h`,
            )
            .filter((v, i, a) => a.indexOf(v) === i)
            .join('; ')})`,
    )
    .join(' and ');
  return [
    '<header class="top"><h1>Tidemark cost report</h1>',
    `<p class="meta"><span id="clusters">${d.clusters.length} cluster(s): ${esc(d.clusters.map((c) => c.name).join(', '))}</span> · ` +
      `newest plan ${dateTime(d.now)} · period ${days(d.period.seconds)} (${date(d.period.start)} → ${date(d.now)}) · ` +
      `<span id="prices-used">${esc(prices)}</span></p></header>`,
  ].join('\n');
}

function summaryOf(d: ReportData, m: (v: number) => string): string {
  const h = d.header;
  const before = h.cost.before;
  const trend =
    before !== undefined
      ? `<span id="cost-change" class="${h.cost.now > before ? 'up' : 'down'}">${change(h.cost.now, before)} against a period ago (${m(before)})</span>`
      : '<span id="cost-change" class="muted">no plan from a period ago to compare with</span>';
  const share = h.cost.now > 0 ? ` (${percent(h.requested.now / h.cost.now)} of it)` : '';
  return `<section id="summary" class="cards">
<div class="card"><h2>Monthly cost now</h2>
<div class="big" id="cost-now" data-value="${h.cost.now}">${m(h.cost.now)}</div>
<div class="sub">what the nodes cost · ${trend}</div>
<div class="sub">requested by workloads <b id="requested-now" data-value="${h.requested.now}">${m(h.requested.now)}</b>${share}, of which idle <b id="idle-now" data-value="${h.idle}">${m(h.idle)}</b></div>
<div id="trend-chart" class="spark" aria-label="requested cost per day"></div></div>
<div class="card"><h2>Savings per month</h2><dl>
<dt>Proposed</dt><dd id="savings-proposed" data-value="${h.savings.proposed}">${m(h.savings.proposed)}</dd>
<dt>Merged this period</dt><dd><span id="savings-merged" data-value="${h.savings.merged}">${m(h.savings.merged)}</span> <span class="muted">in ${h.savings.mergedChanges} change(s)</span></dd>
<dt>Realised</dt><dd><span id="savings-realised" data-value="${h.savings.realised}">${m(h.savings.realised)}</span> <span class="muted">live requests against those before the merge</span></dd>
</dl></div>
<div class="card"><h2>Risk this period</h2><dl>
<dt>OOM kills</dt><dd id="risk-ooms" data-value="${h.risk.ooms}">${h.risk.ooms} <span class="muted">in ${h.risk.oomWorkloads} workload(s)</span></dd>
<dt>CPU throttling</dt><dd id="risk-throttled" data-value="${h.risk.throttledDays}">${h.risk.throttledDays} day(s) <span class="muted">in ${h.risk.throttledWorkloads} workload(s) at the limit</span></dd>
<dt>Reverted changes</dt><dd id="risk-reverted" data-value="${h.risk.reverted}">${h.risk.reverted}</dd>
<dt>Guardian actions</dt><dd id="risk-guardian" data-value="${h.risk.guardian}">${h.risk.guardian} <span class="muted">that reached Git</span></dd>
</dl></div>
</section>`;
}

function rankingOf(d: ReportData, m: (v: number) => string): string {
  const rows = d.ranking.workloads.slice(0, RANKED_SHOWN).map((r, i) => {
    const w = d.workloads[r.workload]!;
    return `<tr data-workload="${r.workload}"><td class="num">${i + 1}</td><td><a href="#w${r.workload}" class="wl">${esc(`${w.cluster}/${w.namespace}/${w.name}`)}</a> <span class="muted">${esc(w.kind)}</span></td><td>${esc(w.team ?? '')}</td><td class="num">${m(w.saving)}</td><td class="num">${percent(r.costShare, 1)}</td><td class="num">${percent(r.effect)}</td><td class="num" title="${esc(r.easeWhy)}">${r.ease.toFixed(2)}</td><td class="num" title="${esc(w.core ?? 'not core')}">${r.core === 1 ? '1' : `${r.core} core`}</td><td class="num">${(r.score * 1000).toFixed(2)}</td></tr>`;
  });
  const ns = d.ranking.namespaces.map(
    (r, i) =>
      `<tr data-namespace="${esc(`${r.cluster}/${r.namespace}`)}"><td class="num">${i + 1}</td><td>${esc(`${r.cluster}/${r.namespace}`)}</td><td class="num">${r.workloads}</td><td class="num">${m(r.saving)}</td><td class="num">${percent(r.costShare, 1)}</td><td class="num">${percent(r.effect)}</td><td class="num">${r.ease.toFixed(2)}</td><td class="num">${r.core.toFixed(2)}</td><td class="num">${(r.score * 1000).toFixed(2)}</td></tr>`,
  );
  const head = (first: string, extra: string): string =>
    `<thead><tr><th>#</th><th>${first}</th>${extra}<th>saving/mo</th><th title="its cost over the fleet's">cost share</th><th title="the saving over its cost">effect</th><th title="1 = low risk, high confidence">ease</th><th title="core workloads ×0.25">core</th><th title="cost share × effect × ease × core, ×1000">score</th></tr></thead>`;
  return `<section id="start"><h2>Where to start</h2>
<p class="explain">Ranked by <b>cost share × effect × ease × core</b>: a large share of the cost, a large part of it saved, a change that is easy and safe, and not a core workload (a <code>tidemark.io/core</code> label or annotation, or the latency profile, weighs ×0.25). Each factor is shown; hover for the reasons.</p>
${
  rows.length
    ? `<table id="ranking">${head('workload', '<th>team</th>')}<tbody>${rows.join('')}</tbody></table>${d.ranking.workloads.length > RANKED_SHOWN ? `<p class="muted">${d.ranking.workloads.length - RANKED_SHOWN} more with a saving: in the drill-down below.</p>` : ''}`
    : '<p id="ranking" class="muted">No proposal saves money in these plans.</p>'
}
${ns.length ? `<h3>Namespaces</h3><table id="ranking-namespaces">${head('namespace', '<th>workloads</th>')}<tbody>${ns.join('')}</tbody></table>` : ''}
</section>`;
}

function stagesOf(stages: StageRow[], m: (v: number) => string): string {
  const rows = stages.map(
    (s) =>
      `<tr data-stage="${s.stage}"><td><b>${esc(s.title)}</b></td><td class="num">${s.recommendations}</td><td class="num">${s.workloads}</td><td>${esc(s.before.detail)} <span class="money">${m(s.before.monthly)}</span></td><td>${esc(s.after.detail)} <span class="money">${m(s.after.monthly)}</span></td><td class="num saving">${m(s.saving.now)}</td><td class="num">${s.saving.before !== undefined ? m(s.saving.before) : '<span class="muted">—</span>'}</td><td class="note">${esc(s.note)}</td></tr>`,
  );
  return `<section id="stages"><h2>Before and after, per stage</h2>
<table id="stage-table"><thead><tr><th>stage</th><th>proposals</th><th>subjects</th><th>before (per month)</th><th>after</th><th>saving/mo</th><th>a period ago</th><th>how it is counted</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function compareOf(d: ReportData, m: (v: number) => string): string {
  const table = (id: string, first: string, rows: GroupRow[]): string => {
    const body = rows.map((g) => {
      const cmp = (c: { now: number; before?: number }): string =>
        `${m(c.now)}${c.before !== undefined ? ` <span class="muted">(${change(c.now, c.before) || m(c.before)} against ${m(c.before)})</span>` : ''}`;
      return `<tr data-group="${esc(g.name)}"><td><b>${esc(g.name)}</b></td><td class="num">${g.workloads}</td>${first === 'cluster' ? `<td class="num">${g.nodes ? cmp(g.nodes) : ''}</td>` : ''}<td class="num">${cmp(g.cost)}</td><td class="num">${m(g.idle)}</td><td class="num">${cmp(g.proposed)}</td><td class="num">${m(g.byStage.rightsize)}</td><td class="num">${m(g.byStage.autoscaling)}</td>${first === 'cluster' ? `<td class="num">${m(g.byStage.scaledown)}</td>` : ''}<td class="num">${m(g.byStage.placement)}</td><td class="num">${m(g.merged)}</td><td class="num">${m(g.realised)}</td><td class="num">${g.ooms}</td><td class="num">${g.throttledDays}</td><td class="num">${percent(g.coreShare)}</td></tr>`;
    });
    return `<table id="${id}"><thead><tr><th>${first}</th><th>workloads</th>${first === 'cluster' ? '<th>nodes/mo</th>' : ''}<th>requested/mo</th><th>idle/mo</th><th>proposed saving</th><th>right-sizing</th><th>autoscaling</th>${first === 'cluster' ? '<th>scale-down</th>' : ''}<th>placement</th><th>merged</th><th>realised</th><th>OOM kills</th><th>throttled days</th><th>core share</th></tr></thead><tbody>${body.join('')}</tbody></table>`;
  };
  return `<section id="compare"><h2>Compared</h2>
<p class="explain">This period against the one before (the newest plan at least ${days(d.period.seconds)} older, where there is one), cluster against cluster, team against team.</p>
<h3>Clusters</h3>${table('compare-clusters', 'cluster', d.groups.clusters)}
${
  d.groups.teams.length
    ? `<h3>Teams</h3>${table('compare-teams', 'team', d.groups.teams)}`
    : '<p class="muted" id="compare-teams">No teams: set <code>report.teams</code> (a label, or a namespace map) in the config.</p>'
}
</section>`;
}

function sourcesOf(d: ReportData): string {
  const prices = d.clusters.map(
    (c) =>
      `<li><b>${esc(c.name)}</b>: ${
        c.prices.source === 'opencost'
          ? `OpenCost/Kubecost node prices from its Prometheus (<code>node_cpu_hourly_cost</code>, <code>node_ram_hourly_cost</code>, <code>kubecost_node_is_spot</code>): ${c.prices.pricedNodes} node(s), ${c.prices.spotNodes} spot${c.prices.unpriced ? `, ${c.prices.unpriced} priced from config` : ''}`
          : `config prices: ${unitPrice(c.prices.cpuCoreHour, d.currency)} per core-hour, ${unitPrice(c.prices.memoryGiBHour, d.currency)} per GiB-hour`
      }${c.prices.note ? ` (${esc(c.prices.note)})` : ''}; ${c.nodes.count} node(s), ${cores(c.nodes.cpuCores)} cores, ${bytes(c.nodes.memoryBytes)}; window ${date(c.window.start)} → ${date(c.window.end)}</li>`,
  );
  const plans = d.sources.plans.map(
    (p) => `<li><code>${esc(p.file)}</code>: ${esc(p.cluster)} at ${dateTime(p.at)}</li>`,
  );
  const h = d.sources.history;
  return `<section id="sources"><h2>Where these numbers come from</h2>
<ul id="prices">${prices.join('')}</ul>
<p>Money is per month (730 hours). A workload's cost is its requests × replicas × the price of the nodes its pods run on; idle is what it requests above its P95 use, per resource. ${h ? `History: ${h.commits} Tidemark commit(s) in <code>${esc(h.repo)}</code> since ${date(h.since)}.` : 'No repository history was read.'}</p>
${d.sources.notes.length ? `<ul class="notes">${d.sources.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
<details><summary>${d.sources.plans.length} plan file(s)</summary><ul>${plans.join('')}</ul></details>
</section>`;
}

export function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}
