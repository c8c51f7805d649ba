import { CredentialsRejectedError, OutageError } from "../api/errors.js";
import type { StatusTable } from "../check/statuses.js";
import { BatchError } from "../errors.js";
import { isTransientFailure } from "./apply-row.js";
import { type Done, isDone, type Pending, type WithStore } from "./items.js";
import { noStore, notAttempted } from "./outcomes.js";
import type { RunStop } from "./stop.js";
import type { StoreRegistry } from "./stores.js";

/**
 * The stage that opens each row's store (its credentials_id, or the default) and reads its order
 * statuses once per store, so the pure check runs against the store's own labels. The only network
 * wait before the check. A rejected token or an outage stops the run; a store that cannot be
 * opened for a transient reason, or a run already stopped, settles the row as not attempted.
 */
export async function* openStores(
  items: AsyncIterable<Done | Pending>,
  stores: StoreRegistry,
  stop: RunStop,
  /** The built-in statuses, for a row whose store cannot be opened (it fails after its check). */
  fallback: StatusTable,
): AsyncGenerator<Done | WithStore> {
  for await (const item of items) {
    if (isDone(item)) {
      yield item;
      continue;
    }
    const source = item;
    let storeError: BatchError | undefined;
    if (!stop.stopped) {
      try {
        const store = stores.get(source.values.credentials_id?.trim() || undefined);
        yield { source, statuses: await store.statuses, store };
        continue;
      } catch (error) {
        if (error instanceof CredentialsRejectedError || error instanceof OutageError) {
          stop.stop(error instanceof OutageError ? "outage" : "credentials_rejected", error);
        } else if (error instanceof BatchError) {
          // No store for this row (unknown or missing credentials, statuses unreadable): the row
          // fails with the reason; an unknown credentials_id is reported by the check first.
          storeError = error;
        } else throw error;
      }
    }
    // The run has stopped (before or while this row's store opened), or the store's statuses could
    // not be read for a transient reason: nothing is sent, and the row cannot be checked against
    // the store's own statuses. Against the built-in table only, a renamed status (custom_label)
    // would be `invalid`, which --resume keeps as done: not_attempted instead.
    if (storeError === undefined || isTransientFailure(storeError)) {
      yield {
        source,
        outcome: storeError
          ? noStore(source, undefined, storeError)
          : notAttempted(source, undefined, stop.error),
      };
      continue;
    }
    yield { source, statuses: fallback, storeError };
  }
}
