/**
 * The drill-down: a cluster (or all), its namespaces, their workloads (or every workload matching a
 * search), and one workload opened: requests, use (P95 and peak), what is proposed, idle cost, its
 * recommendations, its open pull requests and its chart. Tables are virtualised; the chart is drawn
 * only for the workload opened.
 */
import type { NamespaceRow, ReportData, WorkloadRow } from '../data.js';
import { bytes, cores, effect, money, percent } from '../format.js';
import { usageChart } from './charts.js';
import { VirtualTable } from './virtual-table.js';

interface State {
  cluster?: string;
  namespace?: string;
  search: string;
}

export function explorer(host: HTMLElement, d: ReportData): { open: (index: number) => void } {
  const m = (v: number): string => money(v, d.currency);
  const state: State = { search: '' };
  const index = new Map(d.workloads.map((w, i) => [w, i]));
  host.replaceChildren();

  const tabs = el('div', 'tabs');
  tabs.id = 'cluster-tabs';
  const tab = (label: string, cluster: string | undefined): HTMLButtonElement => {
    const b = el('button') as HTMLButtonElement;
    b.textContent = label;
    b.dataset.cluster = cluster ?? '';
    b.addEventListener('click', () => {
      state.cluster = cluster;
      state.namespace = undefined;
      refresh();
    });
    tabs.appendChild(b);
    return b;
  };
  tab('All clusters', undefined);
  for (const c of d.clusters) tab(c.name, c.name);

  const grid = el('div', 'explorer-grid');
  const left = el('div');
  const right = el('div');
  grid.append(left, right);
  host.append(tabs, grid);

  const nsTitle = el('h3');
  left.appendChild(nsTitle);
  const namespaces = new VirtualTable<NamespaceRow>(
    left,
    [
      {
        label: 'namespace',
        width: '2fr',
        text: (n) => (state.cluster ? n.namespace : `${n.cluster}/${n.namespace}`),
      },
      {
        label: 'workloads',
        width: '76px',
        num: true,
        text: (n) => String(n.workloads),
        sort: (n) => n.workloads,
      },
      {
        label: 'cost/mo',
        width: '76px',
        num: true,
        text: (n) => m(n.cost),
        sort: (n) => n.cost,
        title: () => 'requested',
      },
      { label: 'idle', width: '72px', num: true, text: (n) => m(n.idle), sort: (n) => n.idle },
      { label: 'saving', width: '72px', num: true, text: (n) => m(n.saving), sort: (n) => n.saving },
      { label: 'OOMs', width: '52px', num: true, text: (n) => String(n.ooms), sort: (n) => n.ooms },
    ],
    {
      id: 'namespace-table',
      height: 240,
      key: (n) => `${n.cluster}/${n.namespace}`,
      sortBy: 2,
      onSelect: (n) => {
        state.namespace = `${n.cluster}/${n.namespace}`;
        refreshWorkloads();
      },
    },
  );

  const wlTitle = el('h3');
  const search = el('input', 'search') as HTMLInputElement;
  search.type = 'search';
  search.id = 'workload-search';
  search.placeholder = 'Search workloads: name, namespace, team…';
  search.addEventListener('input', () => {
    state.search = search.value.trim().toLowerCase();
    refreshWorkloads();
  });
  left.append(wlTitle, search);
  const workloads = new VirtualTable<WorkloadRow>(
    left,
    [
      {
        label: 'workload',
        width: '2.2fr',
        text: (w) => `${w.namespace}/${w.name}`,
        title: (w) => `${w.cluster}/${w.namespace}/${w.kind}/${w.name}`,
      },
      { label: 'pods', width: '48px', num: true, text: (w) => String(w.replicas), sort: (w) => w.replicas },
      {
        label: 'cost/mo',
        width: '76px',
        num: true,
        text: (w) => m(w.cost),
        sort: (w) => w.cost,
        title: () => 'requested',
      },
      { label: 'idle', width: '72px', num: true, text: (w) => m(w.idle), sort: (w) => w.idle },
      { label: 'saving', width: '72px', num: true, text: (w) => m(w.saving), sort: (w) => w.saving },
      { label: 'OOMs', width: '52px', num: true, text: (w) => String(w.ooms), sort: (w) => w.ooms },
    ],
    {
      id: 'workload-table',
      height: 420,
      key: (w) => `${w.cluster}/${w.namespace}/${w.kind}/${w.name}`,
      sortBy: 2,
      onSelect: (w) => open(index.get(w)!),
    },
  );

  const detail = el('div', 'panel');
  detail.id = 'detail';
  detail.innerHTML =
    '<p class="muted">Open a workload to see its requests, its use and what is proposed.</p>';
  right.appendChild(detail);

  function refresh(): void {
    for (const b of tabs.querySelectorAll('button'))
      b.setAttribute('aria-pressed', String((b.dataset.cluster || undefined) === state.cluster));
    const list = d.namespaces.filter((n) => !state.cluster || n.cluster === state.cluster);
    nsTitle.textContent = `Namespaces (${list.length})`;
    namespaces.setRows(list);
    refreshWorkloads();
  }

  function refreshWorkloads(): void {
    const q = state.search;
    const list = d.workloads.filter(
      (w) =>
        (!state.cluster || w.cluster === state.cluster) &&
        (!state.namespace || `${w.cluster}/${w.namespace}` === state.namespace) &&
        (!q || `${w.cluster}/${w.namespace}/${w.kind}/${w.name} ${w.team ?? ''}`.toLowerCase().includes(q)),
    );
    wlTitle.textContent = `Workloads${state.namespace ? ` in ${state.namespace}` : ''} (${list.length})`;
    workloads.setRows(list);
  }

  function open(i: number): void {
    const w = d.workloads[i];
    if (!w) return;
    if (state.cluster && state.cluster !== w.cluster) state.cluster = undefined;
    if (state.namespace && state.namespace !== `${w.cluster}/${w.namespace}`) state.namespace = undefined;
    detail.replaceChildren(...detailOf(w, d, m));
    workloads.select(w);
    const chart = el('div', 'chart');
    chart.id = 'detail-chart';
    detail.appendChild(chart);
    usageChart(chart, w);
  }

  refresh();
  return {
    open: (i) => {
      const w = d.workloads[i];
      if (!w) return;
      state.cluster = w.cluster;
      state.namespace = `${w.cluster}/${w.namespace}`;
      state.search = '';
      search.value = '';
      refresh();
      open(i);
    },
  };
}

function detailOf(w: WorkloadRow, d: ReportData, m: (v: number) => string): Node[] {
  const title = el('h3');
  title.textContent = `${w.cluster} / ${w.namespace} / ${w.kind} ${w.name}`;
  const pills = el('p');
  for (const [text, cls] of [
    [`${w.replicas} pod(s)`, ''],
    ...(w.team ? [[`team ${w.team}`, '']] : []),
    ...(w.core ? [[`core: ${w.core}`, 'core']] : []),
  ] as [string, string][]) {
    const p = el('span', `pill ${cls}`.trim());
    p.textContent = text;
    pills.append(p, ' ');
  }
  const u = w.used;
  const reqCpu = w.requests.cpuCores * w.replicas;
  const reqMem = w.requests.memoryBytes * w.replicas;
  const propCpu = w.containers.reduce((a, c) => a + (c.proposedCpuCores ?? c.cpuCores), 0) * w.replicas;
  const propMem = w.containers.reduce((a, c) => a + (c.proposedMemoryBytes ?? c.memoryBytes), 0) * w.replicas;
  const figures = table(
    ['', 'CPU (cores)', 'memory', 'per month'],
    [
      ['requested', cores(reqCpu), bytes(reqMem), m(w.cost)],
      ['used P95', u ? cores(u.cpuP95) : '—', u ? bytes(u.memoryP95) : '—', m(w.usedCost)],
      ['used peak', u ? cores(u.cpuPeak) : '—', u ? bytes(u.memoryPeak) : '—', ''],
      ['proposed', cores(propCpu), bytes(propMem), m(w.proposedCost)],
      [
        'idle',
        u ? cores(Math.max(0, reqCpu - u.cpuP95)) : '—',
        u ? bytes(Math.max(0, reqMem - u.memoryP95)) : '—',
        m(w.idle),
      ],
    ],
    'detail-figures',
  );
  const containers = table(
    ['container', 'CPU request', '→ proposed', 'memory request', '→ proposed'],
    w.containers.map((c) => [
      c.name,
      cores(c.cpuCores),
      c.proposedCpuCores !== undefined ? cores(c.proposedCpuCores) : '',
      bytes(c.memoryBytes),
      c.proposedMemoryBytes !== undefined ? bytes(c.proposedMemoryBytes) : '',
    ]),
    'detail-containers',
  );
  const recs = el('ul');
  recs.id = 'detail-recommendations';
  for (const r of w.recommendations) {
    const li = el('li');
    li.textContent = `${r.analyzer} — ${r.subject}: ${r.decision}, ${r.risk} risk${r.saving ? `, ${effect(r.saving, d.currency)}` : ''}. ${r.why}`;
    recs.appendChild(li);
  }
  if (!w.recommendations.length)
    recs.innerHTML = '<li class="muted">No recommendation for this workload.</li>';
  const pulls = el('p');
  pulls.id = 'detail-pulls';
  if (w.pulls.length) {
    pulls.append('Open pull requests: ');
    w.pulls.forEach((i, n) => {
      const p = d.pulls[i]!;
      const a = el('a') as HTMLAnchorElement;
      a.href = p.url;
      a.rel = 'noopener';
      a.target = '_blank';
      a.textContent = `#${p.number}${p.title ? ` ${p.title}` : ''}`;
      pulls.append(...(n ? [', '] : []), a);
    });
  } else pulls.innerHTML = '<span class="muted">No open pull request.</span>';
  const risk = el('p', 'muted');
  risk.textContent = `${w.ooms} OOM kill(s), ${w.restarts} restart(s), ${w.throttledDays} day(s) at the CPU limit in the window; idle is ${w.cost > 0 ? percent(w.idle / w.cost) : '0%'} of its cost.`;
  return [title, pills, figures, containers, risk, recs, pulls];
}

function table(head: string[], rows: string[][], id: string): HTMLTableElement {
  const t = el('table') as HTMLTableElement;
  t.id = id;
  const h = el('tr');
  for (const x of head) {
    const th = el('th');
    th.textContent = x;
    h.appendChild(th);
  }
  const thead = el('thead');
  thead.appendChild(h);
  const body = el('tbody');
  for (const r of rows) {
    const tr = el('tr');
    r.forEach((x, i) => {
      const td = el('td', i ? 'num' : '');
      td.textContent = x;
      tr.appendChild(td);
    });
    body.appendChild(tr);
  }
  t.append(thead, body);
  return t;
}

function el(tag: string, cls = ''): HTMLElement {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  return e;
}
