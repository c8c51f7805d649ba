/**
 * What the sandbox store accepts and how it answers, as data tables.
 * Deliberately independent of the tool's own tables (statuses.ts, shipping-providers.ts):
 * the sandbox stands in for BigCommerce, so sharing code with the client would hide mismatches.
 */
import type { BillingField } from "./types.js";

/** The 15 system statuses (docs/bigcommerce-api.md §2; descriptions and control-panel `order` from ). */
export const SYSTEM_STATUSES: readonly {
  readonly id: number;
  readonly label: string;
  readonly description: string;
  readonly order: number;
}[] = [
  {
    id: 0,
    label: "Incomplete",
    order: 0,
    description:
      "An incomplete order happens when a shopper reached the payment page, but did not complete the transaction.",
  },
  {
    id: 1,
    label: "Pending",
    order: 1,
    description: "Customer started the checkout process, but did not complete it.",
  },
  {
    id: 2,
    label: "Shipped",
    order: 8,
    description:
      "Order has been shipped, but receipt has not been confirmed; seller has used the Ship Items action.",
  },
  {
    id: 3,
    label: "Partially Shipped",
    order: 6,
    description:
      "Only some items in the order have been shipped, due to some products being pre-order only or other reasons.",
  },
  { id: 4, label: "Refunded", order: 11, description: "Seller has used the Refund action." },
  {
    id: 5,
    label: "Cancelled",
    order: 9,
    description: "Seller has cancelled an order, due to a stock inconsistency or other reasons.",
  },
  {
    id: 6,
    label: "Declined",
    order: 10,
    description:
      "Seller has marked the order as declined for lack of manual payment, or other reasons.",
  },
  {
    id: 7,
    label: "Awaiting Payment",
    order: 2,
    description: "Customer has completed checkout process, but payment has yet to be confirmed.",
  },
  {
    id: 8,
    label: "Awaiting Pickup",
    order: 5,
    description:
      "Order has been pulled, and is awaiting customer pickup from a seller-specified location.",
  },
  {
    id: 9,
    label: "Awaiting Shipment",
    order: 4,
    description:
      "Order has been pulled and packaged, and is awaiting collection from a shipping provider.",
  },
  {
    id: 10,
    label: "Completed",
    order: 7,
    description:
      "Client has paid for their digital product and their file(s) are available for download.",
  },
  {
    id: 11,
    label: "Awaiting Fulfillment",
    order: 3,
    description: "Customer has completed the checkout process and payment has been confirmed.",
  },
  {
    id: 12,
    label: "Manual Verification Required",
    order: 13,
    description: "Order is on hold while some aspect needs to be manually confirmed.",
  },
  {
    id: 13,
    label: "Disputed",
    order: 12,
    description:
      "Customer has initiated a dispute resolution process for the PayPal transaction that paid for the order.",
  },
  {
    id: 14,
    label: "Partially Refunded",
    order: 14,
    description: "Seller has partially refunded the order.",
  },
];

export const STATUS_SHIPPED = 2;
export const STATUS_PARTIALLY_SHIPPED = 3;

/**
 * Sales-tax rate by billing country, to mimic BigCommerce recalculating totals when the billing
 * address changes (docs/bigcommerce-api.md §1 "Side effect"). Simplified: the sandbox store does not collect US
 * sales tax; countries not listed have no tax.
 */
export const TAX_RATES: Readonly<Record<string, number>> = {
  AT: 0.2,
  AU: 0.1,
  BE: 0.21,
  CA: 0.05,
  DE: 0.19,
  DK: 0.25,
  ES: 0.21,
  FR: 0.2,
  GB: 0.2,
  IE: 0.23,
  IT: 0.22,
  JP: 0.1,
  MX: 0.16,
  NL: 0.21,
  NZ: 0.15,
  PT: 0.23,
  SE: 0.25,
};

export function taxRate(countryIso2: string): number {
  return TAX_RATES[countryIso2.toUpperCase()] ?? 0;
}

/**
 * How PUT /orders/{id} treats each top-level field (docs/bigcommerce-api.md §1):
 * - apply: modelled by the sandbox;
 * - ignore: writable in order_Put but not modelled; accepted and dropped;
 * - unsupported: writable in BigCommerce but dangerous or not modelled (fees, products, money): 400;
 * - read_only: order_RespOnly and the counters/totals: 400 "cannot be written to".
 * Any other field is unknown: 400.
 */
export type PutFieldPolicy = "apply" | "ignore" | "unsupported" | "read_only";

export const ORDER_PUT_FIELDS: Readonly<Record<string, PutFieldPolicy>> = {
  status_id: "apply",
  staff_notes: "apply",
  customer_message: "apply",
  billing_address: "apply",
  channel_id: "ignore",
  customer_id: "ignore",
  customer_locale: "ignore",
  ebay_order_id: "ignore",
  external_id: "ignore",
  external_merchant_id: "ignore",
  external_order_id: "ignore",
  external_source: "ignore",
  geoip_country: "ignore",
  geoip_country_iso2: "ignore",
  ip_address: "ignore",
  ip_address_v6: "ignore",
  order_is_digital: "ignore",
  payment_method: "ignore",
  payment_provider_id: "ignore",
  tax_provider_id: "ignore",
  base_handling_cost: "unsupported",
  base_shipping_cost: "unsupported",
  base_wrapping_cost: "unsupported",
  consignments: "unsupported",
  discount_amount: "unsupported",
  fees: "unsupported",
  handling_cost_ex_tax: "unsupported",
  handling_cost_inc_tax: "unsupported",
  products: "unsupported",
  refunded_amount: "unsupported",
  shipping_addresses: "unsupported",
  shipping_cost_ex_tax: "unsupported",
  shipping_cost_inc_tax: "unsupported",
  wrapping_cost_ex_tax: "unsupported",
  wrapping_cost_inc_tax: "unsupported",
  cart_id: "read_only",
  coupon_discount: "read_only",
  coupons: "read_only",
  currency_code: "read_only",
  currency_exchange_rate: "read_only",
  currency_id: "read_only",
  custom_status: "read_only",
  date_created: "read_only",
  date_modified: "read_only",
  date_shipped: "read_only",
  default_currency_code: "read_only",
  default_currency_id: "read_only",
  gift_certificate_amount: "read_only",
  handling_cost_tax: "read_only",
  handling_cost_tax_class_id: "read_only",
  id: "read_only",
  is_deleted: "read_only",
  is_email_opt_in: "read_only",
  is_tax_inclusive_pricing: "read_only",
  items_shipped: "read_only",
  items_total: "read_only",
  order_source: "read_only",
  payment_status: "read_only",
  shipping_address_count: "read_only",
  shipping_cost_tax: "read_only",
  shipping_cost_tax_class_id: "read_only",
  status: "read_only",
  store_credit_amount: "read_only",
  store_default_currency_code: "read_only",
  store_default_to_transactional_exchange_rate: "read_only",
  subtotal_ex_tax: "read_only",
  subtotal_inc_tax: "read_only",
  subtotal_tax: "read_only",
  total_ex_tax: "read_only",
  total_inc_tax: "read_only",
  total_tax: "read_only",
  wrapping_cost_tax: "read_only",
  wrapping_cost_tax_class_id: "read_only",
};

/** billingAddress_Base string fields (V2 Orders reference), in the spec's order. */
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
/** Each billing field is at most this long. */
export const BILLING_FIELD_MAX_LENGTH = 255;
/** order_Put.staff_notes maxLength (docs/bigcommerce-api.md §1). */
export const STAFF_NOTES_MAX_LENGTH = 65535;

/** POST /orders/{id}/shipments body fields (orderShipment_Post, docs/bigcommerce-api.md §3): string fields with their maxLength. */
export const SHIPMENT_STRING_FIELDS: Readonly<Record<string, number>> = {
  tracking_number: 50,
  tracking_link: 500,
  shipping_provider: 255,
  tracking_carrier: 255,
  shipping_method: 255,
  merchant_shipping_cost: 32,
  comments: 65535,
};

/** Fields of a shipment that exist in responses only. */
export const SHIPMENT_READ_ONLY_FIELDS: ReadonlySet<string> = new Set([
  "id",
  "order_id",
  "customer_id",
  "date_created",
  "billing_address",
  "shipping_address",
  "shipping_provider_display_name",
  "generated_tracking_link",
]);

/** shipping_provider_standard enum (V2 Orders reference) with display names; `carrier_<id>` is also accepted. */
export const SHIPPING_PROVIDERS: Readonly<
  Record<string, { display: string; trackingUrl?: string }>
> = {
  "": { display: "" },
  auspost: {
    display: "Australia Post",
    trackingUrl: "https://auspost.com.au/mypost/track/#/details/",
  },
  canadapost: {
    display: "Canada Post",
    trackingUrl: "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor=",
  },
  endicia: {
    display: "Endicia",
    trackingUrl: "https://tools.usps.com/go/TrackConfirmAction?tLabels=",
  },
  usps: { display: "USPS", trackingUrl: "https://tools.usps.com/go/TrackConfirmAction?tLabels=" },
  fedex: { display: "FedEx", trackingUrl: "https://www.fedex.com/fedextrack/?trknbr=" },
  ups: { display: "UPS", trackingUrl: "https://www.ups.com/track?tracknum=" },
  upsready: { display: "UPS", trackingUrl: "https://www.ups.com/track?tracknum=" },
  upsonline: { display: "UPS", trackingUrl: "https://www.ups.com/track?tracknum=" },
  shipperhq: { display: "ShipperHQ" },
  royalmail: {
    display: "Royal Mail",
    trackingUrl: "https://www.royalmail.com/track-your-item#/tracking-results/",
  },
};

export const CUSTOM_CARRIER_PATTERN = /^carrier_\d+$/;

/** Largest `limit` on list endpoints; above it BigCommerce answers 413 (docs/bigcommerce-api.md §4). */
export const MAX_LIST_LIMIT = 250;
export const DEFAULT_LIST_LIMIT = 50;

/** Request bodies above this are refused with 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * GET /orders `sort` values the sandbox models (the `sort` parameter of GET /v2/orders: a field, then
 * `:asc` or `:desc`). BigCommerce's default is by id, lowest first (V2 Orders reference). Only `id` is
 * modelled: sorting by another field would mean building every order of a generated store.
 */
export const ORDER_SORTS: Readonly<Record<string, "asc" | "desc">> = {
  id: "asc",
  "id:asc": "asc",
  "id:desc": "desc",
};

/**
 * GET /orders filters BigCommerce documents (V2 Orders reference) that the sandbox does not model. They are
 * refused with 400 rather than ignored, so a client that relies on one is not handed every order.
 */
export const UNMODELLED_ORDER_FILTERS: readonly string[] = [
  "min_total",
  "max_total",
  "customer_id",
  "email",
  "cart_id",
  "payment_method",
  "min_date_created",
  "max_date_created",
  "min_date_modified",
  "max_date_modified",
  "channel_id",
  "external_order_id",
];

/**
 * GET /orders filters the sandbox models (docs/bigcommerce-api.md §11): integer parameters. The ids
 * bound the range (both inclusive); `status_id` keeps one status.
 */
export const ORDER_ID_FILTERS: readonly ("min_id" | "max_id" | "status_id")[] = [
  "min_id",
  "max_id",
  "status_id",
];

/**
 * `include` values of GET /orders and GET /orders/{id} (docs/bigcommerce-api.md §6); a comma list.
 * `fees` is answered with an empty `fees` array (the sandbox has no fees).
 */
export const ORDER_INCLUDES: ReadonlySet<string> = new Set([
  "consignments",
  "consignments.line_items",
  "fees",
]);

/** `consignment_structure` values: only the supported one; without it, the legacy array form (§6). */
export const CONSIGNMENT_STRUCTURES: ReadonlySet<string> = new Set(["object"]);

/**
 * A listed order brings at most this many line items per consignment, and says so in `__warning__`
 * (docs/bigcommerce-api.md §11, docs#960); GET /orders/{id} is not capped (§6: undocumented).
 */
export const LISTED_CONSIGNMENT_LINE_CAP = 50;

/** The cap's warning, worded as in docs#960 (docs/bigcommerce-api.md §11). */
export const CONSIGNMENT_CAP_WARNING =
  "Not all line items of this consignment are returned with this response, only 50 are included. Please use the `/v2/orders/{order_id}/products` endpoint to fetch all line items.";

/**
 * With the `consignment_id_mismatch` fault, a shipping consignment's id is its address id plus this:
 * an id no line's `order_address_id` carries (docs/bigcommerce-api.md §6: consignment 99 beside address 64).
 */
export const MISMATCHED_CONSIGNMENT_ID_OFFSET = 900_000_000;
