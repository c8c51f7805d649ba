import { setTimeout as sleep } from "node:timers/promises";
import type { AppliedRow } from "../apply/apply-row.js";
import type { Done, ToApply } from "../apply/items.js";
import type { Store } from "../apply/stores.js";
import type { BatchError } from "../errors.js";
import { LOOKAHEAD_ROWS, OrderReads } from "./order-reads.js";

/**
 * The two stages bulk reads add around the apply stage (run.ts; issue 12): `lookAhead` announces
 * the rows coming so their orders can be read together, `settleChecks` waits for the read-backs
 * that confirm the status a shipment set, sharing one read among many rows.
 */

/**
 * Yield `items` unchanged, `ahead` items behind the reader: each item is announced (`onItem`) when
 * read, so the apply stage knows the orders of the next `ahead` rows (the read window) when it
 * plans its reads. Bounds memory to `ahead` items.
 */
export async function* lookAhead<T>(
  items: AsyncIterable<T>,
  ahead: number,
  onItem: (item: T) => void,
): AsyncGenerator<T> {
  const buffer: T[] = [];
  for await (const item of items) {
    onItem(item);
    buffer.push(item);
    if (buffer.length > ahead) yield buffer.shift() as T;
  }
  yield* buffer;
}

/** A row done, possibly waiting for the read-back of its order (AppliedRow.settled). */
export interface Settling extends Done {
  readonly settled?: Promise<AppliedRow>;
}

/** Checks waiting at most this many at once before a shared read-back (README "Costs"). */
export const CHECK_BATCH = 250;
/** …and a result waits at most about this long for it, so progress and the results file move. */
export const CHECK_WAIT_MS = 10_000;

interface SettleOptions {
  /** Checks waiting for a read-back, every store. */
  readonly pending: () => number;
  /** Read back every waiting check now (OrderReads.flush of every store). */
  readonly flush: () => Promise<void>;
  readonly stopped: () => boolean;
  readonly onFatal: (error: BatchError) => void;
  readonly batch?: number;
  readonly waitMs?: number;
}

const TIMEOUT: unique symbol = Symbol("timeout");
type Timeout = typeof TIMEOUT;

/**
 * Pass results on in input order; a result waiting for a read-back is held until its check is
 * settled. The checks are read back together when CHECK_BATCH are waiting, when the oldest has
 * waited CHECK_WAIT_MS, when the run stops, or at the end of the input, so that one read serves
 * many rows. The upstream stage is read on meanwhile, so rows keep being applied (no row's slot is
 * held by a read-back).
 */
export async function* settleChecks(
  items: AsyncIterable<Settling>,
  options: SettleOptions,
): AsyncGenerator<Done> {
  const batch = options.batch ?? CHECK_BATCH;
  const waitMs = options.waitMs ?? CHECK_WAIT_MS;
  const queue: { item: Settling; done?: AppliedRow }[] = [];
  let oldest = 0;
  const finish = (entry: { item: Settling; done?: AppliedRow }): Done => {
    const applied = entry.done;
    if (!applied) return entry.item;
    if (applied.fatal) options.onFatal(applied.fatal);
    return { source: entry.item.source, outcome: applied.outcome };
  };
  const track = (item: Settling) => {
    const entry: { item: Settling; done?: AppliedRow } = { item };
    if (item.settled) {
      if (!queue.some((e) => e.item.settled && !e.done)) oldest = Date.now();
      // Never rejects (AppliedRow.settled).
      void item.settled.then((done) => {
        entry.done = done;
      });
    }
    queue.push(entry);
  };
  const ready = (entry: { item: Settling; done?: AppliedRow }) =>
    entry.item.settled === undefined || entry.done !== undefined;
  const flush = async () => {
    await options.flush();
    // Every check is settled by now (flush awaits them), their `then` has run after a tick.
    await Promise.all(queue.map((entry) => entry.item.settled));
  };

  const iterator = items[Symbol.asyncIterator]();
  try {
    let next = iterator.next();
    for (;;) {
      const waiting = queue.some((entry) => !ready(entry));
      let result: IteratorResult<Settling> | typeof TIMEOUT;
      if (waiting) {
        const left = Math.max(0, oldest + waitMs - Date.now());
        const timer = new AbortController();
        result = await Promise.race([
          next,
          sleep(left, undefined, { signal: timer.signal }).then(
            (): Timeout => TIMEOUT,
            (): Timeout => TIMEOUT,
          ),
        ]);
        timer.abort();
      } else {
        result = await next;
      }
      if (result === TIMEOUT) {
        await flush();
      } else {
        if (result.done) break;
        next = iterator.next();
        track(result.value);
        if (options.pending() >= batch || options.stopped()) await flush();
      }
      while (queue.length > 0 && ready(queue[0] as { item: Settling })) {
        yield finish(queue.shift() as { item: Settling; done?: AppliedRow });
      }
    }
    if (queue.some((entry) => !ready(entry))) await flush();
    while (queue.length > 0) {
      const entry = queue.shift() as { item: Settling; done?: AppliedRow };
      if (entry.item.settled && !entry.done) entry.done = await entry.item.settled;
      yield finish(entry);
    }
  } finally {
    await iterator.return?.();
  }
}

/**
 * The bulk reads of a run (issue 12): one OrderReads per store, and the two stages around the apply
 * stage that feed and drain them.
 */
export class BulkReads {
  readonly #signal: AbortSignal;
  readonly #byStore = new Map<string, OrderReads>();

  constructor(signal: AbortSignal) {
    this.#signal = signal;
  }

  /** The order cache of a store, made on first use. */
  of(store: Store): OrderReads {
    let reads = this.#byStore.get(store.key);
    if (!reads) {
      reads = new OrderReads(store.api, this.#signal);
      this.#byStore.set(store.key, reads);
    }
    return reads;
  }

  /** Announces the orders of the rows coming (the read window: LOOKAHEAD_ROWS ahead). */
  announce(items: AsyncIterable<Done | ToApply>): AsyncIterable<Done | ToApply> {
    return lookAhead(items, LOOKAHEAD_ROWS, (item) => {
      if ("apply" in item) this.of(item.store).announce(item.apply.orderId);
    });
  }

  /** Holds results that wait for a read-back until it is settled, in input order. */
  settle(
    items: AsyncIterable<Settling>,
    stopped: () => boolean,
    onFatal: (fatal: BatchError) => void,
  ): AsyncIterable<Done> {
    const all = () => [...this.#byStore.values()];
    return settleChecks(items, {
      pending: () => all().reduce((sum, reads) => sum + reads.pendingChecks, 0),
      flush: () => Promise.all(all().map((reads) => reads.flush())).then(() => {}),
      stopped,
      onFatal,
    });
  }
}
