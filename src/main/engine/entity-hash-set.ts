// A set of entity keys (type, id) kept as two 32-bit hashes each: 16 bytes an
// entity at most, where a Set of strings takes about 100. Two different keys
// share both hashes about once in 2^64 pairs, so it answers "maybe seen":
// use it only where a wrong "seen" costs time, never correctness.

export class EntityHashSet {
  /** Pairs of (first hash, second hash | 1); a zero second word is an empty slot. */
  private slots = new Uint32Array(2 * 1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds the key; false when it (or a key with the same two hashes) was already in. */
  add(type: string, id: string): boolean {
    if (2 * (this.count + 1) > this.slots.length / 2) this.grow();
    const [h1, h2] = hashes(type, id);
    if (!this.insert(this.slots, h1, h2)) return false;
    this.count += 1;
    return true;
  }

  private insert(slots: Uint32Array, h1: number, h2: number): boolean {
    const mask = slots.length / 2 - 1;
    for (let i = h1 & mask; ; i = (i + 1) & mask) {
      const second = slots[2 * i + 1]!;
      if (second === 0) {
        slots[2 * i] = h1;
        slots[2 * i + 1] = h2;
        return true;
      }
      if (second === h2 && slots[2 * i] === h1) return false;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) if (old[i + 1] !== 0) this.insert(this.slots, old[i]!, old[i + 1]!);
  }
}

/** FNV-1a and a murmur-style mix over the UTF-16 units of type, a separator, then id. */
function hashes(type: string, id: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  const key = `${type}\u{10000}${id}`; // a separator not found in table names: ("ab", "c") and ("a", "bc") differ
  for (let i = 0; i < key.length; i++) {
    const unit = key.charCodeAt(i);
    a = Math.imul(a ^ unit, 0x01000193);
    b = Math.imul(b ^ unit, 0x5bd1e995);
    b ^= b >>> 15;
  }
  b = Math.imul(b ^ (b >>> 13), 0x5bd1e995);
  return [a >>> 0, ((b ^ (b >>> 15)) | 1) >>> 0];
}
