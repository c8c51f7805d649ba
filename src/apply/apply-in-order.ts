import pLimit, { type LimitFunction } from "p-limit";

/** How `applyInOrder` runs items. */
export interface InOrderOptions<T, R> {
  /** Items worked on at once, per group. */
  readonly concurrency: number;
  /**
   * Items of different groups never wait for each other's slots (one group per store: a store
   * waiting for its quota window must not hold up the others, issue #7). @default one group
   */
  readonly groupOf?: (item: T) => string;
  /**
   * Items read ahead of the oldest unfinished one (finished results wait for it, to keep input
   * order). Bounds memory and what an abrupt kill can lose.
   */
  readonly maxPending: number;
  /** Items with the same key run one after another, in input order; `undefined`: no work at all. */
  readonly keyOf: (item: T) => string | undefined;
  /** The work for an item whose key is defined. */
  readonly work: (item: T) => Promise<R>;
  /** The result of an item that needs no work (no key) or that was not started because `stopped()` said so. */
  readonly skip: (item: T) => R;
  /**
   * Checked when an item is about to start: once true, no further item starts. Nothing starts
   * either once the consumer has stopped iterating (it broke out or the pipeline failed): items
   * already queued then get `skip(item)`, which nobody reads, instead of their work.
   */
  readonly stopped: () => boolean;
}

interface Slot<R> {
  done: boolean;
  value?: R;
  readonly promise: Promise<R>;
}

/**
 * Map `source` through `work` with bounded concurrency, one key at a time, yielding results in
 * input order as soon as the oldest one is ready (issue #2: rows for one order run one after
 * another in file order; other orders proceed concurrently; results are written as rows complete).
 * Waiting for an earlier item of the same key does not hold a concurrency slot. Work already
 * started when the consumer stops is not awaited: its caller cancels it (runBatch aborts the
 * requests of a failed pipeline).
 */
export async function* applyInOrder<T, R>(
  source: AsyncIterable<T>,
  options: InOrderOptions<T, R>,
): AsyncGenerator<R> {
  const limits = new Map<string, LimitFunction>();
  const limitOf = (item: T): LimitFunction => {
    const group = options.groupOf?.(item) ?? "";
    let limit = limits.get(group);
    if (!limit) {
      limit = pLimit(options.concurrency);
      limits.set(group, limit);
    }
    return limit;
  };
  const tails = new Map<string, Promise<unknown>>();
  const pending: Slot<R>[] = [];
  // Set when iteration ends for any reason; items queued behind the concurrency limit or behind an
  // earlier item of their key must not start after that: their results would never be read, and a
  // row applied without a result breaks "one result row per input row" (issue #4).
  let closed = false;

  const start = (item: T): Slot<R> => {
    const key = options.keyOf(item);
    if (key === undefined) {
      const value = options.skip(item);
      return { done: true, value, promise: Promise.resolve(value) };
    }
    const previous = tails.get(key) ?? Promise.resolve();
    const limit = limitOf(item);
    const run = () =>
      limit(() => (closed || options.stopped() ? options.skip(item) : options.work(item)));
    const promise = previous.then(run, run);
    tails.set(key, promise);
    const slot: Slot<R> = { done: false, promise };
    promise.then(
      (value) => {
        slot.done = true;
        slot.value = value;
        if (tails.get(key) === promise) tails.delete(key);
      },
      () => {
        if (tails.get(key) === promise) tails.delete(key);
      },
    );
    return slot;
  };

  try {
    for await (const item of source) {
      pending.push(start(item));
      while (pending.length > 0 && (pending[0]?.done || pending.length >= options.maxPending)) {
        const head = pending.shift() as Slot<R>;
        yield head.done ? (head.value as R) : await head.promise;
      }
    }
    while (pending.length > 0) {
      yield await (pending.shift() as Slot<R>).promise;
    }
  } finally {
    closed = true;
  }
}
