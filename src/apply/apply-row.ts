import { setTimeout as sleep } from "node:timers/promises";
import {
  CredentialsRejectedError,
  HttpStatusError,
  isUnclearOutcome,
  OutageError,
  RequestAbortedError,
} from "../api/errors.js";
import { classifyFailure, type FailureKind } from "../api/retry-policy.js";
import type { StoreApi } from "../api/store-api.js";
import { BatchError } from "../errors.js";
import { describeTotalsChange, planPut, planShipment, readsNeeded } from "../plan/plan-update.js";
import type {
  CheckedRow,
  Order,
  RowOutcome,
  RowResultState,
  Shipment,
  ShipmentPost,
} from "../types.js";

/** Everything one row needs to be applied; one per store. */
export interface ApplyContext {
  readonly api: StoreApi;
  /** Read-only: report what would change, never PUT or POST (issue #7). */
  readonly dryRun: boolean;
  /**
   * Wait before re-reading shipments after a POST with an unclear outcome, so a write the server is
   * still finishing shows up in the re-read. Milliseconds.
   */
  readonly reconcileDelayMs: number;
  /** Cancels requests in flight (the end of the grace period after an interrupt). */
  readonly signal: AbortSignal;
}

/** A row's outcome, plus the run-level error it met (rejected credentials, outage) if any. */
export interface AppliedRow {
  readonly outcome: RowOutcome;
  readonly fatal?: BatchError;
}

/** Why a row whose requests kept failing before it wrote anything is `not_attempted`, not `failed`. */
const TRANSIENT_FAILURE_NOTE =
  "not attempted: the store kept failing for a reason a retry may fix (retries used up) before anything was written; --resume tries the row again";

/** POST attempts for one shipment when each unclear failure was followed by a re-read that found nothing. */
const SHIPMENT_ATTEMPTS = 3;

type ShipmentAttempt =
  | { readonly kind: "created"; readonly shipment: Shipment }
  | { readonly kind: "unknown"; readonly error: unknown; readonly fatal?: BatchError };

/**
 * POST a shipment without ever creating two. V2 POST is not idempotent and has no idempotency key
 * (NOTES.md §5), so after an unclear failure (timeout, reset, 5xx: the write may have been applied)
 * re-read the order's shipments: a shipment with our tracking number means success; post again only
 * when it is certainly absent; when the re-read fails too, the outcome is unknown (needs_review).
 * A clear failure (4xx) is thrown: nothing was created.
 */
async function createShipmentOnce(
  api: StoreApi,
  orderId: number,
  body: ShipmentPost,
  context: ApplyContext,
): Promise<ShipmentAttempt> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= SHIPMENT_ATTEMPTS; attempt++) {
    try {
      return {
        kind: "created",
        shipment: await api.createShipment(orderId, body, context.signal),
      };
    } catch (error) {
      if (!isUnclearOutcome(error)) {
        // A clear refusal of a *second* POST ("quantity … greater than … available to ship") can
        // mean the first one was applied after our re-read: look once more before failing.
        if (attempt > 1) {
          const late = await findShipment(api, orderId, body.tracking_number, context).catch(
            () => undefined,
          );
          if (late) return { kind: "created", shipment: late };
        }
        throw error;
      }
      lastError = error;
    }
    let found: Shipment | undefined;
    try {
      if (!context.signal.aborted) await sleep(context.reconcileDelayMs, undefined, context);
      found = await findShipment(api, orderId, body.tracking_number, context);
    } catch (readError) {
      return { kind: "unknown", error: lastError, ...fatalOf(readError) };
    }
    if (found) return { kind: "created", shipment: found };
    if (lastError instanceof OutageError) throw lastError;
  }
  throw lastError;
}

/**
 * Failures a later attempt may not meet: the store was slow, overloaded or unreachable, or the run
 * was stopped (retry-policy.ts kinds). Policy as data: every other kind (404, other 4xx, 501, a body
 * we cannot read) is the row's own, and a retry would meet it again.
 */
const TRANSIENT_KINDS: ReadonlySet<FailureKind> = new Set<FailureKind>([
  "throttled",
  "overloaded",
  "server_error",
  "not_sent",
  "connection",
  "timeout",
  "aborted",
]);

/**
 * True when `error` says nothing about the row itself: it may pass on another attempt (5xx, timeout,
 * network, 429, outage, a cancelled request). A row that met one before writing anything is
 * `not_attempted`, so `--resume` tries it again (issue #4), never `failed`, which it keeps.
 */
export function isTransientFailure(error: unknown): boolean {
  return error instanceof OutageError || TRANSIENT_KINDS.has(classifyFailure(error));
}

async function findShipment(
  api: StoreApi,
  orderId: number,
  trackingNumber: string,
  context: ApplyContext,
): Promise<Shipment | undefined> {
  const shipments = await api.listShipments(orderId, context.signal);
  return shipments.find((shipment) => shipment.tracking_number === trackingNumber);
}

function fatalOf(error: unknown): { fatal?: BatchError } {
  return error instanceof CredentialsRejectedError || error instanceof OutageError
    ? { fatal: error }
    : {};
}

/** The run stopped this row: an interrupt cancelled its request, or a run-level error met it. */
function stoppedByRun(error: unknown): boolean {
  return error instanceof RequestAbortedError || fatalOf(error).fatal !== undefined;
}

/**
 * The result of a row that met `error`. A write whose outcome is unclear needs review; a row stopped
 * by the run (interrupt, rejected credentials, outage) is `not_attempted` when nothing of it was
 * applied and `needs_review` when part was, so that --resume redoes it either way (issue #4); so is
 * a row that met a transient failure (retries used up) before anything of it was written: the store
 * was down for a while, the row is not wrong. Anything else is the row's own failure.
 */
function failureResult(error: unknown, writing: boolean, appliedSome: boolean): RowResultState {
  if (writing && (error instanceof RequestAbortedError || isUnclearOutcome(error))) {
    return "needs_review";
  }
  // Reached for a write only when it certainly was not applied (refused connection, 429).
  if (!appliedSome && isTransientFailure(error)) return "not_attempted";
  if (!stoppedByRun(error)) return "failed";
  // Part of the row applied (a shipment, not yet the status): --resume finishes it safely.
  return appliedSome ? "needs_review" : "not_attempted";
}

function errorText(error: unknown): { errorCode: string; error: string } {
  if (error instanceof BatchError) return { errorCode: error.code, error: error.message };
  // Not one of ours: a bug. Say so rather than hide it behind a row failure.
  const text = error instanceof Error ? error.message : String(error);
  return { errorCode: "E_INTERNAL", error: `internal error: ${text}` };
}

/**
 * Apply one checked row to its order: read only what the row needs, check it against the order,
 * then write — shipment first, status last (a "Shipped" email sent before the shipment exists
 * carries no tracking number: NOTES.md §10, issue #2). Never throws: every ending is a RowOutcome.
 */
export async function applyRow(row: CheckedRow, context: ApplyContext): Promise<AppliedRow> {
  const { api } = context;
  const base = { index: row.index, line: row.line, orderId: row.orderId };
  const applied: string[] = [];
  let shipmentId: number | undefined;
  let writing = false;
  const notFound = (): AppliedRow => ({
    outcome: {
      ...base,
      result: "failed",
      fieldsUpdated: [],
      errorCode: "E_ORDER_NOT_FOUND",
      error: `order ${row.orderId} not found (HTTP 404)`,
    },
  });

  try {
    const reads = readsNeeded(row, context.dryRun);
    let before: Order | undefined;
    if (reads.order) {
      before = await api.getOrder(row.orderId, context.signal);
      if (before === undefined) return notFound();
    }

    let shipmentBody: ShipmentPost | undefined;
    let existing: Shipment | undefined;
    const request = row.changes.shipment;
    if (reads.shipping && request) {
      const shipments = await api.listShipments(row.orderId, context.signal);
      const addresses = shipments.some((s) => s.tracking_number === request.trackingNumber)
        ? []
        : await api.listShippingAddresses(row.orderId, context.signal);
      const products =
        addresses.length > 0 ? await api.listProducts(row.orderId, context.signal) : [];
      const plan = planShipment(request, shipments, addresses, products);
      if (!plan.ok) {
        return {
          outcome: {
            ...base,
            result: "failed",
            fieldsUpdated: [],
            errorCode: plan.code,
            error: plan.message,
          },
        };
      }
      if (plan.kind === "exists") existing = plan.shipment;
      else shipmentBody = plan.body;
    }

    const put = planPut(row, before);
    const existingNote = existing
      ? `shipment ${existing.id} with tracking number ${existing.tracking_number} already exists; none created`
      : undefined;

    if (context.dryRun) {
      const fields = [...(shipmentBody ? ["shipment_created"] : []), ...put.fields];
      return {
        outcome: {
          ...base,
          result: fields.length > 0 ? "would_update" : "unchanged",
          fieldsUpdated: fields,
          ...statusOf(before),
          ...(existing ? { shipmentId: existing.id } : {}),
          message: joinMessages("dry run: nothing was written", existingNote),
        },
      };
    }

    writing = true;
    let totalsNote: string | undefined;
    let after = before;
    if (shipmentBody) {
      const attempt = await createShipmentOnce(api, row.orderId, shipmentBody, context);
      if (attempt.kind === "unknown") {
        return {
          outcome: {
            ...base,
            result: "needs_review",
            fieldsUpdated: [],
            ...errorText(attempt.error),
            message: `could not tell whether the shipment was created; check order ${row.orderId} for tracking number ${shipmentBody.tracking_number} (a re-run or --resume checks again and never creates a second one)${put.body ? `; not applied: ${put.fields.join(";")}` : ""}`,
          },
          ...(attempt.fatal ? { fatal: attempt.fatal } : {}),
        };
      }
      shipmentId = attempt.shipment.id;
      applied.push("shipment_created");
    }
    if (put.body) {
      after = await api.updateOrder(row.orderId, put.body, context.signal);
      applied.push(...put.fields);
      if (put.body.billing_address && before) totalsNote = describeTotalsChange(before, after);
    } else if (shipmentBody) {
      // The shipment moved the order's status (Shipped / Partially Shipped): report where it is now.
      after = await api.getOrder(row.orderId, context.signal);
    }

    return {
      outcome: {
        ...base,
        result: applied.length > 0 ? "updated" : "unchanged",
        fieldsUpdated: applied,
        ...statusOf(after),
        ...(shipmentId !== undefined
          ? { shipmentId, shipmentCreated: true }
          : existing
            ? { shipmentId: existing.id }
            : {}),
        ...(totalsNote ? { totalsChanged: true } : {}),
        ...(joinMessages(existingNote, totalsNote)
          ? { message: joinMessages(existingNote, totalsNote) }
          : {}),
      },
    };
  } catch (error) {
    if (error instanceof HttpStatusError && error.status === 404 && applied.length === 0) {
      return notFound();
    }
    const result = failureResult(error, writing, applied.length > 0);
    return {
      outcome: {
        ...base,
        result,
        fieldsUpdated: applied,
        ...(shipmentId !== undefined ? { shipmentId, shipmentCreated: true } : {}),
        ...errorText(error),
        ...(applied.length > 0
          ? { message: `applied before the failure: ${applied.join(";")}` }
          : result === "not_attempted" && !stoppedByRun(error)
            ? { message: TRANSIENT_FAILURE_NOTE }
            : {}),
      },
      ...fatalOf(error),
    };
  }
}

function statusOf(order: Order | undefined): Pick<RowOutcome, "orderStatusId" | "orderStatus"> {
  return order ? { orderStatusId: order.status_id, orderStatus: order.status } : {};
}

function joinMessages(...parts: (string | undefined)[]): string | undefined {
  const text = parts.filter(Boolean).join("; ");
  return text === "" ? undefined : text;
}
