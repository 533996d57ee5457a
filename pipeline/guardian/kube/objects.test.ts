/** What the guardian keeps of a Node: quantities read by the project's one parser, tidemark annotations only. */
import { trimNode } from './objects.js';

describe('guardian/objects', () => {
  it('reads allocatable in every quantity form the API server accepts, and keeps only tidemark.io annotations', () => {
    const node = (cpu: string, memory: string) =>
      trimNode({
        metadata: { name: 'n', annotations: { 'tidemark.io/guardian-journal': 'j-1', 'other.io/x': 'y' } },
        status: { allocatable: { cpu, memory }, conditions: [{ type: 'Ready', status: 'True' }] },
      });
    expect(node('15890m', '63461688Ki').status).toMatchObject({
      allocatableCpu: 15890,
      allocatableMemory: 63461688 * 1024,
    });
    expect(node('16', '64G').status).toMatchObject({ allocatableCpu: 16000, allocatableMemory: 64e9 });
    expect(node('16', '1e9').status.allocatableMemory).toBe(1e9); // the hand-written parser read this as 0
    expect(node('16', 'junk').status.allocatableMemory).toBe(0);
    const n = node('1', '1Gi');
    expect(n.metadata.annotations).toEqual({ 'tidemark.io/guardian-journal': 'j-1' });
    expect(n.metadata.annotated).toBe(true);
    expect(n.status.conditions).toEqual({ Ready: 'True' });
  });
});
