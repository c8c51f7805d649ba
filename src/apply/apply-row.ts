import {
  HttpStatusError,
  isUnclearOutcome,
  OutageError,
  RequestAbortedError,
} from "../api/errors.js";
import { classifyFailure, type FailureKind } from "../api/retry-policy.js";
import type { StoreApi } from "../api/store-api.js";
import { BatchError } from "../errors.js";
import { describeConflicts } from "../plan/conditions.js";
import { describeAlready, describeChanges, type StatusName } from "../plan/describe.js";
import type { RowPlan } from "../plan/plan-row.js";
import { plannedFields, planRow } from "../plan/plan-row.js";
import type { OrderReads } from "../read/order-reads.js";
import { readOrderState } from "../read/order-state.js";
import { afterWrites } from "../read/snapshot.js";
import type { CheckedRow, Order, RowOutcome, RowResultState } from "../types.js";
import {
  applyPlan,
  fatalOf,
  undoSourceOf,
  type WriteProgress,
  type WriteResult,
  withTarget,
} from "./apply-plan.js";

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
  /**
   * Bulk reads (issue 12, `--reads bulk`): the store's OrderReads. Every row then plans on its
   * order as read (writes only what changes). Absent: the per-order reads of read/order-state.ts.
   */
  readonly reads?: OrderReads | undefined;
  /** The store's label of a status id, for messages. */
  readonly statusName?: StatusName | undefined;
}

/** A row's outcome, plus the run-level error it met (rejected credentials, outage) if any. */
export interface AppliedRow {
  readonly outcome: RowOutcome;
  readonly fatal?: BatchError;
  /**
   * Bulk reads: the row's final outcome once its order was read back (the status a shipment set,
   * predicted in `outcome`). Never rejects. Settled by OrderReads.flush or the order's next row.
   */
  readonly settled?: Promise<AppliedRow>;
}

/** Why a row whose requests kept failing before it wrote anything is `not_attempted`, not `failed`. */
const TRANSIENT_FAILURE_NOTE =
  "not attempted: the store kept failing for a reason a retry may fix (retries used up) before anything was written; --resume tries the row again";

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
 * Apply one checked row to its order: read what its plan needs (read/), plan (plan/, pure), then,
 * unless a dry run, carry the plan out (apply-plan.ts): shipment first, status last (a "Shipped"
 * email sent before the shipment exists carries no tracking number: docs/bigcommerce-api.md §10).
 * Never throws: every ending is a RowOutcome.
 */
export async function applyRow(row: CheckedRow, context: ApplyContext): Promise<AppliedRow> {
  if (context.reads) return applyRowBulk(row, context, context.reads);
  const base = { index: row.index, line: row.line, orderId: row.orderId };
  const progress: WriteProgress = { applied: [], writing: false };
  const notFound = (): AppliedRow => ({ outcome: notFoundOutcome(base) });

  try {
    const read = await readOrderState(row, context.api, context.dryRun, context.signal);
    if (read === undefined) return notFound();
    const state = await withTarget(row, read, context.api, context.signal);
    const plan = planRow(row, state);
    if (!plan.ok) {
      return { outcome: refusedOutcome(base, plan) };
    }
    const existing = plan.existing;
    const existingNote = existingNoteOf(plan);

    if (context.dryRun) {
      const { fields, groupNote } = dryRunFields(row, plan);
      return {
        outcome: conflictOf(plan, context.statusName, {
          ...base,
          result: fields.length > 0 ? "would_update" : nothingDone(plan),
          fieldsUpdated: fields,
          ...statusOf(state.order),
          ...(existing ? { shipmentId: existing.id } : {}),
          message: joinMessages(
            "dry run: nothing was written",
            existingNote,
            groupNote,
            missingNote(plan),
          ),
        }),
      };
    }

    const written = await applyPlan(row.orderId, plan, state.order, context, progress);
    if (written.kind === "unknown_shipment") {
      return unknownShipment(base, plan, written);
    }
    const { applied, shipmentId } = progress;
    const message = joinMessages(existingNote, written.totalsNote);
    return {
      outcome: conflictOf(plan, context.statusName, {
        ...base,
        result: applied.length > 0 ? "updated" : nothingDone(plan),
        fieldsUpdated: applied,
        ...statusOf(written.after),
        ...(shipmentId !== undefined
          ? { shipmentId, shipmentCreated: true }
          : existing
            ? { shipmentId: existing.id }
            : {}),
        ...(written.totalsNote ? { totalsChanged: true } : {}),
        ...messageOf(joinMessages(message, missingNote(plan))),
        ...undoSourceOf(row, state.order, progress),
      }),
    };
  } catch (error) {
    return failedRow(row, base, error, progress);
  }
}

function statusOf(order: Order | undefined): Pick<RowOutcome, "orderStatusId" | "orderStatus"> {
  return order ? { orderStatusId: order.status_id, orderStatus: order.status } : {};
}

function joinMessages(...parts: (string | undefined)[]): string | undefined {
  const text = parts.filter(Boolean).join("; ");
  return text === "" ? undefined : text;
}

const NO_NAMES: StatusName = () => undefined;

/**
 * applyRow with bulk reads (issue 12): the row plans on its order as this run last left it
 * (read/order-reads.ts), so every value already in place is left out, and a row with nothing left
 * to write ends `unchanged` saying what is already so. A status equal to the one a created shipment
 * sets is not sent; the order is read back (`settled`) and the row's status PUT only if it differs.
 */
async function applyRowBulk(
  row: CheckedRow,
  context: ApplyContext,
  reads: OrderReads,
): Promise<AppliedRow> {
  const base = { index: row.index, line: row.line, orderId: row.orderId };
  const progress: WriteProgress = { applied: [], writing: false };
  const names = context.statusName ?? NO_NAMES;
  try {
    const read = await reads.stateFor(row);
    const state = read && (await withTarget(row, read, context.api, context.signal));
    if (state === undefined) {
      return { outcome: notFoundOutcome(base) };
    }
    const plan = planRow(row, state, { predict: true });
    if (!plan.ok) {
      return { outcome: refusedOutcome(base, plan) };
    }
    const existing = plan.existing;
    const existingNote = existingNoteOf(plan);
    const already = describeAlready(row, plan, state, names);
    const existingId = existing ? { shipmentId: existing.id } : {};

    if (context.dryRun) {
      // A conditional row's later rows of the same order (an undo file's steps) compare with what
      // this one would leave, not with the order as read.
      if (row.changes.expect !== undefined) simulateDryRun(reads, row.orderId, plan, names);
      const { fields, groupNote } = dryRunFields(row, plan);
      return {
        outcome: conflictOf(plan, names, {
          ...base,
          result: fields.length > 0 ? "would_update" : nothingDone(plan),
          fieldsUpdated: fields,
          ...statusOf(state.order),
          ...existingId,
          message: joinMessages(
            "dry run: nothing was written",
            groupNote,
            // A group's later row describes the rest of its writes, not the group's shipment again.
            ...describeChanges(
              groupNote
                ? {
                    ...plan,
                    writes: plan.writes.filter((write) => write.kind !== "create_shipment"),
                  }
                : plan,
              state,
              names,
            ),
            existingNote,
            ...already,
            missingNote(plan),
          ),
        }),
      };
    }
    if (plan.writes.length === 0) {
      return {
        outcome: conflictOf(plan, names, {
          ...base,
          result: nothingDone(plan),
          fieldsUpdated: [],
          ...statusOf(state.order),
          ...existingId,
          ...messageOf(joinMessages(existingNote, ...already, missingNote(plan))),
        }),
      };
    }

    const wantedStatusId = row.changes.statusId;
    const written = await applyPlan(
      row.orderId,
      plan,
      state.order,
      { ...context, wantedStatusId },
      progress,
    );
    if (written.kind === "unknown_shipment") {
      reads.forget(row.orderId);
      return unknownShipment(base, plan, written);
    }
    // The status the shipment set is only predicted until read back, unless a PUT answered it.
    const predicted =
      plan.predictedStatusId !== undefined && progress.put === undefined
        ? plan.predictedStatusId
        : undefined;
    // A shipment removed or corrected: the lines and shipments read are stale; read them again.
    const stale = plan.writes.some(
      (w) => w.kind === "delete_shipment" || w.kind === "update_shipment",
    );
    const snapshot = stale ? undefined : reads.current(row.orderId);
    const createShipment = plan.writes.find((write) => write.kind === "create_shipment");
    if (snapshot) {
      reads.record(
        row.orderId,
        afterWrites(snapshot, {
          ...(progress.created && createShipment?.kind === "create_shipment"
            ? { shipment: { body: createShipment.body, created: progress.created } }
            : {}),
          ...(predicted !== undefined
            ? { predicted: { statusId: predicted, status: names(predicted) ?? "" } }
            : {}),
          ...(progress.put ? { put: progress.put } : {}),
        }),
      );
    } else {
      reads.forget(row.orderId);
    }
    const shipment =
      progress.shipmentId !== undefined
        ? { shipmentId: progress.shipmentId, shipmentCreated: true }
        : existingId;
    const notes = joinMessages(existingNote, written.totalsNote);
    const outcome: RowOutcome = conflictOf(plan, names, {
      ...base,
      result: "updated",
      fieldsUpdated: [...progress.applied],
      ...statusOf(written.after),
      ...shipment,
      ...(written.totalsNote ? { totalsChanged: true } : {}),
      ...messageOf(joinMessages(notes, missingNote(plan))),
      ...undoSourceOf(row, state.order, progress),
    });
    if (predicted === undefined) return { outcome };

    // Read back (shared by the window, or by the order's next row) to report and verify the status.
    let putting = false;
    const settled = reads
      .check(row.orderId, async (readBack) => {
        if (wantedStatusId === undefined || readBack.status_id === wantedStatusId) return readBack;
        putting = true;
        const corrected = await context.api.updateOrder(
          row.orderId,
          { status_id: wantedStatusId },
          context.signal,
        );
        progress.applied.push("status_id");
        return corrected;
      })
      .then(
        (final): AppliedRow => ({
          outcome: { ...outcome, fieldsUpdated: [...progress.applied], ...statusOf(final) },
        }),
        (error): AppliedRow => {
          if (putting) {
            const result = failureResult(error, true, true);
            return {
              outcome: {
                ...base,
                result: result === "not_attempted" ? "needs_review" : result,
                fieldsUpdated: [...progress.applied],
                ...shipment,
                ...errorText(error),
                ...(outcome.undo ? { undo: outcome.undo } : {}),
                message: `applied before the failure: ${progress.applied.join(";")}`,
              },
              ...fatalOf(error),
            };
          }
          const unread = "the order could not be read back for the status the shipment set";
          if (wantedStatusId === undefined) {
            return {
              outcome: {
                ...outcome,
                orderStatusId: undefined,
                orderStatus: undefined,
                message: joinMessages(notes, unread),
              },
              ...fatalOf(error),
            };
          }
          return {
            outcome: {
              ...base,
              result: "needs_review",
              fieldsUpdated: [...progress.applied],
              ...shipment,
              ...errorText(error),
              ...(outcome.undo ? { undo: outcome.undo } : {}),
              message: `${unread}, so status ${names(wantedStatusId) ?? wantedStatusId} is not confirmed (a re-run or --resume checks again)`,
            },
            ...fatalOf(error),
          };
        },
      );
    return {
      outcome: { ...outcome, orderStatusId: predicted, orderStatus: names(predicted) },
      settled,
    };
  } catch (error) {
    if (progress.writing) reads.forget(row.orderId);
    return failedRow(row, base, error, progress);
  } finally {
    reads.finish(row.orderId);
  }
}

function messageOf(message: string | undefined): { message?: string } {
  return message ? { message } : {};
}

/** A plan with fields in conflict ends `conflict` (not a success), whatever else it wrote. */
function conflictOf(
  plan: Extract<RowPlan, { ok: true }>,
  names: StatusName | undefined,
  outcome: RowOutcome,
): RowOutcome {
  if (!plan.conflicts || plan.conflicts.length === 0) return outcome;
  return {
    ...outcome,
    result: "conflict",
    errorCode: "E_CONFLICT",
    error: describeConflicts(plan.conflicts, names),
  };
}

function missingNote(plan: Extract<RowPlan, { ok: true }>): string | undefined {
  return plan.missingShipment === undefined
    ? undefined
    : `shipment ${plan.missingShipment} is not on the order (already removed); nothing to delete`;
}

/** Dry run, bulk reads: record the order as the plan's PUT would leave it (no request is sent). */
function simulateDryRun(
  reads: OrderReads,
  orderId: number,
  plan: Extract<RowPlan, { ok: true }>,
  names: StatusName,
): void {
  const snapshot = reads.current(orderId);
  if (!snapshot) return;
  let order: Order = snapshot.order;
  for (const write of plan.writes) {
    if (write.kind !== "update_order") continue;
    const { billing_address: billing, ...fields } = write.body;
    order = { ...order, ...fields };
    if (billing) order = { ...order, billing_address: { ...order.billing_address, ...billing } };
    if (fields.status_id !== undefined) order.status = names(fields.status_id) ?? order.status;
  }
  reads.record(orderId, { ...snapshot, order });
}

/**
 * A row that writes nothing: `unchanged`, or `already_shipped` when the order was shipped under
 * another tracking number (another app): a success of its own name, so a nightly feed stays green
 * and a person still sees it (README "Split parcels"; --already-shipped fail makes it a failure).
 */
function nothingDone(plan: { readonly alreadyShipped?: true }): "unchanged" | "already_shipped" {
  return plan.alreadyShipped ? "already_shipped" : "unchanged";
}

type OutcomeBaseOf = { readonly index: number; readonly line: number; readonly orderId: number };

/** The order does not exist (404): the row fails, nothing written. */
function notFoundOutcome(base: OutcomeBaseOf): RowOutcome {
  return {
    ...base,
    result: "failed",
    fieldsUpdated: [],
    errorCode: "E_ORDER_NOT_FOUND",
    error: `order ${base.orderId} not found (HTTP 404)`,
  };
}

/** The plan refused the row against its order: it fails with the plan's code, nothing written. */
function refusedOutcome(
  base: OutcomeBaseOf,
  plan: { readonly code: string; readonly message: string },
): RowOutcome {
  return {
    ...base,
    result: "failed",
    fieldsUpdated: [],
    errorCode: plan.code,
    error: plan.message,
  };
}

/** What to say of a shipment with the row's tracking number that exists already. */
function existingNoteOf(plan: Extract<RowPlan, { ok: true }>): string | undefined {
  const existing = plan.existing;
  return (
    plan.existingNote ??
    (existing
      ? `shipment ${existing.id} with tracking number ${existing.tracking_number} already exists; none created`
      : undefined)
  );
}

/**
 * The outcome of a row that met `error`: the order not found (before any write), or what
 * failureResult says, with what was applied before the failure (which the undo file covers).
 */
function failedRow(
  row: CheckedRow,
  base: OutcomeBaseOf,
  error: unknown,
  progress: WriteProgress,
): AppliedRow {
  const { applied, shipmentId } = progress;
  if (error instanceof HttpStatusError && error.status === 404 && applied.length === 0) {
    return { outcome: notFoundOutcome(base) };
  }
  const result = failureResult(error, progress.writing, applied.length > 0);
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
      // What was applied is undone too (a shipment created before a PUT failed).
      ...undoSourceOf(row, undefined, progress),
    },
    ...fatalOf(error),
  };
}

/**
 * What a dry run reports of a row. A split parcel's later row (its group's shipment is created by
 * an earlier line) would find that shipment in a real run and create none; a dry run writes
 * nothing, so it says so instead of listing a second shipment_created.
 */
function dryRunFields(
  row: CheckedRow,
  plan: Extract<RowPlan, { ok: true }>,
): { fields: string[]; groupNote?: string } {
  const fields = plannedFields(plan);
  const group = row.changes.shipment?.group;
  if (group === undefined || group.firstLine >= row.line || !fields.includes("shipment_created")) {
    return { fields };
  }
  return {
    fields: fields.filter((field) => field !== "shipment_created"),
    groupNote: `part of the shipment line ${group.firstLine} would create (lines ${group.items.map((item) => item.line).join(", ")})`,
  };
}

/**
 * A shipment POST whose outcome could not be told (the re-read failed too): the row needs review,
 * and nothing after the shipment (the PUT) was sent.
 */
function unknownShipment(
  base: OutcomeBaseOf,
  plan: Extract<RowPlan, { ok: true }>,
  written: Extract<WriteResult, { kind: "unknown_shipment" }>,
): AppliedRow {
  const rest = plan.writes.flatMap((write) =>
    write.kind === "update_order" ? [...write.fields] : [],
  );
  return {
    outcome: {
      ...base,
      result: "needs_review",
      fieldsUpdated: [],
      ...errorText(written.error),
      message: `could not tell whether the shipment was created; check order ${base.orderId} for tracking number ${written.body.tracking_number} (a re-run or --resume checks again and never creates a second one)${rest.length > 0 ? `; not applied: ${rest.join(";")}` : ""}`,
    },
    ...(written.fatal ? { fatal: written.fatal } : {}),
  };
}
