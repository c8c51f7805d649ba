import { createStoreApi } from "../api/bigcommerce.js";
import type { StoreCredentials } from "../credentials.js";
import type { OrderStatus } from "../types.js";

/** One status as `bc-order-batch statuses` shows it. */
export interface StatusLine {
  readonly id: number;
  /** BigCommerce's own name (system_label, else name). */
  readonly system_label: string;
  /** The store's rename, "" when none (docs/bigcommerce-api.md §2). */
  readonly custom_label: string;
}

/**
 * `bc-order-batch statuses` (issue 13): the store's order statuses as a status_id cell may name
 * them (id, system label or custom label), from one GET /v2/order_statuses. Read-only.
 */
export async function listStoreStatuses(
  credentials: StoreCredentials,
  options: { userAgent: string; timeoutMs?: number; signal?: AbortSignal },
): Promise<StatusLine[]> {
  const api = createStoreApi(credentials, {
    userAgent: options.userAgent,
    maxAttempts: 2,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  const statuses = await api.listOrderStatuses(options.signal);
  return statusLines(statuses);
}

/** The lines, by id; a custom label equal to the system label counts as none. */
export function statusLines(statuses: readonly OrderStatus[]): StatusLine[] {
  return [...statuses]
    .sort((a, b) => a.id - b.id)
    .map((status) => {
      const system = status.system_label?.trim() ? status.system_label : status.name;
      const custom = status.custom_label?.trim() ?? "";
      return { id: status.id, system_label: system, custom_label: custom === system ? "" : custom };
    });
}

/** A plain table: id, system label, custom label. */
export function formatStatuses(lines: readonly StatusLine[]): string {
  const header = { id: "id", system: "system label", custom: "custom label" };
  const idWidth = Math.max(header.id.length, ...lines.map((line) => String(line.id).length));
  const systemWidth = Math.max(header.system.length, ...lines.map((l) => l.system_label.length));
  const row = (id: string, system: string, custom: string) =>
    `${id.padStart(idWidth)}  ${system.padEnd(systemWidth)}  ${custom}`.trimEnd();
  return [
    row(header.id, header.system, header.custom),
    ...lines.map((line) => row(String(line.id), line.system_label, line.custom_label)),
  ].join("\n");
}
