import { parse as parseYaml } from 'yaml';
import { getValidator } from '../../core/json-schema.js';
import { ConfigError } from '../../core/errors.js';
import { CSV_COLUMNS, formatPlan, parseOutputFormat } from './formats.js';
import { outputFixture, COLOCATION_BEFORE } from '../../testing/plan-fixtures.js';
import type { PlanRowsDocument } from './rows.js';

/** RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += ch;
  }
  return records;
}

describe('cli/output/formats', () => {
  it('json is the documented PlanRows document, with full values and money per row and in total', () => {
    const doc = JSON.parse(formatPlan(outputFixture(), 'json')) as PlanRowsDocument;
    const validate = getValidator('https://tidemark.io/schemas/plan-rows.json');
    expect(validate.errors ?? (validate(doc) ? null : validate.errors)).toBeNull();
    const colocation = doc.rows.find((r) => r.resource === 'data.colocation-config')!;
    expect(colocation.current).toBe(COLOCATION_BEFORE);
    expect(JSON.parse(colocation.proposed).nodeConfigs[0].cpuReclaimThresholdPercent).toBe(55);
    expect(colocation.change).toBe('colocation-config: cpuReclaimThresholdPercent 60 → 55 (general)');
    const cpu = doc.rows.find(
      (r) => r.cluster === 'prod' && r.name === 'cart' && r.resource === 'cpu request',
    )!;
    expect(cpu).toMatchObject({
      kind: 'Deployment',
      namespace: 'shop',
      monthlySavings: 13.58,
      decision: 'clamped',
    });
    expect(doc.total.monthlySavings).toBe(17.68);
    expect(doc.clusters.map((c) => [c.cluster, c.monthlySavings])).toEqual([
      ['prod', 17.06],
      ['staging', 0.62],
    ]);
  });

  it('yaml holds the same document as json', () => {
    expect(parseYaml(formatPlan(outputFixture(), 'yaml'))).toEqual(
      JSON.parse(formatPlan(outputFixture(), 'json')),
    );
  });

  it('csv: the header is the schema’s column order, every record passes the schema and reads back whole', () => {
    const text = formatPlan(outputFixture(), 'csv');
    expect(text.endsWith('\r\n')).toBe(true);
    const [header, ...records] = parseCsv(text);
    const schema = getValidator('https://tidemark.io/schemas/plan-rows-csv.json');
    expect(header).toEqual((schema.schema as { required: string[] }).required);
    expect(header).toEqual(CSV_COLUMNS);
    const json = JSON.parse(formatPlan(outputFixture(), 'json')) as PlanRowsDocument;
    expect(records).toHaveLength(json.rows.length);
    records.forEach((rec, i) => {
      const obj = Object.fromEntries(header!.map((h, j) => [h, rec[j]]));
      expect(schema(obj) ? null : schema.errors).toBeNull();
      // The JSON inside a ConfigMap key (commas, quotes) survives the quoting.
      expect(obj).toEqual(Object.fromEntries(Object.entries(json.rows[i]!).map(([k, v]) => [k, String(v)])));
    });
  });

  it('markdown has a table per namespace and the summary with its direction', () => {
    const md = formatPlan(outputFixture(), 'markdown');
    expect(md).toContain('### Namespace `shop`');
    expect(md).toContain('| **total** | 5 | 6 | 2 | 2 | 1 | 1 | saves $17.06/month |');
    expect(md).toContain('| shop | 2 | 2 | 2 | 0 | 0 | 0 | saves $0.62/month |');
    expect(md).not.toContain('{"enable"');
  });

  it('refuses an unknown format, naming the flag', () => {
    expect(parseOutputFormat(undefined)).toBe('table');
    expect(() => parseOutputFormat('html')).toThrow(ConfigError);
    expect(() => parseOutputFormat('html')).toThrow(
      /--output must be one of table, wide, json, yaml, csv, markdown/,
    );
  });
});
