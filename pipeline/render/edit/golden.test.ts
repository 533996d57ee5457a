import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../core/json-schema.js';
import { applyEdits } from './yaml-editor.js';
import { YamlEditError } from './errors.js';

const root = join(packageRoot(), 'fixtures', 'edits');
const cases = readdirSync(root).filter((c) => existsSync(join(root, c, 'change.json')));

describe('render/edit/golden', () => {
  it.each(cases)('%s', (c) => {
    const before = readFileSync(join(root, c, 'before.yaml'), 'utf8');
    const change = JSON.parse(readFileSync(join(root, c, 'change.json'), 'utf8')) as {
      doc?: number;
      edits: never[];
      refused?: string;
      appends?: boolean;
    };
    if (change.refused) {
      let err: unknown;
      try {
        applyEdits(before, change.doc ?? 0, change.edits);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(YamlEditError);
      expect((err as YamlEditError).reason).toBe(change.refused);
      return;
    }
    const after = applyEdits(before, change.doc ?? 0, change.edits);
    expect(after).toBe(readFileSync(join(root, c, 'after.yaml'), 'utf8'));
    // Idempotent: setting the values again changes nothing (an append adds by design).
    if (!change.appends) expect(applyEdits(after, change.doc ?? 0, change.edits)).toBe(after);
  });
});
