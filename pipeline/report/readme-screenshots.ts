/**
 * The README's pictures, from a demo run: `npm run demo -- --out DIR`, then
 * `npx tsx pipeline/report/readme-screenshots.ts DIR` writes docs/images/report.png (the page as
 * it opens), report-drilldown.png (a workload opened) and table.png (`plan`'s table at 120 columns,
 * in colour, as a terminal shows it), each taken in a real Chromium with the network off.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../core/json-schema.js';
import type { PlanDocument } from '../plan/plan-document.js';
import { renderPlanTable } from '../cli/table.js';
import { launchOffline } from '../testing/browser.js';

const SGR: Record<string, string> = {
  '1': 'font-weight:bold',
  '2': 'opacity:.6',
  '31': 'color:#f14c4c',
  '32': 'color:#23d18b',
  '33': 'color:#e5c07b',
  '36': 'color:#29b8db',
};

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** ANSI colour (the codes layout.ts writes) as HTML spans. */
function ansiToHtml(text: string): string {
  let open = 0;
  const html = escape(text).replace(/\x1b\[(\d+)m/g, (_, code: string) => {
    const style = SGR[code];
    if (style) {
      open++;
      return `<span style="${style}">`;
    }
    if (!open) return '';
    open--;
    return '</span>';
  });
  return html + '</span>'.repeat(open);
}

async function main(dir: string): Promise<void> {
  const out = join(packageRoot(), 'docs', 'images');
  mkdirSync(out, { recursive: true });
  const doc = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as PlanDocument;
  const table = renderPlanTable(doc, { width: 120, color: true });
  const tmp = mkdtempSync(join(tmpdir(), 'tidemark-shots-'));
  const page = join(tmp, 'table.html');
  writeFileSync(
    page,
    '<!doctype html><meta charset="utf-8"><body style="margin:0;background:#1e1e1e">' +
      '<pre style="margin:0;padding:12px 16px;color:#d4d4d4;font:13px/1.35 \'DejaVu Sans Mono\',monospace;display:inline-block">' +
      `$ tidemark plan --config tidemark.yaml\n${ansiToHtml(table)}</pre></body>`,
  );
  const browser = await launchOffline();
  try {
    const t = await browser.open(page, { width: 1100, height: 800 });
    await t.page.locator('pre').screenshot({ path: join(out, 'table.png') });
    const r = await browser.open(join(dir, 'report.html'), { width: 1280, height: 1000 });
    await r.page.waitForSelector('body[data-ready="true"]');
    if (r.errors.length || r.requests.length)
      throw new Error(`report.html: errors ${r.errors.join('; ')}; requests ${r.requests.join(', ')}`);
    await r.page.screenshot({
      path: join(out, 'report.png'),
      clip: { x: 0, y: 0, width: 1280, height: 1250 },
    });
    await r.page.locator('#ranking tbody tr').first().locator('a').click();
    await r.page.waitForSelector('#detail-chart svg path', { state: 'attached' });
    await r.page.locator('#explore').screenshot({ path: join(out, 'report-drilldown.png') });
  } finally {
    await browser.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`wrote ${out}/table.png, report.png, report-drilldown.png`);
}

const dir = process.argv[2];
if (!dir) {
  console.error('usage: tsx pipeline/report/readme-screenshots.ts DEMO_OUT_DIR');
  process.exit(2);
}
await main(dir);
