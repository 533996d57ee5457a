import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../core/json-schema.js';
import { editJsonInBlockScalar, editJsonText, type JsonEdit } from './json-in-block.js';
import { YamlEditError } from './errors.js';
import type { FieldPath } from '../../analyze/types.js';

const root = join(packageRoot(), 'fixtures', 'edits-json');
const cases = readdirSync(root).filter((c) => existsSync(join(root, c, 'change.json')));

describe('render/edit/json-in-block (golden)', () => {
  it.each(cases)('%s', (c) => {
    const before = readFileSync(join(root, c, 'before.yaml'), 'utf8');
    const change = JSON.parse(readFileSync(join(root, c, 'change.json'), 'utf8')) as {
      doc?: number;
      yamlPath: FieldPath;
      edits: JsonEdit[];
      refused?: string;
    };
    const run = (src: string) => editJsonInBlockScalar(src, change.doc ?? 0, change.yamlPath, change.edits);
    if (change.refused) {
      let err: unknown;
      try {
        run(before);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(YamlEditError);
      expect((err as YamlEditError).reason).toBe(change.refused);
      return;
    }
    const after = run(before);
    expect(after).toBe(readFileSync(join(root, c, 'after.yaml'), 'utf8'));
    // idempotent: the same edits again change nothing
    expect(run(after)).toBe(after);
  });

  it('changes only the lines that hold the edited values', () => {
    const before = readFileSync(join(root, 'koordinator-amplification', 'before.yaml'), 'utf8');
    const after = editJsonInBlockScalar(
      before,
      0,
      ['data', 'resource-amplification-config'],
      [{ path: ['nodeConfigs', 0, 'resourceAmplificationRatio', 'cpu'], value: 1.7 }],
    );
    const a = before.split('\n');
    const b = after.split('\n');
    expect(b).toHaveLength(a.length);
    expect(a.filter((l, i) => l !== b[i])).toEqual([
      '          "resourceAmplificationRatio": {"cpu": 1.5, "memory": 1.0}',
    ]);
  });
});

describe('render/edit/json-in-block: editJsonText', () => {
  const text = `{"enable": true,
 "cpuReclaimThresholdPercent": 60,
 "nodeConfigs": [{"name": "a", "cpuReclaimThresholdPercent": 70},
                 {"name": "b"},
                 {"name": "c"}]}`;

  it("appends an array item and removes it again, byte for byte, in the array's own layout", () => {
    const added = editJsonText(text, [{ path: ['nodeConfigs', 3], value: { name: 'd' } }]);
    expect(added).toBe(text.replace('{"name": "c"}]', '{"name": "c"},\n                 {"name":"d"}]'));
    expect(editJsonText(added, [{ path: ['nodeConfigs', 3], value: undefined }])).toBe(text);
  });

  it('removes a first, middle or last item with its separator, and changes one member in place', () => {
    expect(
      JSON.parse(editJsonText(text, [{ path: ['nodeConfigs', 0], value: undefined }])).nodeConfigs,
    ).toEqual([{ name: 'b' }, { name: 'c' }]);
    expect(editJsonText(text, [{ path: ['nodeConfigs', 1], value: undefined }])).toBe(
      text.replace(',\n                 {"name": "b"}', ''),
    );
    expect(editJsonText(text, [{ path: ['nodeConfigs', 2], value: undefined }])).toBe(
      text.replace(',\n                 {"name": "c"}', ''),
    );
    expect(editJsonText(text, [{ path: ['nodeConfigs', 0, 'cpuReclaimThresholdPercent'], value: 50 }])).toBe(
      text.replace('"cpuReclaimThresholdPercent": 70', '"cpuReclaimThresholdPercent": 50'),
    );
  });
});
