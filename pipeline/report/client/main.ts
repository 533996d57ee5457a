/** The report page's script: decode the inlined data, draw the trend, build the drill-down. */
import { trendChart } from './charts.js';
import { explorer } from './explorer.js';
import { loadData } from './load.js';

const DATA_ID = 'tidemark-data';

async function start(): Promise<void> {
  const data = await loadData(DATA_ID);
  const trend = document.getElementById('trend-chart');
  if (trend) trendChart(trend, data);
  const host = document.getElementById('explorer');
  if (!host) return;
  const ui = explorer(host, data);
  const openFromHash = (): void => {
    const m = /^#w(\d+)$/.exec(location.hash);
    if (m) {
      ui.open(Number(m[1]));
      document.getElementById('explore')?.scrollIntoView();
    }
  };
  window.addEventListener('hashchange', openFromHash);
  openFromHash();
  // Milliseconds from navigation to a usable page: what npm run bench:report reports.
  document.body.dataset.readyMs = String(Math.round(performance.now()));
  document.body.dataset.ready = 'true';
}

start().catch((err: unknown) => {
  document.body.dataset.ready = 'error';
  const host = document.getElementById('explorer');
  if (host) host.textContent = `The drill-down could not start: ${String(err)}`;
  throw err;
});
