import type { BillingField, ColumnName } from "../types.js";

/**
 * The input columns, in the order the results file and the documentation list them.
 * Policy as data: everything that knows column names reads this table.
 */
export interface ColumnSpec {
  readonly name: ColumnName;
  /** For billing_* columns: the billingAddress field it sets (orders.v2 billingAddress_Base). */
  readonly billingField?: BillingField;
  /** Largest length BigCommerce accepts, when it documents one. */
  readonly maxLength?: number;
  readonly description: string;
}

export const COLUMNS: readonly ColumnSpec[] = [
  { name: "order_id", description: "Order to update (positive integer). Required." },
  { name: "status_id", description: "New status: numeric id (0-14) or status name/label." },
  // staff_notes maxLength: orders.v2 order_Put.staff_notes (docs/bigcommerce-api.md §1).
  {
    name: "staff_notes",
    maxLength: 65535,
    description: "Notes for staff (replaces the current notes).",
  },
  { name: "customer_message", maxLength: 65535, description: "The order's customer message." },
  // BigCommerce documents no length for address fields; 255 only stops absurd values early.
  { name: "billing_first_name", billingField: "first_name", maxLength: 255, description: "" },
  { name: "billing_last_name", billingField: "last_name", maxLength: 255, description: "" },
  { name: "billing_company", billingField: "company", maxLength: 255, description: "" },
  { name: "billing_street", billingField: "street_1", maxLength: 255, description: "" },
  { name: "billing_street2", billingField: "street_2", maxLength: 255, description: "" },
  { name: "billing_city", billingField: "city", maxLength: 255, description: "" },
  { name: "billing_state", billingField: "state", maxLength: 255, description: "" },
  { name: "billing_zip", billingField: "zip", maxLength: 255, description: "" },
  {
    name: "billing_country",
    billingField: "country",
    description: "Country name or ISO 3166-1 alpha-2 code; sent as country and country_iso2.",
  },
  { name: "billing_email", billingField: "email", maxLength: 255, description: "" },
  { name: "billing_phone", billingField: "phone", maxLength: 255, description: "" },
  // tracking_number maxLength: orders.v2 orderShipment_Post.tracking_number.
  {
    name: "tracking_number",
    maxLength: 50,
    description: "Creates a shipment of everything unshipped.",
  },
  {
    name: "shipping_provider",
    description: "ups, fedex, usps, … or carrier_<id>; common spellings are mapped.",
  },
  {
    name: "tracking_carrier",
    maxLength: 100,
    description: "AfterShip courier slug, e.g. ups, dhl; carrier names are mapped.",
  },
  {
    name: "carrier",
    maxLength: 100,
    description:
      "Carrier or service name (UPS Ground, stamps_com, DHL, …): fills shipping_provider and tracking_carrier.",
  },
  // tracking_link, shipping_method, comments: orders.v2 orderShipment_Post (docs/bigcommerce-api.md §3).
  { name: "tracking_link", maxLength: 500, description: "Custom tracking URL (https)." },
  {
    name: "shipping_method",
    maxLength: 255,
    description: "Free text shown with the shipment, e.g. UPS Ground.",
  },
  { name: "shipment_comments", maxLength: 65535, description: "The shipment's comments." },
  { name: "sku", maxLength: 255, description: "Order line to ship, by SKU (split parcels)." },
  { name: "quantity", description: "How many of that line this parcel holds (positive integer)." },
  { name: "order_product_id", description: "Order line to ship, by its order product id." },
  { name: "order_address_id", description: "Shipping address id, for orders with several." },
  // Issue 15: correct or remove one shipment (docs/bigcommerce-api.md §12), clear fields, and the
  // values a conditional update expects (plan/conditions.ts). An undo file uses them all.
  {
    name: "update_shipment_id",
    description:
      "Correct this existing shipment (tracking_number, carrier, …) instead of creating one.",
  },
  {
    name: "delete_shipment_id",
    description: "Remove this shipment of the order; a shipment already gone is unchanged.",
  },
  {
    name: "clear_fields",
    description: "Columns to set to empty, separated by ; (an empty cell leaves a field as is).",
  },
  { name: "expect_status_id", description: "Write status_id only if the status is this one." },
  {
    name: "expect_staff_notes",
    maxLength: 65535,
    description: "Write staff_notes only if the notes are these.",
  },
  {
    name: "expect_customer_message",
    maxLength: 65535,
    description: "Write customer_message only if it is this.",
  },
  { name: "expect_billing_first_name", maxLength: 255, description: "" },
  { name: "expect_billing_last_name", maxLength: 255, description: "" },
  { name: "expect_billing_company", maxLength: 255, description: "" },
  { name: "expect_billing_street", maxLength: 255, description: "" },
  { name: "expect_billing_street2", maxLength: 255, description: "" },
  { name: "expect_billing_city", maxLength: 255, description: "" },
  { name: "expect_billing_state", maxLength: 255, description: "" },
  { name: "expect_billing_zip", maxLength: 255, description: "" },
  { name: "expect_billing_country", maxLength: 255, description: "" },
  { name: "expect_billing_email", maxLength: 255, description: "" },
  { name: "expect_billing_phone", maxLength: 255, description: "" },
  {
    name: "expect_tracking_number",
    maxLength: 50,
    description: "Correct or remove the shipment only if its tracking number is this.",
  },
  {
    name: "credentials_id",
    description: "Which store (entry of the credentials file) the row is for.",
  },
];

/** The writable billing address fields (orders.v2 billingAddress_Base), in the spec's order. */
export const BILLING_FIELDS: readonly BillingField[] = [
  "first_name",
  "last_name",
  "company",
  "street_1",
  "street_2",
  "city",
  "state",
  "zip",
  "country",
  "country_iso2",
  "phone",
  "email",
];

export const COLUMN_NAMES: readonly ColumnName[] = COLUMNS.map((column) => column.name);

const byName = new Map<string, ColumnSpec>(COLUMNS.map((column) => [column.name, column]));

/** The spec of a canonical column name, or undefined for a name we do not know. */
export function findColumn(name: string): ColumnSpec | undefined {
  return byName.get(name);
}

/** Columns appended to every results row, after the input's own columns (issue #2). */
export const RESULT_COLUMNS = [
  "line",
  "result",
  "success",
  "fields_updated",
  "order_status_id",
  "order_status",
  "shipment_id",
  "error",
  "error_code",
  "message",
] as const;
