/**
 * Property: for random manifests (comments, quoting, indentation, blank lines, line endings) and
 * random resource edits, no byte outside the edited values changes, and setting the current
 * value is byte-identical.
 */
import fc from 'fast-check';
import { applyEdits } from './yaml-editor.js';

const quote = fc.constantFrom('', '"', "'");
const indentUnit = fc.constantFrom(2, 4);
const comment = fc.option(fc.constantFrom('# keep me', '#\ttabbed', '# note: x', '#'), { nil: undefined });
const cpuValue = fc.integer({ min: 1, max: 4000 }).map((m) => `${m}m`);
const memValue = fc.integer({ min: 16, max: 8192 }).map((m) => `${m}Mi`);

const manifest = fc.record({
  unit: indentUnit,
  q1: quote,
  q2: quote,
  cpu: cpuValue,
  mem: memValue,
  c1: comment,
  c2: comment,
  c3: comment,
  blank: fc.boolean(),
  crlf: fc.boolean(),
  seqIndented: fc.boolean(),
  names: fc.shuffledSubarray(['web', 'side', 'log'], { minLength: 1 }),
});

type Manifest = typeof manifest extends fc.Arbitrary<infer T> ? T : never;

function render(m: Manifest): {
  text: string;
  containers: string[];
} {
  const u = ' '.repeat(m.unit);
  const at = (n: number): string => u.repeat(n);
  const seq = m.seqIndented ? at(4) : at(3);
  const inner = seq + '  ';
  const lines = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `${at(1)}name: web${m.c1 ? `  ${m.c1}` : ''}`,
    'spec:',
    `${at(1)}template:`,
    `${at(2)}spec:`,
    `${at(3)}containers:`,
  ];
  for (const name of m.names) {
    lines.push(`${seq}- name: ${name}`);
    if (m.blank) lines.push('');
    lines.push(`${inner}resources:${m.c2 ? ` ${m.c2}` : ''}`, `${inner}${u}requests:`);
    lines.push(`${inner}${u}${u}cpu: ${m.q1}${m.cpu}${m.q1}${m.c3 ? `   ${m.c3}` : ''}`);
    lines.push(`${inner}${u}${u}memory: ${m.q2}${m.mem}${m.q2}`);
  }
  const eol = m.crlf ? '\r\n' : '\n';
  return { text: lines.join(eol) + eol, containers: m.names };
}

describe('render/edit/property', () => {
  it('changes no byte outside the edited values', () => {
    fc.assert(
      fc.property(manifest, cpuValue, memValue, fc.nat(), (m, newCpu, newMem, pick) => {
        const { text, containers } = render(m);
        const name = containers[pick % containers.length]!;
        const base = ['spec', 'template', 'spec', 'containers', { name }, 'resources', 'requests'];
        const out = applyEdits(text, 0, [
          { path: [...base, 'cpu'], value: newCpu },
          { path: [...base, 'memory'], value: newMem },
        ]);
        // Undo exactly the two value replacements, in order: the rest must be the original bytes.
        const lines = out.split(/(?<=\n)/);
        const orig = text.split(/(?<=\n)/);
        expect(lines.length).toBe(orig.length);
        let changed = 0;
        for (let i = 0; i < lines.length; i++) {
          if (lines[i] === orig[i]) continue;
          changed++;
          const restored = lines[i]!.replace(newCpu, m.cpu).replace(newMem, m.mem);
          expect(restored).toBe(orig[i]);
        }
        expect(changed).toBeLessThanOrEqual(2);
      }),
      { numRuns: 300 },
    );
  });

  it('is byte-identical when setting the values already there', () => {
    fc.assert(
      fc.property(manifest, (m) => {
        const { text, containers } = render(m);
        const base = [
          'spec',
          'template',
          'spec',
          'containers',
          { name: containers[0]! },
          'resources',
          'requests',
        ];
        expect(
          applyEdits(text, 0, [
            { path: [...base, 'cpu'], value: m.cpu },
            { path: [...base, 'memory'], value: m.mem },
          ]),
        ).toBe(text);
      }),
      { numRuns: 200 },
    );
  });
});
