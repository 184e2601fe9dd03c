// The set a joining device keeps of entities it has written (bulk-load.ts):
// it must never forget one (that would write an entity's row from a later
// file alone), and should tell different entities apart.

import { describe, expect, it } from 'vitest';
import { EntityHashSet } from '../../src/main/engine/entity-hash-set';

describe('EntityHashSet', () => {
  it('remembers every entity it was given, through many growths, and tells new ones apart', () => {
    const set = new EntityHashSet();
    const total = 200_000;
    for (let i = 0; i < total; i++) expect(set.add('notes', `id-${i}`)).toBe(true);
    expect(set.size).toBe(total);
    let forgotten = 0;
    for (let i = 0; i < total; i++) if (set.add('notes', `id-${i}`)) forgotten += 1;
    expect(forgotten).toBe(0);
    let mistaken = 0;
    for (let i = 0; i < total; i++) if (!set.add('tasks', `id-${i}`)) mistaken += 1;
    expect(mistaken).toBe(0);
    expect(set.size).toBe(2 * total);
  });

  it('keeps the table and the id apart', () => {
    const set = new EntityHashSet();
    expect(set.add('ab', 'c')).toBe(true);
    expect(set.add('a', 'bc')).toBe(true);
    expect(set.add('', 'abc')).toBe(true);
    expect(set.add('ab', 'c')).toBe(false);
  });
});
