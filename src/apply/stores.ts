import { type ApiEvent, type ApiOptions, createStoreApi } from "../api/bigcommerce.js";
import { RetryQuota } from "../api/retry-policy.js";
import type { ApiStats, StoreApi } from "../api/store-api.js";
import { buildStatusTable, type StatusTable } from "../check/statuses.js";
import type { StoreCredentials, StoreDirectory } from "../credentials.js";
import { BatchError } from "../errors.js";
import type { RunOptions } from "../run-options.js";

/** A store as a run uses it: one API client (and so one rate limiter) and its status table. */
export interface Store {
  /** Identifies the store (normalised API URL and hash, see storeKey) in per-order keys. */
  readonly key: string;
  readonly api: StoreApi;
  /** Read once per store, so renamed statuses (custom_label) resolve too (issue #2). */
  readonly statuses: Promise<StatusTable>;
  /** The store's quota as its answers announced it (for the time estimate). */
  readonly quota: () => {
    readonly quota?: number;
    readonly windowMs?: number;
    readonly reserve: number;
  };
}

export interface StoreRegistryOptions {
  readonly directory: StoreDirectory | undefined;
  readonly userAgent: string;
  readonly timeoutMs?: number | undefined;
  readonly maxAttempts?: number | undefined;
  readonly backoff?: ApiOptions["backoff"] | undefined;
  readonly reserve?: number | undefined;
  /** Shared by every store: an outage anywhere stops dispatching (issue #4). */
  readonly retryQuota: RetryQuota;
  readonly onApiEvent?: ((event: ApiEvent) => void) | undefined;
  /** Cancels the status reads with the run's requests. */
  readonly signal: AbortSignal;
}

/**
 * One key per store, however its credentials spell it: `http://h`, `http://h/` and `HTTP://H:80`
 * are one API (the URL as the HTTP client resolves it: origin and path, no trailing slash), and a
 * store hash is matched without case. Two keys for one store would mean two rate limiters on one
 * quota and rows of one order running side by side (issue #4, #7).
 */
export function storeKey(credentials: Pick<StoreCredentials, "apiUrl" | "storeHash">): string {
  const url = credentials.apiUrl;
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}|${credentials.storeHash.toLowerCase()}`;
}

/**
 * The stores of one run, opened on first use: one client per store shared by every worker, so the
 * quota of a store is tracked in one place (issue #4), and rows for different stores run side by
 * side (issue #7).
 */
export class StoreRegistry {
  readonly #options: StoreRegistryOptions;
  readonly #stores = new Map<string, Store>();
  /** Every row asks for its store: skip parsing the URL again for credentials seen before. */
  readonly #byCredentials = new WeakMap<StoreCredentials, Store>();

  constructor(options: StoreRegistryOptions) {
    this.#options = options;
  }

  /** The store of a row's credentials_id (undefined: the default store); throws CredentialsError when there is none. */
  get(credentialsId: string | undefined): Store {
    const options = this.#options;
    if (!options.directory)
      throw new BatchError("E_USAGE", "runBatch: `stores` is required to run");
    const credentials = options.directory.get(credentialsId);
    const seen = this.#byCredentials.get(credentials);
    if (seen) return seen;
    const key = storeKey(credentials);
    const known = this.#stores.get(key);
    if (known) {
      this.#byCredentials.set(credentials, known);
      return known;
    }
    const api = createStoreApi(credentials, {
      userAgent: options.userAgent,
      retryQuota: options.retryQuota,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
      ...(options.backoff !== undefined ? { backoff: options.backoff } : {}),
      ...(options.reserve !== undefined ? { reserve: options.reserve } : {}),
      ...(options.onApiEvent ? { onEvent: options.onApiEvent } : {}),
    });
    const statuses = api.listOrderStatuses(options.signal).then(buildStatusTable);
    // Awaited by every row of the store; a failure is reported there, not as an unhandled rejection.
    statuses.catch(() => {});
    const quota = () => {
      const { quota: perWindow, windowMs, reserve } = api.gate.snapshot();
      return {
        ...(perWindow !== undefined ? { quota: perWindow } : {}),
        ...(windowMs !== undefined ? { windowMs } : {}),
        reserve,
      };
    };
    const store = { key, api, statuses, quota };
    this.#stores.set(key, store);
    this.#byCredentials.set(credentials, store);
    return store;
  }

  /** Traffic counters of every store opened so far. */
  stats(): ApiStats[] {
    return [...this.#stores.values()].map((store) => store.api.stats);
  }
}

/** One client per store of a run, shared by every worker; an outage anywhere stops dispatching (issue #4). */
export function storeRegistryFor(options: RunOptions, signal: AbortSignal): StoreRegistry {
  return new StoreRegistry({
    directory: options.stores,
    userAgent: options.userAgent ?? "bc-order-batch",
    timeoutMs: options.timeoutMs,
    maxAttempts: options.maxAttempts,
    backoff: options.backoff,
    reserve: options.reserve,
    retryQuota: new RetryQuota(
      options.retryBudget !== undefined ? { capacity: options.retryBudget } : undefined,
    ),
    onApiEvent: options.onApiEvent,
    signal,
  });
}
