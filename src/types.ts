/**
 * The vocabulary of the data flow:
 * CSV row (SourceRow) → checked row (CheckedRow) → order state (read/order-state.ts) → plan (plan/plan-row.ts: RowPlan, the exact requests) → API calls → outcome (RowOutcome) → result row.
 */

/** Canonical input column names (see columns.ts for the table and its BigCommerce mapping). */
export type ColumnName =
  | "order_id"
  | "status_id"
  | "staff_notes"
  | "customer_message"
  | "billing_first_name"
  | "billing_last_name"
  | "billing_company"
  | "billing_street"
  | "billing_street2"
  | "billing_city"
  | "billing_state"
  | "billing_zip"
  | "billing_country"
  | "billing_email"
  | "billing_phone"
  | "tracking_number"
  | "shipping_provider"
  | "tracking_carrier"
  | "carrier"
  | "tracking_link"
  | "shipping_method"
  | "shipment_comments"
  | "sku"
  | "quantity"
  | "order_product_id"
  | "order_address_id"
  | UndoColumnName
  | "credentials_id";

/**
 * Columns of issue 15 (undo files and shipment corrections): remove or correct one shipment, set
 * fields to empty, and the values a conditional update expects to find (plan/conditions.ts).
 */
export type UndoColumnName =
  | "update_shipment_id"
  | "delete_shipment_id"
  | "clear_fields"
  | "expect_status_id"
  | "expect_staff_notes"
  | "expect_customer_message"
  | "expect_billing_first_name"
  | "expect_billing_last_name"
  | "expect_billing_company"
  | "expect_billing_street"
  | "expect_billing_street2"
  | "expect_billing_city"
  | "expect_billing_state"
  | "expect_billing_zip"
  | "expect_billing_country"
  | "expect_billing_email"
  | "expect_billing_phone"
  | "expect_tracking_number";

/** One data record of the input file, before any value is checked. */
export interface SourceRow {
  /** 1-based position among data rows (the header is not counted). */
  readonly index: number;
  /** 1-based line of the input file where the record starts (the header is line 1). */
  readonly line: number;
  /** The record's cells exactly as read, in input column order (copied to the results file). */
  readonly cells: readonly string[];
  /** Known columns by canonical name, values as read (not trimmed). Only columns present in the file. */
  readonly values: Readonly<Partial<Record<ColumnName, string>>>;
  /** Structural problem found while reading (wrong field count); such a row is `invalid` and never sent. */
  readonly structureProblem?: RowProblem;
}

/** Why a row cannot be sent: the column and value at fault and what was expected. */
export interface RowProblem {
  /** Stable machine code, e.g. `E_EMAIL`, `E_FIELD_COUNT` (src/codes.ts). */
  readonly code: string;
  /** Canonical column name when one column is at fault. */
  readonly column?: ColumnName;
  readonly value?: string;
  readonly message: string;
}

/** Billing address as BigCommerce names it (billingAddress_Base). */
export interface BillingAddress {
  first_name: string;
  last_name: string;
  company: string;
  street_1: string;
  street_2: string;
  city: string;
  state: string;
  zip: string;
  country: string;
  country_iso2: string;
  phone: string;
  email: string;
}

export type BillingField = keyof BillingAddress;

/** What a row asks to change; absent means "leave unchanged". */
export interface RowChanges {
  readonly statusId?: number;
  readonly staffNotes?: string;
  readonly customerMessage?: string;
  /** Billing fields to merge into the order's current billing address (country carries country_iso2 too). */
  readonly billing?: Readonly<Partial<BillingAddress>>;
  /** Input column names of the billing fields the row sets, for `fields_updated`. */
  readonly billingColumns?: readonly ColumnName[];
  readonly shipment?: ShipmentRequest;
  /** DELETE this shipment of the order (docs/bigcommerce-api.md §12); a missing one is `unchanged`. */
  readonly deleteShipmentId?: number;
  /** PUT these fields of an existing shipment instead of creating one (items cannot change, §12). */
  readonly shipmentUpdate?: ShipmentUpdateRequest;
  /** The values the row expects to find before writing (plan/conditions.ts); absent = none. */
  readonly expect?: Expectations;
}

/** A correction of an existing shipment: only the fields given (an empty string clears one). */
export interface ShipmentUpdateRequest {
  readonly shipmentId: number;
  readonly fields: Readonly<ShipmentPut>;
}

/**
 * What a conditional update expects to find, per field, before it writes that field: an undo
 * row's values are the ones the run wrote (plan/conditions.ts). Billing by input column name.
 */
export interface Expectations {
  readonly statusId?: number;
  readonly staffNotes?: string;
  readonly customerMessage?: string;
  /** billing_* column → value (billing_country as an ISO 3166-1 alpha-2 code). */
  readonly billing?: Readonly<Partial<Record<ColumnName, string>>>;
  /** The tracking number of the shipment a row updates or deletes. */
  readonly trackingNumber?: string;
}

export interface ShipmentRequest {
  /** As sent: the row's tracking number without spaces and dashes (check/tracking.ts compactTracking). */
  readonly trackingNumber: string;
  /** Always sent; empty string when the row gives none (so the email carries a tracking link). */
  readonly shippingProvider: string;
  readonly trackingCarrier: string;
  readonly orderAddressId?: number;
  /** POST `tracking_link`: a custom https tracking URL (docs/bigcommerce-api.md §3). */
  readonly trackingLink?: string;
  /** POST `shipping_method`: free text, e.g. the service name "UPS Ground". */
  readonly shippingMethod?: string;
  /** POST `comments` (≤ 65535). */
  readonly comments?: string;
  /**
   * The order line this row ships (sku, quantity, order_product_id columns), for grouping rows into
   * one shipment; absent = everything unshipped at the address.
   */
  readonly item?: ShipmentItemRequest;
  /**
   * Set by the run (read/shipment-groups.ts): every row of the file with this order and tracking
   * number and an item, so the group's first row creates one shipment of all their items.
   */
  readonly group?: ShipmentGroup;
  /** A fully shipped order with another tracking number and no items (README "Split parcels"). @default "ok" */
  readonly alreadyShipped?: AlreadyShippedPolicy;
}

/** `--already-shipped`: an order another app shipped is `unchanged` (ok) or `failed` (fail). */
export type AlreadyShippedPolicy = "ok" | "fail";

/** The rows of one shipment: one order, one tracking number (compared with sameTracking). */
export interface ShipmentGroup {
  /** Line of the group's first row in file order: the row that creates the shipment. */
  readonly firstLine: number;
  /** In file order, one per row. */
  readonly items: readonly ShipmentGroupItem[];
}

/** A group row's item, with the input line it came from (for messages). */
export interface ShipmentGroupItem extends ShipmentItemRequest {
  readonly line: number;
  /** The row's order_address_id, if it gives one: every row of a shipment must agree. */
  readonly orderAddressId?: number;
}

/** One line of a shipment as a row names it: by order_product_id or by sku, with a quantity. */
export interface ShipmentItemRequest {
  readonly sku?: string;
  readonly orderProductId?: number;
  /** Absent = what is left to ship of that line. */
  readonly quantity?: number;
}

/** A row whose every value passed the checks. */
export interface CheckedRow {
  readonly index: number;
  readonly line: number;
  readonly orderId: number;
  /** Which store's credentials apply; undefined = the default store. */
  readonly credentialsId?: string;
  readonly changes: RowChanges;
}

export type CheckResult =
  | { readonly ok: true; readonly source: SourceRow; readonly row: CheckedRow }
  | { readonly ok: false; readonly source: SourceRow; readonly problems: readonly RowProblem[] };

/** Result states of a row in the results file. */
export type RowResultState =
  | "updated"
  | "unchanged"
  | "already_shipped"
  | "would_update"
  | "valid"
  | "failed"
  | "invalid"
  | "needs_review"
  | "not_attempted"
  | "conflict";

/** Results that count as success for the exit code and the `success` column. */
export type SuccessState = "updated" | "unchanged" | "already_shipped" | "would_update" | "valid";
/** Results of a row that did not succeed: each carries a stable code and a reason. */
export type FailureState = Exclude<RowResultState, SuccessState>;

/** What every outcome says, whatever its result. */
interface OutcomeBase {
  readonly index: number;
  readonly line: number;
  readonly orderId?: number | undefined;
  /** Names applied (or, in a dry run, that would be applied), e.g. status_id, billing_city, shipment_created. */
  readonly fieldsUpdated: readonly string[];
  readonly orderStatusId?: number | undefined;
  readonly orderStatus?: string | undefined;
  readonly shipmentId?: number | undefined;
  /** This run created `shipmentId` (also on a row that failed after its shipment). */
  readonly shipmentCreated?: boolean | undefined;
  /** A billing change made BigCommerce recalculate the order totals. */
  readonly totalsChanged?: boolean | undefined;
  readonly message?: string | undefined;
  /** Carried over by --resume from an earlier results file: not done by this run. */
  readonly carriedOver?: boolean | undefined;
  /** What the row's writes replaced, for the undo file (output/undo.ts); absent when it wrote nothing. */
  readonly undo?: UndoSource | undefined;
}

/**
 * What a row changed, as the undo file needs it: the order and shipments as read before the
 * writes, and what was written (issue 15). The final status is the outcome's orderStatusId.
 */
export interface UndoSource {
  /** The order as read before the row's writes; undefined when it was not read (per-order reads). */
  readonly before: Order | undefined;
  /** The order fields applied (the merged PUT bodies). */
  readonly put: OrderPut;
  /** The input columns the PUTs applied (fields_updated names). */
  readonly putFields: readonly string[];
  readonly created?: Shipment | undefined;
  readonly deleted?: Shipment | undefined;
  readonly updated?: { readonly before: Shipment; readonly body: ShipmentPut } | undefined;
  /** Which store, as the row gave it. */
  readonly credentialsId?: string | undefined;
}

/** What happened to one row: a value, never an exception; a union keyed on `result`. */
export type RowOutcome =
  | (OutcomeBase & {
      readonly result: SuccessState;
      /** Not written for a success (the results' error_code stays empty). */
      readonly errorCode?: string | undefined;
      readonly error?: string | undefined;
    })
  | (OutcomeBase & {
      readonly result: FailureState;
      /** The stable code (src/codes.ts), written to the results' error_code column. */
      readonly errorCode: string;
      readonly error: string;
    });

/** Results that count as success for the exit code and the `success` column. */
export const SUCCESS_STATES: ReadonlySet<RowResultState> = new Set<SuccessState>([
  "updated",
  "unchanged",
  "already_shipped",
  "would_update",
  "valid",
]);

// ---- BigCommerce V2 resources: only the fields this tool reads. ----

export interface Order {
  id: number;
  status_id: number;
  status: string;
  staff_notes?: string;
  customer_message?: string;
  billing_address: BillingAddress & Record<string, unknown>;
  subtotal_ex_tax?: string;
  subtotal_inc_tax?: string;
  total_ex_tax?: string;
  total_inc_tax?: string;
  total_tax?: string;
  items_total?: number;
  items_shipped?: number;
}

export interface OrderProduct {
  id: number;
  order_id: number;
  order_address_id: number;
  name?: string;
  sku?: string;
  type: "physical" | "digital" | "giftcertificate" | string;
  quantity: number;
  quantity_shipped: number;
}

export interface ShippingAddress {
  id: number;
  order_id: number;
  first_name?: string;
  last_name?: string;
  city?: string;
  zip?: string;
}

/**
 * A shipping consignment of GET /orders?include=consignments.line_items&consignment_structure=object
 * (docs/bigcommerce-api.md §6): an address with its lines. Its `id` is not documented to equal the
 * lines' `order_address_id` (§6 caveats).
 */
export interface ShippingConsignment {
  id: number;
  first_name?: string;
  last_name?: string;
  city?: string;
  zip?: string;
  items_total?: number;
  items_shipped?: number;
  /** Full order products with `.line_items`, else a `{url, resource}` link. */
  line_items?: OrderProduct[] | { url: string; resource: string };
  /** A list capped the lines at 50 (docs/bigcommerce-api.md §11, docs#960). */
  __warning__?: unknown;
}

/** `consignments` with `consignment_structure=object` (docs/bigcommerce-api.md §6). */
export interface OrderConsignments {
  pickups?: unknown[];
  shipping?: ShippingConsignment[];
  downloads?: {
    line_items?: OrderProduct[] | { url: string; resource: string };
    __warning__?: unknown;
  }[];
}

/** An order read with its consignments and lines (§6, §11). */
export interface OrderWithConsignments extends Order {
  consignments?: OrderConsignments | unknown;
  __warning__?: unknown;
}

export interface Shipment {
  id: number;
  order_id: number;
  order_address_id: number;
  tracking_number: string;
  shipping_provider?: string;
  tracking_carrier?: string;
  tracking_link?: string;
  shipping_method?: string;
  comments?: string;
  items?: { order_product_id: number; quantity: number }[];
}

export interface OrderStatus {
  id: number;
  name: string;
  system_label?: string;
  custom_label?: string;
}

export interface OrderPut {
  status_id?: number;
  staff_notes?: string;
  customer_message?: string;
  billing_address?: BillingAddress;
}

export interface ShipmentPost {
  order_address_id: number;
  tracking_number: string;
  shipping_provider: string;
  tracking_carrier: string;
  items: { order_product_id: number; quantity: number }[];
}

/** PUT /orders/{id}/shipments/{shipment_id} (orderShipment_Put, docs/bigcommerce-api.md §12): never `items`. */
export interface ShipmentPut {
  tracking_number?: string;
  shipping_provider?: string;
  tracking_carrier?: string;
  tracking_link?: string;
  shipping_method?: string;
  comments?: string;
}
