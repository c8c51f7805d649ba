import { createStoreApi } from "../api/bigcommerce.js";
import { CredentialsRejectedError } from "../api/errors.js";
import { checkApiUrl } from "../api/url.js";
import type { StoreCredentials, StoreDirectory } from "../credentials.js";
import { BatchError } from "../errors.js";
import { estimateRun, ROW_COSTS, type RowKind } from "../output/estimate.js";

/** One line of the set-up check. */
export interface CheckStep {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface StoreCheck {
  readonly ready: boolean;
  readonly steps: readonly CheckStep[];
}

/**
 * `bc-order-batch check` (issue #7): read-only set-up check of one store. Credentials accepted,
 * Orders scope present (GET order_statuses and one order), and the quota the store reports.
 * Nothing is written, so the modify scope cannot be proven here: a run reports a 403 on the first write.
 */
export async function checkStore(
  credentials: StoreCredentials,
  options: { userAgent: string; timeoutMs?: number; signal?: AbortSignal },
): Promise<StoreCheck> {
  const steps: CheckStep[] = [];
  const step = (name: string, ok: boolean, detail: string) => {
    steps.push({ name, ok, detail });
    return ok;
  };
  const describe = (error: unknown) =>
    error instanceof CredentialsRejectedError
      ? `rejected (HTTP ${error.status}): check the store hash, the token and its Orders scope`
      : error instanceof BatchError
        ? error.message
        : String(error);

  try {
    const url = checkApiUrl(credentials.apiUrl);
    step("API URL", true, `${url.origin}/stores/${credentials.storeHash}/v2`);
  } catch (error) {
    step("API URL", false, describe(error));
    return { ready: false, steps };
  }
  const api = createStoreApi(credentials, {
    userAgent: options.userAgent,
    maxAttempts: 2,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  try {
    const statuses = await api.listOrderStatuses(options.signal);
    const renamed = statuses.filter(
      (status) => status.custom_label && status.custom_label !== status.name,
    );
    step(
      "credentials and Orders scope",
      true,
      `GET /order_statuses: ${statuses.length} statuses${renamed.length > 0 ? ` (${renamed.length} renamed)` : ""}`,
    );
  } catch (error) {
    step("credentials and Orders scope", false, describe(error));
    return { ready: false, steps };
  }
  try {
    const order = await api.latestOrder(options.signal);
    step(
      "read an order",
      true,
      order ? `newest order ${order.id} (${order.status})` : "the store has no orders yet",
    );
  } catch (error) {
    step("read an order", false, describe(error));
  }
  const gate = api.gate.snapshot();
  step(
    "rate limit",
    true,
    gate.quota === undefined
      ? "the store sent no rate-limit headers (unlimited plan or a proxy)"
      : `quota ${gate.quota} requests per window, ${gate.left ?? "?"} left now; bc-order-batch leaves ${gate.reserve} per window to other apps (--reserve)`,
  );
  if (gate.quota !== undefined) {
    // What that quota means for a file (issue 14): rows per hour by kind, at README "Costs".
    const perHour = (kind: RowKind) => {
      const estimate = estimateRun(ROW_COSTS.bulk[kind] * 1000, 1000, {
        quota: gate.quota as number,
        ...(gate.windowMs !== undefined ? { windowMs: gate.windowMs } : {}),
        reserve: gate.reserve,
      });
      return Math.floor((1000 * 3600) / Math.max(1, estimate.seconds));
    };
    step(
      "throughput",
      true,
      `about ${perHour("status").toLocaleString("en-US")} status rows or ${perHour("shipment").toLocaleString("en-US")} tracking rows per hour at this quota`,
    );
  }
  step(
    "write scope",
    true,
    "not checked (a check never writes): without Orders modify scope the first PUT or POST answers 403",
  );
  return { ready: steps.every((s) => s.ok), steps };
}

export function formatStoreCheck(check: StoreCheck): string {
  const lines = check.steps.map((s) => `${s.ok ? "ok  " : "FAIL"}  ${s.name}: ${s.detail}`);
  lines.push(check.ready ? "The store is ready." : "The store is not ready: see FAIL above.");
  return lines.join("\n");
}

/** One store's check, headed by its credentials id (undefined: the environment's store). */
export interface StoreCheckBlock {
  readonly id: string | undefined;
  readonly storeHash: string;
  readonly apiUrl: string;
  readonly check: StoreCheck;
}

export interface StoresCheck {
  /** Every store checked is ready. */
  readonly ready: boolean;
  readonly stores: readonly StoreCheckBlock[];
}

/**
 * The stores `check` looks at: the `--credentials-id` entry alone when one is named; else every
 * entry of the credentials file, and the environment's store (rows without credentials_id) when
 * it is set; without a file, the environment's store.
 */
export function storesToCheck(
  directory: StoreDirectory,
): { id: string | undefined; credentials: StoreCredentials }[] {
  if (directory.defaultId !== undefined) {
    return [{ id: directory.defaultId, credentials: directory.get(directory.defaultId) }];
  }
  const stores: { id: string | undefined; credentials: StoreCredentials }[] = [];
  if (directory.ids === undefined) {
    return [{ id: undefined, credentials: directory.get(undefined) }];
  }
  try {
    stores.push({ id: undefined, credentials: directory.get(undefined) });
  } catch {
    // No environment store besides the file: every row names its credentials_id.
  }
  for (const id of directory.ids) stores.push({ id, credentials: directory.get(id) });
  return stores;
}

/** `check` for every store of a run (issue 14): each checked on its own, side by side. */
export async function checkStores(
  directory: StoreDirectory,
  options: { userAgent: string; timeoutMs?: number; signal?: AbortSignal },
): Promise<StoresCheck> {
  const stores = await Promise.all(
    storesToCheck(directory).map(async ({ id, credentials }) => ({
      id,
      storeHash: credentials.storeHash,
      // As given, without the slash URL adds to a bare origin.
      apiUrl: credentials.apiUrl.href.replace(/\/$/, ""),
      check: await checkStore(credentials, options),
    })),
  );
  return { ready: stores.every((store) => store.check.ready), stores };
}

/** How a block is headed: its credentials id and store hash, never its token. */
function blockName(block: StoreCheckBlock): string {
  return block.id === undefined ? "the environment's store" : `"${block.id}"`;
}

/**
 * The check's text: one block per store, headed by its id and store hash when a credentials file
 * is used, then which stores are not ready. The environment's store alone prints as one block.
 */
export function formatStoresCheck(result: StoresCheck): string {
  const [only] = result.stores;
  if (result.stores.length === 1 && only !== undefined && only.id === undefined) {
    return formatStoreCheck(only.check);
  }
  const blocks = result.stores.map(
    (block) =>
      `store ${blockName(block)} (store hash ${block.storeHash})\n${formatStoreCheck(block.check)}`,
  );
  const notReady = result.stores.filter((block) => !block.check.ready);
  const total = result.stores.length;
  blocks.push(
    notReady.length === 0
      ? total === 1
        ? "The store is ready."
        : `All ${total} stores are ready.`
      : `${notReady.length} of ${total} ${total === 1 ? "store" : "stores"} ${notReady.length === 1 ? "is" : "are"} not ready: ${notReady.map(blockName).join(", ")} (see FAIL above).`,
  );
  return blocks.join("\n\n");
}

/** `check --json`: one object, each store with each step's name, ok and detail. */
export function storesCheckToJson(result: StoresCheck): Record<string, unknown> {
  return {
    ready: result.ready,
    stores: result.stores.map((block) => ({
      id: block.id ?? null,
      store_hash: block.storeHash,
      api_url: block.apiUrl,
      ready: block.check.ready,
      checks: block.check.steps.map((step) => ({
        name: step.name,
        ok: step.ok,
        detail: step.detail,
      })),
    })),
  };
}
