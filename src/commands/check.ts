import { createStoreApi } from "../api/bigcommerce.js";
import { CredentialsRejectedError } from "../api/errors.js";
import { checkApiUrl } from "../api/url.js";
import type { StoreCredentials } from "../credentials.js";
import { BatchError } from "../errors.js";

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
