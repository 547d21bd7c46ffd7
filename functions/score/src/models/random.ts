/**
 * MT19937 seeded and consumed exactly like numpy's legacy `RandomState(seed)`, which is what
 * scikit-learn's `random_state=0` draws from. Matching the stream gives a TypeScript-trained MLP the same
 * initial weights and the same epoch shuffles as scikit-learn's (floating-point summation order still
 * differs, so the trajectories drift apart slowly), and makes training reproducible from a seed.
 */
export class NumpyRandomState {
  private readonly mt = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError('seed must be an integer in [0, 2^32)');
    // init_genrand from the MT19937 reference, as numpy's mt19937_seed does for an integer seed.
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = this.mt[i - 1]! ^ (this.mt[i - 1]! >>> 30);
      // 1812433253 * prev, kept in 32 bits without losing precision to doubles.
      this.mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < 624; i++) {
      const y = (mt[i]! & 0x80000000) | (mt[(i + 1) % 624]! & 0x7fffffff);
      let next = mt[(i + 397) % 624]! ^ (y >>> 1);
      if (y & 1) next ^= 0x9908b0df;
      mt[i] = next >>> 0;
    }
    this.index = 0;
  }

  nextUint32(): number {
    if (this.index >= 624) this.twist();
    let y = this.mt[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** numpy's random_sample(): 53 random bits from two draws. */
  nextDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** numpy's uniform(low, high, size) for a flat size, in C order. */
  uniform(low: number, high: number, size: number): Float64Array {
    const out = new Float64Array(size);
    const range = high - low;
    for (let i = 0; i < size; i++) out[i] = low + range * this.nextDouble();
    return out;
  }

  /** numpy's legacy random_interval: rejection sampling on the smallest covering bit mask. */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    let value: number;
    do value = (this.nextUint32() & mask) >>> 0;
    while (value > max);
    return value;
  }

  /** numpy's RandomState.shuffle on a 1-D array (Fisher-Yates from the end). */
  shuffle(values: Int32Array | number[]): void {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.interval(i);
      const t = values[i]!;
      values[i] = values[j]!;
      values[j] = t;
    }
  }
}
