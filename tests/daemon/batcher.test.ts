import { describe, expect, it } from 'vitest';
import { Batcher } from '../../daemon/ledger/batcher.ts';

describe('ledger group commit (Batcher)', () => {
  it('sends requests made in the same turn as one batch and answers each in order', async () => {
    const batches: number[][] = [];
    const b = new Batcher<number, number>({
      run: async (xs) => {
        batches.push([...xs]);
        return xs.map((x) => x * 10);
      },
      runOne: async (x) => x * 10,
    });
    const out = await Promise.all([1, 2, 3].map((x) => b.submit(x)));
    expect(out).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('never puts two requests with the same key in one batch', async () => {
    const batches: string[][] = [];
    const b = new Batcher<string, string>({
      key: (x) => x.split(':')[0]!,
      run: async (xs) => {
        batches.push([...xs]);
        return [...xs];
      },
      runOne: async (x) => {
        batches.push([x]);
        return x;
      },
    });
    await Promise.all(['a:1', 'b:1', 'a:2'].map((x) => b.submit(x)));
    expect(batches).toContainEqual(['a:1', 'b:1']);
    expect(batches).toContainEqual(['a:2']);
  });

  it('isolates a failing request: the others still succeed', async () => {
    const b = new Batcher<number, number>({
      run: async () => {
        throw new Error('batch failed');
      },
      runOne: async (x) => {
        if (x === 2) throw new Error('bad row');
        return x;
      },
    });
    const out = await Promise.allSettled([1, 2, 3].map((x) => b.submit(x)));
    expect(out.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('splits at maxBatch', async () => {
    const sizes: number[] = [];
    const b = new Batcher<number, number>({
      maxBatch: 2,
      run: async (xs) => {
        sizes.push(xs.length);
        return [...xs];
      },
      runOne: async (x) => {
        sizes.push(1);
        return x;
      },
    });
    await Promise.all([1, 2, 3, 4, 5].map((x) => b.submit(x)));
    expect(sizes.reduce((a, c) => a + c, 0)).toBe(5);
    expect(Math.max(...sizes)).toBe(2);
  });
});
