import { existsSync } from "node:fs";
import type { StoreCredentials, StoreDirectory } from "../credentials.js";

// The rows of one order run one after another, in file order, so the file's last row wins for
// every field (README "Nothing lost, nothing applied twice"). A run that applies only some of an
// order's rows again (--resume, the failed-rows file fed back in) must keep that promise: once a row
// of an order is applied again, every later row of that order in the file is applied again too.

/** The order a row is for: its store (an opaque identity) and order id. */
export interface OrderKey {
  readonly store: string;
  readonly id: number;
}

/**
 * Tracks, row by row in file order, the orders one of whose rows was marked (redone by --resume, or
 * not succeeded for the failed-rows file): every later row of a marked order is marked too. Rows of
 * an order before its first marked row are not. Memory: one number per marked order.
 */
export class LaterRowsOfOrder {
  readonly #orders = new Map<string, Set<number>>();

  /** True once an order is marked: only then can a row be marked for an earlier row's reason. */
  get tracking(): boolean {
    return this.#orders.size > 0;
  }

  /**
   * Whether the row is marked: for its own reason (`own`), or because an earlier row of its order
   * was. `order` undefined (no usable order id): only its own reason counts.
   */
  next(order: OrderKey | undefined, own: boolean): boolean {
    if (order === undefined) return own;
    let ids = this.#orders.get(order.store);
    if (own) {
      if (ids === undefined) {
        ids = new Set();
        this.#orders.set(order.store, ids);
      }
      ids.add(order.id);
      return true;
    }
    return ids?.has(order.id) ?? false;
  }

  /** Forget every order (nothing later can be asked about them any more). */
  clear(): void {
    this.#orders.clear();
  }
}

/**
 * The pure rule, for a whole list in file order: which rows are marked, given whether each has its
 * own reason. Rows of order 1: own `[false, true, false]` → marked `[false, true, true]`.
 */
export function markLaterRows(
  rows: readonly { readonly order: OrderKey | undefined; readonly own: boolean }[],
): boolean[] {
  const tracker = new LaterRowsOfOrder();
  return rows.map((row) => tracker.next(row.order, row.own));
}

/** The identity of a store from its credentials (stores.ts storeKey), loaded only to run. */
export type StoreKeyOf = (credentials: Pick<StoreCredentials, "apiUrl" | "storeHash">) => string;

/**
 * A function giving the order a row is for: its store and order id, `undefined` when the order id
 * is not a positive integer. The store is found without opening it (no request): by its
 * credentials' identity when `directory` and `storeKeyOf` are given (two credentials ids for one
 * store are one store), else by the credentials_id cell as written.
 */
export function orderKeys(
  directory: StoreDirectory | undefined,
  storeKeyOf: StoreKeyOf | undefined,
): (values: Readonly<Record<string, string | undefined>>) => OrderKey | undefined {
  const stores = new Map<string, string>();
  const storeOf = (credentialsId: string): string => {
    let key = stores.get(credentialsId);
    if (key === undefined) {
      try {
        if (!directory || !storeKeyOf) throw new Error("no directory");
        key = `=${storeKeyOf(directory.get(credentialsId || undefined))}`;
      } catch {
        // Unknown credentials (the row fails anyway): the id as written tells its rows apart.
        key = `?${credentialsId}`;
      }
      stores.set(credentialsId, key);
    }
    return key;
  };
  return (values) => {
    const id = Number(values.order_id?.trim());
    if (!(Number.isSafeInteger(id) && id > 0)) return undefined;
    return { store: storeOf(values.credentials_id?.trim() ?? ""), id };
  };
}

/** What a --resume run starts from. */
export interface ResumePlan {
  /** Carry rows over from the earlier results (false: a fresh run). */
  readonly resume: boolean;
  /** For stderr, when --resume was asked but there is nothing to resume from. */
  readonly notice?: string;
}

/**
 * --resume with no results file yet (nor the partial file of a killed resume run) is a fresh run,
 * with a notice: a scheduled job that always passes --resume must work on its first run too.
 */
export function planResume(
  resume: boolean | undefined,
  outputPath: string | undefined,
): ResumePlan {
  if (!resume || outputPath === undefined) return { resume: false };
  if (existsSync(outputPath) || existsSync(`${outputPath}.partial`)) return { resume: true };
  return {
    resume: false,
    notice: `--resume: no results file ${outputPath} yet, so nothing to resume from; running every row`,
  };
}
