import type { SourceRow } from "../types.js";

/**
 * How long a run will take at the store's quota. The quota (requests per window, shared with the
 * store's other apps, less --reserve) is the ceiling on throughput, so the time is requests ÷
 * what may be sent per window (docs/bigcommerce-api.md §8). Requests come from what each kind of
 * row costs (README "Costs"): a table, so the estimate and the documentation say the same thing.
 */

/** What a row does, as far as its cost goes. */
export type RowKind = "status" | "notes" | "billing" | "shipment" | "shipment_status";

/**
 * Requests per row of each kind, as the planner reads and writes them, with bulk reads
 * (a range read of 250 orders shared by the rows in it) and with one order read at a time.
 * Policy as data: README "Costs" gives the same numbers.
 */
export const ROW_COSTS: Readonly<Record<"bulk" | "per-order", Readonly<Record<RowKind, number>>>> =
  {
    // One PUT; the order's read shared by up to 250 rows; a shipment's POST plus its share of the
    // read back; a second status (one the shipment does not set) one more PUT.
    bulk: { status: 1.01, notes: 1.01, billing: 1.01, shipment: 1.02, shipment_status: 2.01 },
    // GET shipments, shipping_addresses, products, POST, then GET order or PUT status.
    "per-order": { status: 1, notes: 1, billing: 2, shipment: 5, shipment_status: 5 },
  };

/** The kind of a row from its cells (before it is checked: an invalid row is priced as it reads). */
export function rowKind(values: SourceRow["values"]): RowKind | undefined {
  const cells = values as Readonly<Record<string, string | undefined>>;
  const filled = (name: string) => (cells[name] ?? "").trim() !== "";
  const shipment = filled("tracking_number") || filled("delete_shipment_id");
  const status = filled("status_id");
  if (shipment) return status ? "shipment_status" : "shipment";
  if (Object.keys(values).some((name) => name.startsWith("billing_") && filled(name))) {
    return "billing";
  }
  if (status) return "status";
  return filled("staff_notes") || filled("customer_message") ? "notes" : undefined;
}

/** The store's quota as its answers announced it; undefined parts are unknown. */
export interface QuotaInfo {
  readonly quota?: number;
  readonly windowMs?: number;
  readonly reserve: number;
}

/** BigCommerce's Standard and Plus plans: 150 requests per 30 s (docs/bigcommerce-api.md §8). */
const STANDARD_QUOTA = { quota: 150, windowMs: 30_000 } as const;

export interface Estimate {
  readonly rows: number;
  readonly requests: number;
  /** The store's requests per window, as it announced them (undefined: not announced). */
  readonly quota: number | undefined;
  /** Requests this run may send per window (the quota less the reserve). */
  readonly perWindow: number;
  readonly windowMs: number;
  readonly seconds: number;
  /** The quota was read from the store's answers (false: the Standard plan's, assumed). */
  readonly quotaKnown: boolean;
  /** A dry run counts the reads it made and the writes it planned: exact, not priced. */
  readonly exact: boolean;
}

/** Requests for these rows ÷ what may be sent per window → time. */
export function estimateRun(
  requests: number,
  rows: number,
  quota: QuotaInfo,
  exact = false,
): Estimate {
  const known = quota.quota !== undefined && quota.windowMs !== undefined;
  const perWindowQuota = quota.quota ?? STANDARD_QUOTA.quota;
  const windowMs = quota.windowMs ?? STANDARD_QUOTA.windowMs;
  const perWindow = Math.max(1, perWindowQuota - quota.reserve);
  return {
    rows,
    requests: Math.round(requests),
    quota: known ? perWindowQuota : undefined,
    perWindow,
    windowMs,
    seconds: Math.round((requests / perWindow) * (windowMs / 1000)),
    quotaKnown: known,
    exact,
  };
}

/** Requests for rows counted by kind. */
export function requestsFor(
  counts: Readonly<Partial<Record<RowKind, number>>>,
  reads: "bulk" | "per-order",
): number {
  const costs = ROW_COSTS[reads];
  let total = 0;
  for (const [kind, count] of Object.entries(counts))
    total += costs[kind as RowKind] * (count ?? 0);
  return total;
}

const number = new Intl.NumberFormat("en-US");

/** "55 min", "2 h 5 min", "40 s". */
export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** `12,400 rows ≈ 14,900 requests ≈ 55 min at 135 requests per 30 s`. */
export function formatEstimate(estimate: Estimate): string {
  const rows = `${number.format(estimate.rows)} ${estimate.rows === 1 ? "row" : "rows"}`;
  const approx = estimate.exact ? "=" : "≈";
  const requests = `${number.format(estimate.requests)} ${estimate.requests === 1 ? "request" : "requests"}`;
  const window = `${estimate.perWindow} requests per ${Math.round(estimate.windowMs / 1000)} s`;
  const assumed = estimate.quotaKnown
    ? ""
    : " (the Standard plan's quota; the store's own is read from its first answer)";
  return `estimate: ${rows} ${approx} ${requests} ≈ ${formatDuration(estimate.seconds)} at ${window}${assumed}`;
}

/** `--json`'s `estimate`. */
export function estimateToJson(estimate: Estimate): Record<string, unknown> {
  return {
    rows: estimate.rows,
    requests: estimate.requests,
    requests_per_window: estimate.perWindow,
    window_ms: estimate.windowMs,
    seconds: estimate.seconds,
    quota_known: estimate.quotaKnown,
    exact: estimate.exact,
  };
}

/** The pass that prices an input: every row's kind, counted, at the quota given. */
export async function estimateRows(
  rows: AsyncIterable<SourceRow>,
  rowCount: number,
  reads: "bulk" | "per-order",
  quota: QuotaInfo,
): Promise<Estimate> {
  const counts: Partial<Record<RowKind, number>> = {};
  for await (const row of rows) {
    const kind = rowKind(row.values);
    if (kind !== undefined) counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return estimateRun(requestsFor(counts, reads), rowCount, quota);
}
