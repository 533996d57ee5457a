/**
 * report.html as people open it: written by `tidemark report` from the fleet's plan files and a
 * real git history (testing/plan-fixtures.ts), opened in a real Chromium with the network off.
 * Every figure checked here is computed by hand in the fixture's terms (a core 36.5 a month, a
 * GiB 7.3); the same figures are checked unrounded in model/build.test.ts. Screenshots go to
 * test-output/report/ (or $TIDEMARK_TEST_OUTPUT/report/), printed at the start.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../cli/main.js';
import { createMemoryLogger } from '../core/logger.js';
import { describeWithBrowser } from '../testing/browser-tier.js';
import { launchOffline, testOutputDir, type OfflineBrowser, type OpenedPage } from '../testing/browser.js';
import { fleetPlans, fleetRepo, FLEET_PULLS } from '../testing/plan-fixtures.js';
import { largePlan } from '../testing/large-plan.js';
import { allowSlowTests } from '../testing/slow.js';

allowSlowTests();

async function report(args: string[]): Promise<string> {
  let out = '';
  const logger = createMemoryLogger('warn');
  const code = await main(['report', ...args], { stdout: (t) => (out += t), logger });
  if (code !== 0) throw new Error(`tidemark report exited ${code}: ${logger.lines.join('\n')}`);
  return out;
}

const text = (o: OpenedPage, selector: string): Promise<string> =>
  o.page
    .locator(selector)
    .first()
    .innerText()
    .then((t) => t.replace(/\s+/g, ' ').trim());

describeWithBrowser()('report/report.html in a real Chromium, network off', () => {
  let dir: string;
  let browser: OfflineBrowser;
  let fleet: OpenedPage;
  let shots: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'report-fleet-'));
    for (const p of fleetPlans()) {
      mkdirSync(join(dir, 'artifacts', p.name), { recursive: true });
      writeFileSync(join(dir, 'artifacts', p.name, 'plan.json'), JSON.stringify(p.doc));
      if (p.name === 'prod-now')
        writeFileSync(join(dir, 'artifacts', p.name, 'pulls.json'), JSON.stringify(FLEET_PULLS));
    }
    const repo = await fleetRepo(join(dir, 'gitops'));
    const said = await report([join(dir, 'artifacts'), '--repo', repo, '--out', join(dir, 'out')]);
    expect(said).toMatch(
      /report\.html: 2 cluster\(s\), 4 workload\(s\), 4 plan\(s\), 5 Tidemark change\(s\)/,
    );
    shots = testOutputDir('report');
    console.log(`report screenshots: ${shots}`);
    browser = await launchOffline();
    fleet = await browser.open(join(dir, 'out', 'report.html'));
    await fleet.page.waitForSelector('body[data-ready]');
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('opens from a file with nothing fetched and nothing logged as an error', async () => {
    expect(await fleet.page.getAttribute('body', 'data-ready')).toBe('true');
    expect(fleet.requests).toEqual([]);
    expect(fleet.errors).toEqual([]);
    // The trend is drawn (an SVG with a line), the page's own scripts and styles are inline.
    expect(await fleet.page.locator('#trend-chart svg path').count()).toBeGreaterThan(0);
    expect(await fleet.page.locator('script[src], link[href], img[src^="http"]').count()).toBe(0);
    await fleet.page.screenshot({ path: join(shots, 'report-fleet.png'), fullPage: true });
  });

  it('shows the header a manager reads first, with the figures of the plans and the history', async () => {
    // Nodes 800 + 100 now, 900 + 100 a period ago.
    expect(await text(fleet, '#cost-now')).toBe('$900');
    expect(await text(fleet, '#cost-change')).toBe('−10% against a period ago ($1,000)');
    // 153.3 + 204.4 + 204.4 + 25.55 = 587.65; idle 76.65 + 69.35 + 102.2 = 248.2.
    expect(await text(fleet, '#requested-now')).toBe('$588');
    expect(await text(fleet, '#idle-now')).toBe('$248');
    // 54.75 + 73 + 3.65 = 131.4 proposed; 21.9 + 14.6 merged, 21.9 of it live.
    expect(await text(fleet, '#savings-proposed')).toBe('$131');
    expect(await text(fleet, '#savings-merged')).toBe('$36.50');
    expect(await text(fleet, '#savings-realised')).toBe('$21.90');
    expect(await text(fleet, '#risk-ooms')).toBe('2 in 1 workload(s)');
    expect(await text(fleet, '#risk-throttled')).toBe('1 day(s) in 1 workload(s) at the limit');
    expect(await text(fleet, '#risk-reverted')).toBe('1');
    expect(await text(fleet, '#risk-guardian')).toBe('1 that reached Git');
    expect(await text(fleet, '#prices-used')).toBe('config prices ($0.05/core-h, $0.01/GiB-h)');
  });

  it('ranks where to start: the core workload with the larger saving pushed below', async () => {
    const rows = await fleet.page
      .locator('#ranking tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())),
      );
    expect(rows.map((r) => r[1])).toEqual([
      'prod/shop/web Deployment',
      'prod/shop/checkout Deployment',
      'staging/shop/web Deployment',
    ]);
    // saving, cost share, effect, ease, core, score (×1000): web 54.75 / 587.65 = 0.0932.
    expect(rows[0]!.slice(3)).toEqual(['$54.75', '26.1%', '36%', '1.00', '1', '93.17']);
    expect(rows[1]!.slice(3)).toEqual(['$73.00', '34.8%', '36%', '1.00', '0.25 core', '31.06']);
    expect(rows[2]!.slice(6, 7)).toEqual(['0.56']);
  });

  it('shows each stage before and after, and the saving a period ago', async () => {
    const row = await fleet.page
      .locator('#stage-table tr[data-stage="rightsize"] td')
      .evaluateAll((tds) => tds.map((td) => (td.textContent ?? '').trim()));
    expect(row.slice(0, 7)).toEqual([
      'Right-sizing',
      '3',
      '3',
      '7.50 cores, 15.00Gi $383',
      '4.30 cores, 13.00Gi $252',
      '$131',
      '$21.90',
    ]);
    expect(await text(fleet, '#compare-teams tr[data-group="storefront"] td')).toBe('storefront');
  });

  it('drills down to a workload: its figures, its pull request and a chart with marks', async () => {
    await fleet.page.locator('#ranking tbody tr').first().locator('a').click();
    await fleet.page.waitForSelector('#detail-chart svg');
    expect(await text(fleet, '#detail h3')).toBe('prod / shop / Deployment web');
    const figures = await fleet.page
      .locator('#detail-figures tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())),
      );
    expect(figures).toEqual([
      ['requested', '3', '6Gi', '$153'],
      ['used P95', '1.5', '3Gi', '$76.65'],
      ['used peak', '1.8', '3Gi', ''],
      ['proposed', '1.8', '4.5Gi', '$98.55'],
      ['idle', '1.5', '3Gi', '$76.65'],
    ]);
    expect(await fleet.page.locator('#detail-pulls a').getAttribute('href')).toBe(
      'https://github.com/acme/gitops/pull/42',
    );
    // Lines for use, request and proposed request of CPU and memory: 168 points each.
    const lengths = await fleet.page
      .locator('#detail-chart svg path')
      .evaluateAll((ps) => ps.map((p) => (p.getAttribute('d') ?? '').split(/[LM]/).length));
    expect(lengths.filter((n) => n >= 100).length).toBeGreaterThanOrEqual(4);
    expect(await text(fleet, '#detail-chart')).toMatch(/CPU used.*CPU requested.*CPU proposed/);
    expect(
      await fleet.page.locator('#workload-table .vt-row[aria-selected=true]').getAttribute('data-key'),
    ).toBe('prod/shop/Deployment/web');
    expect(fleet.errors).toEqual([]);
    await fleet.page.locator('#explore').screenshot({ path: join(shots, 'report-drilldown.png') });
  });

  it('filters by cluster and namespace, and searches every workload', async () => {
    const p = fleet.page;
    await p.locator('#cluster-tabs button[data-cluster="staging"]').click();
    expect(
      await p
        .locator('#namespace-table .vt-row')
        .evaluateAll((r) => r.map((x) => x.getAttribute('data-key'))),
    ).toEqual(['staging/shop']);
    await p.locator('#cluster-tabs button[data-cluster=""]').click();
    await p.locator('#namespace-table .vt-row[data-key="prod/batch"]').click();
    expect(
      await p.locator('#workload-table .vt-row').evaluateAll((r) => r.map((x) => x.getAttribute('data-key'))),
    ).toEqual(['prod/batch/Deployment/etl']);
    await p.locator('#cluster-tabs button[data-cluster=""]').click();
    await p.fill('#workload-search', 'checkout');
    expect(await p.locator('#workload-table .vt-row').count()).toBe(1);
  });

  it('stays usable at 5,000 workloads: it opens, its tables hold a screenful, search and scroll work', async () => {
    const big = join(dir, 'big');
    mkdirSync(join(big, 'plans'), { recursive: true });
    writeFileSync(join(big, 'plans', 'plan.json'), JSON.stringify(largePlan(5000)));
    await report([join(big, 'plans'), '--out', join(big, 'out')]);
    const o = await browser.open(join(big, 'out', 'report.html'));
    // Generous: the figure to meet (3 s) is measured by npm run bench:report, not here.
    await o.page.waitForSelector('body[data-ready]', { timeout: 60_000 });
    expect(await o.page.getAttribute('body', 'data-ready')).toBe('true');
    expect(await text(o, '#explorer h3:nth-of-type(2)')).toBe('Workloads (5000)');
    const rows = await o.page.locator('#workload-table .vt-row').count();
    expect(rows).toBeGreaterThan(10);
    expect(rows).toBeLessThan(60);
    await o.page.locator('#workload-table .vt-body').evaluate((b) => (b.scrollTop = b.scrollHeight));
    // The last row is drawn once scrolled to. Polled from here: the page's CSP forbids the eval
    // a string predicate needs, which is as it should be.
    const lastRowDrawn = (): Promise<boolean> =>
      o.page.locator('#workload-table .vt-body').evaluate((body) => {
        const rows = body.querySelectorAll('.vt-row');
        const last = rows[rows.length - 1];
        const top = /top:\s*([\d.]+)px/.exec(last?.getAttribute('style') ?? '')?.[1];
        return top !== undefined && parseFloat(top) + 28 >= body.scrollHeight - 1;
      });
    for (let i = 0; i < 50 && !(await lastRowDrawn()); i++) await o.page.waitForTimeout(100);
    expect(await lastRowDrawn()).toBe(true);
    await o.page.fill('#workload-search', 'svc-2499');
    const found = await o.page
      .locator('#workload-table .vt-row')
      .evaluateAll((r) => r.map((x) => x.getAttribute('data-key')));
    expect(found.sort()).toEqual([
      'fleet-eu/team3-ns19/Deployment/svc-2499',
      'fleet-us/team3-ns19/Deployment/svc-2499',
    ]);
    await o.page.locator('#workload-table .vt-row').first().click();
    await o.page.waitForSelector('#detail-chart svg path', { state: 'attached' });
    expect(await o.page.locator('#detail-chart svg path').count()).toBeGreaterThan(10);
    expect(o.requests).toEqual([]);
    expect(o.errors).toEqual([]);
    await o.page.screenshot({ path: join(shots, 'report-5000.png') });
  });
});
