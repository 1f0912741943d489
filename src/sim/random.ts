/** A small deterministic PRNG (mulberry32) with the helpers the dataset generator needs. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** Integer in [min, max] skewed towards min (the roll is squared). */
  skewedInt(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** `count` distinct items in random order (all of them when count ≥ length). */
  sample<T>(items: readonly T[], count: number): T[];
  shuffle<T>(items: T[]): T[];
  hex(length: number): string;
}

// Module-level aliases: under Jest's vm sandbox every `Math.x` is a slow lookup on a contextified global,
// which made dataset generation several times slower there.
const { imul, floor, min: minOf } = Math;

export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createRng(seed: number): Rng {
  const next = mulberry32(seed);
  const int = (min: number, max: number) => min + floor(next() * (max - min + 1));
  const shuffle = <T>(items: T[]): T[] => {
    for (let i = items.length - 1; i > 0; i--) {
      const j = int(0, i);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  };
  return {
    next,
    int,
    skewedInt: (min, max) => min + floor((max - min + 1) * next() ** 2),
    chance: (probability) => next() < probability,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[int(0, items.length - 1)] as T;
    },
    sample: <T>(items: readonly T[], count: number): T[] => {
      const n = minOf(count, items.length);
      if (n * 4 < items.length) {
        // Few out of many: draw indexes until n distinct ones, instead of copying the whole list.
        const chosen = new Set<number>();
        const out: T[] = [];
        while (out.length < n) {
          const i = int(0, items.length - 1);
          if (!chosen.has(i)) {
            chosen.add(i);
            out.push(items[i] as T);
          }
        }
        return out;
      }
      // Partial Fisher–Yates: only the first n slots are shuffled.
      const copy = items.slice();
      for (let i = 0; i < n; i++) {
        const j = int(i, copy.length - 1);
        const tmp = copy[i] as T;
        copy[i] = copy[j] as T;
        copy[j] = tmp;
      }
      return copy.slice(0, n);
    },
    shuffle,
    hex: (length) => {
      let out = '';
      while (out.length < length) out += floor(next() * 0x100000000).toString(16).padStart(8, '0');
      return out.slice(0, length);
    },
  };
}
