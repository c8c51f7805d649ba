import { CredentialsRejectedError, OutageError, RequestAbortedError } from "../api/errors.js";
import { classifyFailure } from "../api/retry-policy.js";
import type { StoreApi } from "../api/store-api.js";
import { sameTracking } from "../check/tracking.js";
import { BatchError } from "../errors.js";
import type { CheckedRow, Order, OrderWithConsignments } from "../types.js";
import type { OrderState } from "./order-state.js";
import { type OrderRead, planReads } from "./read-plan.js";
import { type Snapshot, snapshotOf, stateOf, withRead } from "./snapshot.js";

/**
 * Bulk reads for one store (issue 12; docs/bigcommerce-api.md §6, §11): the apply stage announces
 * the orders of the rows coming (the rows in flight plus the next LOOKAHEAD_ROWS, see run.ts), and
 * the first row that needs an order not read yet plans the reads of every announced order not read
 * yet (read-plan.ts: range reads where the ids are dense, one GET /orders/{id} elsewhere). Each read
 * is one shared promise, started by the first row that needs it.
 *
 * The state handed to a row is always its order as this run last left it: after a row's writes the
 * snapshot is replaced by the writes' answers (afterWrites), a read never overwrites a snapshot a
 * write of this run has made newer, and a status the run only predicted (a shipment's Shipped) is
 * read back (a `check`) before any later row of that order plans on it.
 */

/** Rows read ahead of the apply stage so their orders can be read together (README "Costs"). */
export const LOOKAHEAD_ROWS = 250;

/** Unplanned announced orders that make a prefetch worth it: a full range read. */
const PREFETCH_AT = 250;

interface Check {
  /** What to do with the order as read back (a corrective PUT); resolves with the final order. */
  readonly settle: (readBack: Order) => Promise<Order>;
  readonly resolve: (order: Order) => void;
  readonly reject: (error: unknown) => void;
  /** Set once a read-back was started for it (by a flush or a later row of the order). */
  claimed?: Promise<void>;
}

interface Entry {
  /** Rows announced and not finished. */
  rows: number;
  /** null: the order does not exist (404, or missing from its range). */
  snapshot?: Snapshot | null | undefined;
  load?: Promise<Snapshot | null> | undefined;
  /** The read planned for it, not started yet. */
  read?: SharedRead | undefined;
  check?: Check | undefined;
}

/** One planned read, started once, shared by every order it covers. */
class SharedRead {
  #promise: Promise<Map<number, OrderWithConsignments>> | undefined;
  constructor(
    readonly read: OrderRead,
    private readonly fetch: (read: OrderRead) => Promise<Map<number, OrderWithConsignments>>,
  ) {}
  start(): Promise<Map<number, OrderWithConsignments>> {
    this.#promise ??= this.fetch(this.read);
    return this.#promise;
  }
}

/** A range read that failed for a reason a per-order read may not meet (a 4xx, a body too large). */
function perOrderFallback(error: unknown): boolean {
  if (
    error instanceof RequestAbortedError ||
    error instanceof CredentialsRejectedError ||
    error instanceof OutageError
  ) {
    return false;
  }
  return classifyFailure(error) === "permanent";
}

export class OrderReads {
  readonly #api: StoreApi;
  readonly #signal: AbortSignal;
  readonly #entries = new Map<number, Entry>();
  /** Announced orders with no snapshot and no read planned: the next window. */
  readonly #unplanned = new Set<number>();
  /** Orders with a check not claimed yet. */
  readonly #checks = new Set<number>();
  /** A prefetch's range reads are in flight. */
  #prefetching = false;

  constructor(api: StoreApi, signal: AbortSignal) {
    this.#api = api;
    this.#signal = signal;
  }

  /** A row of `orderId` is coming. */
  announce(orderId: number): void {
    const entry = this.#entry(orderId);
    entry.rows += 1;
    if (entry.snapshot === undefined && !entry.load && !entry.read) this.#unplanned.add(orderId);
  }

  /** A row of `orderId` is done with the order (its result may still wait for a check). */
  finish(orderId: number): void {
    const entry = this.#entries.get(orderId);
    if (!entry) return;
    entry.rows -= 1;
    this.#evict(orderId, entry);
  }

  /**
   * The state `row` plans on: its order as this run last left it, with the addresses, lines and
   * shipments a shipment row needs (the fallback reads of snapshot.ts done). `undefined`: 404.
   */
  async stateFor(row: CheckedRow): Promise<OrderState | undefined> {
    const id = row.orderId;
    if (!this.#entries.has(id)) this.announce(id);
    await this.#awaitCheck(id);
    let snapshot = await this.#snapshot(id);
    if (snapshot === null) return undefined;
    const request = row.changes.shipment;
    if (request) {
      snapshot = await this.#complete(snapshot, request.trackingNumber);
      const entry = this.#entry(id);
      entry.snapshot = snapshot;
    }
    this.#prefetch();
    return stateOf(snapshot, request !== undefined);
  }

  /** The snapshot of `orderId` now (tests, and to build the next one after a row's writes). */
  current(orderId: number): Snapshot | null | undefined {
    return this.#entries.get(orderId)?.snapshot;
  }

  /** After a row's writes: the state they left (snapshot.ts afterWrites). */
  record(orderId: number, snapshot: Snapshot): void {
    const entry = this.#entry(orderId);
    entry.snapshot = snapshot;
  }

  /** The row's writes may or may not have been applied: read the order again before using it. */
  forget(orderId: number): void {
    const entry = this.#entries.get(orderId);
    if (!entry) return;
    entry.snapshot = undefined;
    entry.load = undefined;
    entry.read = undefined;
    if (entry.rows > 0) this.#unplanned.add(orderId);
  }

  /**
   * Read the order back later (a flush or its next row, whichever comes first), then `settle` it.
   * Resolves with the order `settle` returns; rejects when the read or `settle` fails.
   */
  check(orderId: number, settle: (readBack: Order) => Promise<Order>): Promise<Order> {
    const entry = this.#entry(orderId);
    return new Promise<Order>((resolve, reject) => {
      entry.check = { settle, resolve, reject };
      this.#checks.add(orderId);
    });
  }

  /** Checks waiting for a read-back. */
  get pendingChecks(): number {
    return this.#checks.size;
  }

  /** Read back every order with an unclaimed check now, with the fewest requests (read-plan.ts). */
  async flush(): Promise<void> {
    const ids = [...this.#checks];
    this.#checks.clear();
    const claimed: Promise<void>[] = [];
    for (const read of planReads(ids)) {
      const fetched = this.#fetch(read);
      // Handled per check below; never an unhandled rejection.
      fetched.catch(() => {});
      for (const id of read.kind === "one" ? [read.id] : read.ids) {
        const check = this.#entries.get(id)?.check;
        if (!check || check.claimed) continue;
        check.claimed = this.#resolveCheck(id, check, fetched);
        claimed.push(check.claimed);
      }
    }
    await Promise.all(claimed);
  }

  #entry(orderId: number): Entry {
    let entry = this.#entries.get(orderId);
    if (!entry) {
      entry = { rows: 0 };
      this.#entries.set(orderId, entry);
    }
    return entry;
  }

  #evict(orderId: number, entry: Entry): void {
    if (entry.rows > 0 || entry.check || this.#entries.get(orderId) !== entry) return;
    this.#entries.delete(orderId);
    this.#unplanned.delete(orderId);
  }

  /**
   * Once a full range's worth of announced orders waits unplanned, plan them and start their range
   * reads now, so the next window's rows do not all wait for them (figure 2 of the benchmarks): at
   * most one such read in flight per store beyond the workers. Single reads stay lazy.
   */
  #prefetch(): void {
    if (this.#unplanned.size < PREFETCH_AT || this.#prefetching) return;
    const reads = this.#planWindow();
    const started = reads.filter((shared) => shared.read.kind === "range").map((s) => s.start());
    if (started.length === 0) return;
    this.#prefetching = true;
    // Failures reach the rows that await these reads; here only the flag matters.
    void Promise.allSettled(started).then(() => {
      this.#prefetching = false;
    });
  }

  /** Plan the reads of every announced order not read yet (the window). */
  #planWindow(): SharedRead[] {
    const ids = [...this.#unplanned];
    this.#unplanned.clear();
    const planned: SharedRead[] = [];
    for (const read of planReads(ids)) {
      const shared = new SharedRead(read, (planned) => this.#fetch(planned));
      planned.push(shared);
      for (const id of read.kind === "one" ? [read.id] : read.ids) {
        const entry = this.#entries.get(id);
        if (entry) entry.read = shared;
      }
    }
    return planned;
  }

  async #snapshot(orderId: number): Promise<Snapshot | null> {
    const entry = this.#entry(orderId);
    if (entry.snapshot !== undefined) return entry.snapshot;
    if (!entry.load) {
      if (!entry.read) {
        this.#unplanned.add(orderId);
        this.#planWindow();
      }
      const shared = entry.read as SharedRead;
      entry.read = undefined;
      const load = this.#loadFrom(orderId, shared);
      entry.load = load;
      load.then(
        (snapshot) => {
          if (entry.load !== load) return;
          entry.load = undefined;
          // Never over a snapshot this run's writes made (none can have happened: rows of this
          // order wait for this load, but keep the rule explicit).
          if (entry.snapshot === undefined) entry.snapshot = snapshot;
        },
        () => {
          if (entry.load === load) entry.load = undefined;
        },
      );
    }
    await entry.load;
    const snapshot = this.#entries.get(orderId)?.snapshot;
    // Forgotten meanwhile (cannot happen while this row holds the order): read again.
    return snapshot === undefined ? this.#snapshot(orderId) : snapshot;
  }

  async #loadFrom(orderId: number, shared: SharedRead): Promise<Snapshot | null> {
    let found: OrderWithConsignments | undefined;
    try {
      found = (await shared.start()).get(orderId);
    } catch (error) {
      if (shared.read.kind !== "range" || !perOrderFallback(error)) throw error;
      // A range the store refused (or too large an answer): one read per order instead.
      found = await this.#api.getOrderWithConsignments(orderId, this.#signal);
    }
    // An order missing from its range's answer does not exist (404 for its rows).
    return found === undefined ? null : snapshotOf(found);
  }

  async #fetch(read: OrderRead): Promise<Map<number, OrderWithConsignments>> {
    const found = new Map<number, OrderWithConsignments>();
    if (read.kind === "one") {
      const order = await this.#api.getOrderWithConsignments(read.id, this.#signal);
      if (order) found.set(read.id, order);
      return found;
    }
    // One page holds the range (at most RANGE_WIDTH ids); page on only if a server pages shorter.
    for (let page = 1; page <= 10; page += 1) {
      const orders = await this.#api.listOrdersInRange(read.minId, read.maxId, page, this.#signal);
      for (const order of orders) found.set(order.id, order);
      const last = orders.at(-1)?.id;
      if (orders.length === 0 || last === undefined || last >= read.maxId) break;
      if (orders.length < 250) break;
    }
    return found;
  }

  /** Shipments, addresses and lines a shipment row needs beyond the snapshot (§4, §5, §11). */
  async #complete(snapshot: Snapshot, trackingNumber: string): Promise<Snapshot> {
    const id = snapshot.order.id;
    let current = snapshot;
    if (current.shipments === undefined) {
      current = withRead(current, "shipments", await this.#api.listShipments(id, this.#signal));
    }
    // A shipment with the row's tracking number exists: nothing is created, nothing more to read.
    if (current.shipments?.some((s) => sameTracking(s.tracking_number, trackingNumber))) {
      return current;
    }
    for (const need of current.needs) {
      if (need.read === "products") {
        current = withRead(current, "products", await this.#api.listProducts(id, this.#signal));
      } else if (need.read === "shipping_addresses") {
        current = withRead(
          current,
          "shipping_addresses",
          await this.#api.listShippingAddresses(id, this.#signal),
        );
      }
    }
    return current;
  }

  /** A later row of an order with a check: read it back first (or wait for the flush doing it). */
  async #awaitCheck(orderId: number): Promise<void> {
    const check = this.#entries.get(orderId)?.check;
    if (!check) return;
    if (!check.claimed) {
      this.#checks.delete(orderId);
      check.claimed = this.#resolveCheck(orderId, check, this.#fetch({ kind: "one", id: orderId }));
    }
    await check.claimed;
  }

  /** Resolve a check from a read-back; never rejects (the check's own promise carries errors). */
  async #resolveCheck(
    orderId: number,
    check: Check,
    fetched: Promise<Map<number, OrderWithConsignments>>,
  ): Promise<void> {
    const entry = this.#entry(orderId);
    try {
      const read = (await fetched).get(orderId);
      if (!read) {
        throw new BatchError(
          "E_ORDER_NOT_FOUND",
          `order ${orderId} could not be read back (not found)`,
        );
      }
      const fresh = snapshotOf(read).order;
      const before = entry.snapshot;
      if (before) entry.snapshot = { ...before, order: fresh };
      const final = await check.settle(fresh);
      const now = entry.snapshot;
      if (now) entry.snapshot = { ...now, order: final };
      check.resolve(final);
    } catch (error) {
      this.forget(orderId);
      check.reject(error);
    } finally {
      if (entry.check === check) entry.check = undefined;
      this.#evict(orderId, entry);
    }
  }
}
