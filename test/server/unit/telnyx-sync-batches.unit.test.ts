/**
 * How the Telnyx sync reads pages while it writes (telnyx-sync-service): with a depth, readAhead keeps
 * that many page requests under way while the caller works on the current page, and never more; pages
 * grouped for one transaction keep their order and the last group holds what is left.
 */
import { describe, expect, it } from 'vitest';
import { inBatches, readAhead } from '../../../src/server/services/telnyx-sync-service.js';

/** Seven pages, each answered after a short wait; `state.read` is the last page answered. */
function source() {
  const state = { read: 0 };
  async function* pages() {
    for (let i = 1; i <= 7; i++) {
      await new Promise((r) => setTimeout(r, 5));
      state.read = i;
      yield i;
    }
  }
  return { state, pages };
}

describe('readAhead with a depth and inBatches', () => {
  it('has the next pages read while a batch is written, in order, at most depth ahead', async () => {
    const { state, pages } = source();
    const batches: number[][] = [];
    const readAfterWrite: number[] = [];
    for await (const batch of inBatches(readAhead(pages(), 3), 3)) {
      await new Promise((r) => setTimeout(r, 60)); // the write
      readAfterWrite.push(state.read);
      batches.push(batch);
    }
    expect(batches).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    // While pages 1-3 were written, pages 4-6 were read, and not page 7 (3 ahead, no more).
    expect(readAfterWrite[0]).toBe(6);
    expect(readAfterWrite[1]).toBe(7);
  });

  it('rethrows a failed read in its turn, after the pages before it', async () => {
    async function* pages() {
      yield await Promise.resolve(1);
      yield await Promise.resolve(2);
      throw new Error('page 3 failed');
    }
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const p of readAhead(pages(), 4)) seen.push(p);
      })(),
    ).rejects.toThrow('page 3 failed');
    expect(seen).toEqual([1, 2]);
  });
});
