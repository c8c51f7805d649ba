import { COLUMNS, findColumn } from "../input/columns.js";
import type {
  BillingAddress,
  BillingField,
  CheckedRow,
  CheckResult,
  ColumnName,
  Expectations,
  RowChanges,
  RowProblem,
  ShipmentPut,
  ShipmentRequest,
  SourceRow,
} from "../types.js";
import { CARRIERS, type CarrierMatch, findCarrier } from "./carriers.js";
import { findCountry } from "./countries.js";
import {
  normalizeShippingProvider,
  normalizeTrackingCarrier,
  SHIPPING_PROVIDERS,
} from "./shipping-providers.js";
import type { StatusTable } from "./statuses.js";
import { compactTracking } from "./tracking.js";

/**
 * Checks one row's values before anything is sent (issues #2 and #5): a pure step SourceRow → CheckResult.
 * Every problem of the row is reported (one per column, plus cross-column ones), never thrown.
 * It runs on every row of million-row files in `validate`, so the happy path allocates only the result.
 */

export interface CheckContext {
  readonly statuses: StatusTable;
  /** Offline `validate`: the store's own status labels are unknown, so an unresolvable name is reported as a problem whose message says custom labels are only checked in a real run. */
  readonly offline?: boolean;
  /** Credentials ids known from a credentials file; undefined when no file is used (then any credentials_id value is a problem). */
  readonly credentialsIds?: ReadonlySet<string>;
  /**
   * The columns the file has (InputInfo.columns). A row has no cell of another column, so the
   * checks of a group no column of which is in the file are skipped: validate's hot path.
   */
  readonly columns?: ReadonlySet<string>;
}

/** Which groups of columns a file has, worked out once per file. */
interface ColumnGroups {
  readonly billing: boolean;
  readonly expect: boolean;
}
const groupsOf = new WeakMap<ReadonlySet<string>, ColumnGroups>();
function columnGroups(columns: ReadonlySet<string> | undefined): ColumnGroups {
  if (columns === undefined) return { billing: true, expect: true };
  let groups = groupsOf.get(columns);
  if (groups === undefined) {
    const names = [...columns];
    groups = {
      billing: names.some((name) => name.startsWith("billing_") || name === "clear_fields"),
      expect: names.some((name) => name.startsWith("expect_")),
    };
    groupsOf.set(columns, groups);
  }
  return groups;
}

/** Stable codes of the problems checkRow reports (E_FIELD_COUNT comes from the reader). */
export type RowProblemCode =
  | "E_REQUIRED"
  | "E_NOT_INTEGER"
  | "E_OUT_OF_RANGE"
  | "E_UNKNOWN_STATUS"
  | "E_AMBIGUOUS_STATUS"
  | "E_STATUS_MISMATCH"
  | "E_TOO_LONG"
  | "E_EMAIL"
  | "E_COUNTRY"
  | "E_PROVIDER"
  | "E_CARRIER"
  | "E_TRACKING_LINK"
  | "E_TRACKING_SCIENTIFIC"
  | "E_TRACKING_CHARS"
  | "E_NEEDS_TRACKING"
  | "E_REPLACEMENT_CHAR"
  | "E_CONTROL_CHAR"
  | "E_NOTHING_TO_DO"
  | "E_UNKNOWN_CREDENTIALS"
  | "E_SHIPMENT_COLUMNS"
  | "E_CLEAR_FIELD"
  | "E_EXPECT_WITHOUT_CHANGE";

/** Ids are int32 in BigCommerce's schemas; a larger value cannot name an order. */
const MAX_ID = 2 ** 31 - 1;
/** Values quoted in problems are cut to this many UTF-16 code units, so one bad cell cannot flood the results file. */
const SHOWN_LENGTH = 60;
/** Known credentials ids listed in a message, at most. */
const SHOWN_IDS = 5;

const maxLengthOf = (name: ColumnName): number | undefined => findColumn(name)?.maxLength;
const STAFF_NOTES_MAX = maxLengthOf("staff_notes");
const CUSTOMER_MESSAGE_MAX = maxLengthOf("customer_message");
const TRACKING_NUMBER_MAX = maxLengthOf("tracking_number");
const TRACKING_CARRIER_MAX = maxLengthOf("tracking_carrier");
const CARRIER_MAX = maxLengthOf("carrier");
const TRACKING_LINK_MAX = maxLengthOf("tracking_link");
const SHIPPING_METHOD_MAX = maxLengthOf("shipping_method");
const SHIPMENT_COMMENTS_MAX = maxLengthOf("shipment_comments");
const SKU_MAX = maxLengthOf("sku");

interface BillingColumn {
  readonly name: ColumnName;
  readonly field: BillingField;
  readonly maxLength: number | undefined;
}
const BILLING_COLUMNS: readonly BillingColumn[] = COLUMNS.flatMap((column) =>
  column.billingField === undefined
    ? []
    : [{ name: column.name, field: column.billingField, maxLength: column.maxLength }],
);
/** billing_city → expect_billing_city, made once. */
const EXPECT_NAMES: ReadonlyMap<ColumnName, string> = new Map(
  BILLING_COLUMNS.map((column) => [column.name, `expect_${column.name}`]),
);

// One test finds any suspicious character; the specific patterns below only run on a hit.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const SUSPECT = /[\u0000-\u001f\u007f-\u009f\ufffd]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL_ANY = /[\u0000-\u001f\u007f-\u009f]/;
/** Free text (staff_notes, customer_message) may hold tabs and line breaks. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

const INTEGER = /^-?\d+$/;
const LEADING_ZEROS = /^0+/;
/** One @, no spaces, a dot inside the domain: enough to catch a wrong column, not a full RFC 5322 check. */
const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;
/**
 * What Excel shows for a long number it stored as a float, e.g. `9.40011E+21` or, in comma-decimal locales,
 * `9,40011E+21`: the digits are already lost. The "+" is never in a valid tracking number, so this cannot
 * misread a real one.
 */
const SCIENTIFIC = /^\d(?:[.,]\d+)?[eE]\+\d+$/;
/** What is left of a tracking number once its spaces and dashes are taken out (compactTracking). */
const TRACKING_CHARS = /^[A-Za-z0-9._/]+$/;
/** An order id as some exports print it: "#12345" (Matrixify's Name, ShipStation's order number). */
const ORDER_NUMBER_SIGN = /^#(?=\d)/;

const PROVIDER_LIST = `${SHIPPING_PROVIDERS.filter((provider) => provider !== "").join(", ")} or carrier_<id>`;

/** Marks a cell whose characters already produced a problem. */
const BAD = null;

/** Columns that name a shipment's items or address: a correction cannot change them (§12). */
const ITEM_COLUMNS: ReadonlySet<ColumnName> = new Set<ColumnName>([
  "sku",
  "quantity",
  "order_product_id",
  "order_address_id",
]);
/** Every column that creates or corrects a shipment (none goes with delete_shipment_id). */
const SHIPMENT_COLUMNS: readonly ColumnName[] = [
  "update_shipment_id",
  "tracking_number",
  "shipping_provider",
  "tracking_carrier",
  "carrier",
  "tracking_link",
  "shipping_method",
  "shipment_comments",
  "sku",
  "quantity",
  "order_product_id",
  "order_address_id",
];
/** clear_fields of a shipment correction: column → orderShipment_Put field (§12). */
const CLEARABLE_SHIPMENT: ReadonlyMap<ColumnName, keyof ShipmentPut> = new Map<
  ColumnName,
  keyof ShipmentPut
>([
  ["shipping_provider", "shipping_provider"],
  ["tracking_carrier", "tracking_carrier"],
  ["tracking_link", "tracking_link"],
  ["shipping_method", "shipping_method"],
  ["shipment_comments", "comments"],
]);
/** clear_fields of the order: free text and the billing fields (a country cannot be empty). */
const CLEARABLE_ORDER: ReadonlySet<string> = new Set<string>([
  "staff_notes",
  "customer_message",
  ...COLUMNS.flatMap((column) =>
    column.billingField !== undefined && column.name !== "billing_country" ? [column.name] : [],
  ),
]);

/** Checks one row's values; never throws for bad data. */
export function checkRow(source: SourceRow, context: CheckContext): CheckResult {
  if (source.structureProblem !== undefined) {
    return { ok: false, source, problems: [source.structureProblem] };
  }
  const values = source.values;
  const problems: RowProblem[] = [];
  const changes: { -readonly [K in keyof RowChanges]: RowChanges[K] } = {};

  // ---- order_id: required, positive integer.
  const orderText = readCell(values, "order_id", problems);
  let orderId: number | undefined;
  if (orderText === undefined) {
    problems.push(
      problem(
        "E_REQUIRED",
        "order_id",
        undefined,
        "is required (expected the id of the order to update, a positive integer)",
      ),
    );
  } else if (orderText !== BAD) {
    orderId = parseId("order_id", orderText.replace(ORDER_NUMBER_SIGN, ""), problems, orderText);
  }

  // ---- status_id: an id or a name of the store's statuses (docs/bigcommerce-api.md §2).
  const statusText = readCell(values, "status_id", problems);
  if (typeof statusText === "string") {
    const match = context.statuses.match(statusText);
    if (match.kind === "found") {
      changes.statusId = match.status.id;
    } else if (match.kind === "ambiguous") {
      const names = match.candidates
        .map((status) => `${status.id} ${JSON.stringify(context.statuses.nameOf(status.id))}`)
        .join(", ");
      problems.push(
        problem(
          "E_AMBIGUOUS_STATUS",
          "status_id",
          statusText,
          `names several order statuses of this store (${names}); use the numeric id instead`,
        ),
      );
    } else if (match.kind === "mismatch") {
      const named =
        match.named === undefined
          ? "the name is not a status of this store"
          : `the name is status ${match.named.id}`;
      problems.push(
        problem(
          "E_STATUS_MISMATCH",
          "status_id",
          statusText,
          `gives status ${match.status.id} (${JSON.stringify(context.statuses.nameOf(match.status.id))}) but ${named}; use the id or the name alone`,
        ),
      );
    } else if (context.offline === true && !match.numeric) {
      problems.push(
        problem(
          "E_UNKNOWN_STATUS",
          "status_id",
          statusText,
          `is not a standard BigCommerce order status${didYouMeanStatus(context.statuses, statusText)} (expected ${context.statuses.describe()}); a store's custom status labels are only checked in a real run`,
        ),
      );
    } else {
      problems.push(
        problem(
          "E_UNKNOWN_STATUS",
          "status_id",
          statusText,
          `is not an order status of this store${didYouMeanStatus(context.statuses, statusText)} (expected ${context.statuses.describe()}; \`bc-order-batch statuses\` lists them)`,
        ),
      );
    }
  }

  // ---- Free text: kept exactly as written.
  const staffNotes = readText(values, "staff_notes", STAFF_NOTES_MAX, problems);
  if (typeof staffNotes === "string") changes.staffNotes = staffNotes;
  const customerMessage = readText(values, "customer_message", CUSTOMER_MESSAGE_MAX, problems);
  if (typeof customerMessage === "string") changes.customerMessage = customerMessage;

  // ---- billing_*: merged into the order's current billing address by the planner (docs/bigcommerce-api.md §1).
  let billing: Partial<BillingAddress> | undefined;
  let billingColumns: ColumnName[] | undefined;
  const groups = columnGroups(context.columns);
  for (const column of groups.billing ? BILLING_COLUMNS : []) {
    const text = readCell(values, column.name, problems);
    if (typeof text !== "string" || !withinLength(column.name, text, column.maxLength, problems)) {
      continue;
    }
    if (column.field === "country") {
      const country = findCountry(text);
      if (country === undefined) {
        problems.push(
          problem(
            "E_COUNTRY",
            column.name,
            text,
            'is not a country (expected an English country name such as "Spain" or an ISO 3166-1 alpha-2 code such as "ES")',
          ),
        );
        continue;
      }
      billing ??= {};
      billing.country = country.name;
      billing.country_iso2 = country.iso2;
    } else {
      if (column.field === "email" && !EMAIL.test(text)) {
        problems.push(
          problem(
            "E_EMAIL",
            column.name,
            text,
            "is not an email address (expected one @, no spaces and a domain with a dot, e.g. jane@example.com)",
          ),
        );
        continue;
      }
      billing ??= {};
      billing[column.field] = text;
    }
    billingColumns ??= [];
    billingColumns.push(column.name);
  }
  if (billing !== undefined && billingColumns !== undefined) {
    changes.billing = billing;
    changes.billingColumns = billingColumns;
  }

  // ---- Shipment (docs/bigcommerce-api.md §3): tracking_number creates it; the other columns qualify it.
  const trackingText = readCell(values, "tracking_number", problems);
  const trackingGiven = trackingText !== undefined;
  let trackingNumber: string | undefined;
  if (typeof trackingText === "string") {
    // Sent as carriers print it minus the layout: "1Z 999 AA1 01 2345 6784" → "1Z999AA10123456784".
    const compact = compactTracking(trackingText);
    if (SCIENTIFIC.test(trackingText)) {
      problems.push(
        problem(
          "E_TRACKING_SCIENTIFIC",
          "tracking_number",
          trackingText,
          "is a number in scientific notation, as Excel shows long numbers, so its digits are lost; format the column as Text in the spreadsheet, enter the tracking numbers again and save the CSV",
        ),
      );
    } else if (!TRACKING_CHARS.test(compact)) {
      problems.push(
        problem(
          "E_TRACKING_CHARS",
          "tracking_number",
          trackingText,
          "has characters a tracking number cannot have (expected letters, digits, spaces, -, ., / and _ only)",
        ),
      );
    } else if (withinLength("tracking_number", compact, TRACKING_NUMBER_MAX, problems)) {
      trackingNumber = compact;
    }
  }
  // update_shipment_id: the shipment columns correct that shipment instead of creating one (§12).
  const updateText = readCell(values, "update_shipment_id", problems);
  const correcting = updateText !== undefined;
  const updateShipmentId =
    typeof updateText === "string"
      ? parseId("update_shipment_id", updateText, problems)
      : undefined;
  const shipmentColumn = (column: ColumnName, text: string | undefined | typeof BAD): void => {
    if (text === undefined) return;
    if (correcting && ITEM_COLUMNS.has(column)) {
      problems.push(
        problem(
          "E_SHIPMENT_COLUMNS",
          column,
          text ?? undefined,
          "cannot change with update_shipment_id: a shipment's items and address cannot be written (docs/bigcommerce-api.md §12); delete the shipment (delete_shipment_id) and create it again",
        ),
      );
    } else if (!trackingGiven && !correcting) needsTracking(column, text, problems);
  };

  // tracking_link first: an unknown carrier is fine when the row gives its own link.
  const linkText = readCell(values, "tracking_link", problems);
  let trackingLink: string | undefined;
  if (
    typeof linkText === "string" &&
    withinLength("tracking_link", linkText, TRACKING_LINK_MAX, problems)
  ) {
    if (isHttpsUrl(linkText)) trackingLink = linkText;
    else {
      problems.push(
        problem(
          "E_TRACKING_LINK",
          "tracking_link",
          linkText,
          "is not a web address (expected the carrier's tracking page as an https:// URL, e.g. https://www.ups.com/track?tracknum=1Z999AA10123456784)",
        ),
      );
    }
  }
  shipmentColumn("tracking_link", linkText);
  const linkGiven = linkText !== undefined;

  // carrier: one value for both shipping_provider and tracking_carrier (carriers.ts).
  let carrierPick: CarrierPick | undefined;
  const carrierColumnText = readCell(values, "carrier", problems);
  if (
    typeof carrierColumnText === "string" &&
    withinLength("carrier", carrierColumnText, CARRIER_MAX, problems)
  ) {
    const pick = pickCarrier(carrierColumnText);
    // Not a carrier we know, but the row gives its tracking page: sent without a carrier.
    if (linkGiven) carrierPick = pick ?? { provider: "", slug: undefined };
    else if (pick !== undefined && pick.slug !== undefined) carrierPick = pick;
    else {
      const carrierPick = pick;
      problems.push(
        problem(
          "E_CARRIER",
          "carrier",
          carrierColumnText,
          carrierPick === undefined
            ? `is not a carrier bc-order-batch knows (expected one of ${KNOWN_CARRIERS}, a BigCommerce shipping_provider, an AfterShip courier slug such as "poste-italiane", or a tracking_link column with the tracking page, without which the customer email has no tracking link)`
            : `has no tracking page bc-order-batch knows (expected a tracking_link column with the tracking page, without which the customer email has no tracking link)`,
        ),
      );
    }
  }
  shipmentColumn("carrier", carrierColumnText);

  let shippingProvider: string | undefined;
  let providerPick: CarrierPick | undefined;
  const providerText = readCell(values, "shipping_provider", problems);
  if (typeof providerText === "string") {
    const provider = normalizeShippingProvider(providerText);
    if (provider !== undefined) shippingProvider = provider;
    else {
      // A carrier or service name (DHL, "UPS Ground", stamps_com): mapped like the carrier column.
      const match = findCarrier(providerText);
      if (match === undefined) {
        problems.push(
          problem(
            "E_PROVIDER",
            "shipping_provider",
            providerText,
            `is not a shipping provider BigCommerce accepts (expected one of ${PROVIDER_LIST}, or a carrier name such as ${KNOWN_CARRIERS}; put other carriers in tracking_carrier)`,
          ),
        );
      } else {
        providerPick = pickOf(match);
        shippingProvider = match.carrier.provider;
      }
    }
  }
  shipmentColumn("shipping_provider", providerText);

  let trackingCarrier: string | undefined;
  let trackingCarrierService: string | undefined;
  const carrierText = readCell(values, "tracking_carrier", problems);
  if (
    typeof carrierText === "string" &&
    withinLength("tracking_carrier", carrierText, TRACKING_CARRIER_MAX, problems)
  ) {
    const match = findCarrier(carrierText);
    const carrier = match?.carrier.slug ?? normalizeTrackingCarrier(carrierText);
    if (carrier === undefined) {
      problems.push(
        problem(
          "E_CARRIER",
          "tracking_carrier",
          carrierText,
          'is not a tracking carrier (expected an AfterShip courier slug such as "ups", "dhl" or "royal-mail": letters, digits and -, or a carrier name such as "DHL Express")',
        ),
      );
    } else {
      trackingCarrier = carrier;
      trackingCarrierService = match?.service;
    }
  }
  shipmentColumn("tracking_carrier", carrierText);

  const methodText = readCell(values, "shipping_method", problems);
  let shippingMethod: string | undefined;
  if (
    typeof methodText === "string" &&
    withinLength("shipping_method", methodText, SHIPPING_METHOD_MAX, problems)
  ) {
    shippingMethod = methodText;
  }
  shipmentColumn("shipping_method", methodText);

  const comments = readText(values, "shipment_comments", SHIPMENT_COMMENTS_MAX, problems);
  shipmentColumn("shipment_comments", comments);

  // sku, quantity, order_product_id: the line a row ships (split parcels are grouped by the planner).
  const skuText = readCell(values, "sku", problems);
  let sku: string | undefined;
  if (typeof skuText === "string" && withinLength("sku", skuText, SKU_MAX, problems)) sku = skuText;
  shipmentColumn("sku", skuText);
  const quantityText = readCell(values, "quantity", problems);
  let quantity: number | undefined;
  if (typeof quantityText === "string") quantity = parseId("quantity", quantityText, problems);
  shipmentColumn("quantity", quantityText);
  const productText = readCell(values, "order_product_id", problems);
  let orderProductId: number | undefined;
  if (typeof productText === "string") {
    orderProductId = parseId("order_product_id", productText, problems);
  }
  shipmentColumn("order_product_id", productText);

  let orderAddressId: number | undefined;
  const addressText = readCell(values, "order_address_id", problems);
  if (typeof addressText === "string") {
    orderAddressId = parseId("order_address_id", addressText, problems);
  }
  shipmentColumn("order_address_id", addressText);

  const cleared = readClearFields(values, correcting, problems);
  if (correcting && updateShipmentId !== undefined) {
    const fields: { -readonly [K in keyof ShipmentPut]: ShipmentPut[K] } = {};
    if (trackingNumber !== undefined) fields.tracking_number = trackingNumber;
    if (providerText !== undefined || carrierColumnText !== undefined) {
      const provider = shippingProvider ?? carrierPick?.provider;
      if (provider !== undefined) fields.shipping_provider = provider;
    }
    if (carrierText !== undefined || carrierColumnText !== undefined || providerPick) {
      const slug = trackingCarrier ?? carrierPick?.slug ?? providerPick?.slug;
      if (slug !== undefined) fields.tracking_carrier = slug;
    }
    if (trackingLink !== undefined) fields.tracking_link = trackingLink;
    const method = shippingMethod ?? carrierPick?.service ?? providerPick?.service;
    if (method !== undefined) fields.shipping_method = method;
    if (typeof comments === "string") fields.comments = comments;
    for (const column of cleared) {
      const field = CLEARABLE_SHIPMENT.get(column);
      if (field !== undefined) fields[field] = "";
    }
    changes.shipmentUpdate = { shipmentId: updateShipmentId, fields };
  }
  for (const column of cleared) {
    if (column === "staff_notes") changes.staffNotes = "";
    else if (column === "customer_message") changes.customerMessage = "";
    else {
      const field = BILLING_COLUMNS.find((billingColumn) => billingColumn.name === column)?.field;
      if (field === undefined) continue;
      billing ??= {};
      billing[field] = "";
      billingColumns ??= [];
      billingColumns.push(column);
      changes.billing = billing;
      changes.billingColumns = billingColumns;
    }
  }

  // delete_shipment_id: remove one shipment (§12); it cannot go with a shipment to create or correct.
  const deleteText = readCell(values, "delete_shipment_id", problems);
  if (typeof deleteText === "string") {
    const id = parseId("delete_shipment_id", deleteText, problems);
    const other = SHIPMENT_COLUMNS.find((column) => (values[column] ?? "").trim() !== "");
    if (other !== undefined) {
      problems.push(
        problem(
          "E_SHIPMENT_COLUMNS",
          other,
          undefined,
          "cannot go with delete_shipment_id: a row either removes a shipment or creates or corrects one (expected this cell empty, or two rows)",
        ),
      );
    } else if (id !== undefined) changes.deleteShipmentId = id;
  }

  const expectations = groups.expect ? readExpectations(values, context, problems) : undefined;
  if (expectations !== undefined) {
    const guarded: Record<string, boolean> = {
      expect_status_id: changes.statusId !== undefined,
      expect_staff_notes: changes.staffNotes !== undefined,
      expect_customer_message: changes.customerMessage !== undefined,
      expect_tracking_number:
        changes.deleteShipmentId !== undefined || changes.shipmentUpdate !== undefined,
    };
    for (const column of BILLING_COLUMNS) {
      guarded[`expect_${column.name}`] = billingColumns?.includes(column.name) ?? false;
    }
    for (const column of expectations.columns) {
      if (guarded[column]) continue;
      const target = column.slice("expect_".length);
      problems.push(
        problem(
          "E_EXPECT_WITHOUT_CHANGE",
          column,
          undefined,
          `guards ${target === "tracking_number" ? "update_shipment_id or delete_shipment_id" : target}, and the row does not change it (expected ${target === "tracking_number" ? "one of them" : target} too, or this cell empty)`,
        ),
      );
    }
    changes.expect = expectations.expect;
  }

  if (trackingNumber !== undefined && !correcting) {
    // Explicit shipping_provider / tracking_carrier columns win over the carrier column; a service
    // name fills shipping_method when that column is empty.
    const method =
      shippingMethod ?? carrierPick?.service ?? providerPick?.service ?? trackingCarrierService;
    const item =
      sku === undefined && quantity === undefined && orderProductId === undefined
        ? undefined
        : {
            ...(sku !== undefined ? { sku } : {}),
            ...(orderProductId !== undefined ? { orderProductId } : {}),
            ...(quantity !== undefined ? { quantity } : {}),
          };
    const shipment: ShipmentRequest = {
      trackingNumber,
      shippingProvider: shippingProvider ?? carrierPick?.provider ?? "",
      trackingCarrier: trackingCarrier ?? carrierPick?.slug ?? providerPick?.slug ?? "",
      ...(orderAddressId !== undefined ? { orderAddressId } : {}),
      ...(trackingLink !== undefined ? { trackingLink } : {}),
      ...(method !== undefined ? { shippingMethod: method } : {}),
      ...(typeof comments === "string" ? { comments } : {}),
      ...(item !== undefined ? { item } : {}),
    };
    changes.shipment = shipment;
  }

  // ---- credentials_id: must name an entry of the credentials file.
  const credentialsText = readCell(values, "credentials_id", problems);
  let credentialsId: string | undefined;
  if (typeof credentialsText === "string") {
    const known = context.credentialsIds;
    if (known === undefined) {
      problems.push(
        problem(
          "E_UNKNOWN_CREDENTIALS",
          "credentials_id",
          credentialsText,
          "needs a credentials file, and none is used (expected the column empty, or a run with a credentials file)",
        ),
      );
    } else if (!known.has(credentialsText)) {
      const ids = [...known].slice(0, SHOWN_IDS).map((id) => JSON.stringify(id));
      const more = known.size > SHOWN_IDS ? ", …" : "";
      problems.push(
        problem(
          "E_UNKNOWN_CREDENTIALS",
          "credentials_id",
          credentialsText,
          `is not an entry of the credentials file (expected one of ${ids.join(", ")}${more})`,
        ),
      );
    } else {
      credentialsId = credentialsText;
    }
  }

  if (problems.length > 0 || orderId === undefined) {
    return { ok: false, source, problems };
  }
  if (
    changes.statusId === undefined &&
    changes.staffNotes === undefined &&
    changes.customerMessage === undefined &&
    changes.billing === undefined &&
    changes.shipment === undefined &&
    changes.deleteShipmentId === undefined &&
    changes.shipmentUpdate === undefined
  ) {
    return {
      ok: false,
      source,
      problems: [
        {
          code: "E_NOTHING_TO_DO",
          message:
            "the row changes nothing: every column except order_id (and credentials_id) is empty",
        },
      ],
    };
  }
  const row: CheckedRow =
    credentialsId === undefined
      ? { index: source.index, line: source.line, orderId, changes }
      : { index: source.index, line: source.line, orderId, credentialsId, changes };
  return { ok: true, source, row };
}

/**
 * The trimmed value of a cell; undefined when absent or blank (leave unchanged), BAD when it holds a
 * replacement or control character (the problem is recorded).
 */
function readCell(
  values: SourceRow["values"],
  column: ColumnName,
  problems: RowProblem[],
): string | undefined | typeof BAD {
  const raw = values[column];
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (text === "") return undefined;
  return checkCharacters(column, text, CONTROL_ANY, problems) ? text : BAD;
}

/** Free text: kept as written (not trimmed), tabs and line breaks allowed; blank means unchanged. */
function readText(
  values: SourceRow["values"],
  column: ColumnName,
  maxLength: number | undefined,
  problems: RowProblem[],
): string | undefined | typeof BAD {
  const raw = values[column];
  if (raw === undefined || raw.trim() === "") return undefined;
  if (!checkCharacters(column, raw, CONTROL_IN_TEXT, problems)) return BAD;
  return withinLength(column, raw, maxLength, problems) ? raw : BAD;
}

/** False (and a problem recorded) when `text` holds U+FFFD or a control character `control` forbids. */
function checkCharacters(
  column: ColumnName,
  text: string,
  control: RegExp,
  problems: RowProblem[],
): boolean {
  if (!SUSPECT.test(text)) return true;
  if (text.includes("\ufffd")) {
    // U+FFFD is what a decoder leaves for bytes it could not read: the real text is gone (issue #5).
    problems.push(
      problem(
        "E_REPLACEMENT_CHAR",
        column,
        text,
        "contains U+FFFD (�), so the file was not read in its real encoding and the value is damaged; save the file as UTF-8 and run again",
      ),
    );
    return false;
  }
  const found = control.exec(text);
  if (found === null) return true;
  const codePoint = (found[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
  problems.push(
    problem(
      "E_CONTROL_CHAR",
      column,
      text,
      `contains the control character U+${codePoint}, which cannot be sent (expected printable text)`,
    ),
  );
  return false;
}

/** False (and E_TOO_LONG recorded) when `text` is longer than `maxLength` UTF-16 code units. */
function withinLength(
  column: ColumnName,
  text: string,
  maxLength: number | undefined,
  problems: RowProblem[],
): boolean {
  if (maxLength === undefined || text.length <= maxLength) return true;
  problems.push(
    problem(
      "E_TOO_LONG",
      column,
      text,
      `is ${text.length} characters long (UTF-16 code units); BigCommerce accepts at most ${maxLength}`,
    ),
  );
  return false;
}

/** A positive int32 written in plain digits (leading zeros allowed: "012345" is 12345); undefined after a problem. */
function parseId(
  column: ColumnName,
  text: string,
  problems: RowProblem[],
  shown: string = text,
): number | undefined {
  if (!INTEGER.test(text)) {
    problems.push(
      problem(
        "E_NOT_INTEGER",
        column,
        shown,
        "is not a whole number (expected a positive integer written with digits only, e.g. 12345)",
      ),
    );
    return undefined;
  }
  const digits = text.startsWith("-") ? "" : text.replace(LEADING_ZEROS, "");
  // More than 10 digits is out of range whatever they are, and would lose precision as a Number.
  const value = digits.length > 10 ? Number.POSITIVE_INFINITY : Number(digits);
  if (value < 1 || value > MAX_ID) {
    problems.push(
      problem(
        "E_OUT_OF_RANGE",
        column,
        shown,
        `is out of range (expected a whole number from 1 to ${MAX_ID})`,
      ),
    );
    return undefined;
  }
  return value;
}

/** What a carrier or service name gives the shipment. */
interface CarrierPick {
  readonly provider: string;
  /** AfterShip slug; "" when BigCommerce's provider gives the link; undefined when none is known. */
  readonly slug: string | undefined;
  readonly service?: string;
}

function pickOf(match: CarrierMatch): CarrierPick {
  const slug = match.carrier.slug ?? undefined;
  return match.service === undefined
    ? { provider: match.carrier.provider, slug }
    : { provider: match.carrier.provider, slug, service: match.service };
}

/**
 * The carrier column's value: a name of carriers.ts ("UPS Ground", "stamps_com", "DHL"), else a
 * BigCommerce shipping_provider value (its own tracking link), else a value written as an
 * AfterShip slug ("poste-italiane"), else undefined.
 */
function pickCarrier(text: string): CarrierPick | undefined {
  const match = findCarrier(text);
  if (match !== undefined) return pickOf(match);
  const provider = normalizeShippingProvider(text);
  if (provider !== undefined && provider !== "") return { provider, slug: "" };
  const slug = text.trim().toLowerCase();
  return AFTERSHIP_SLUG.test(slug) ? { provider: "", slug } : undefined;
}

/** An AfterShip courier slug as written: lower-case letters, digits and "-", no spaces. */
const AFTERSHIP_SLUG = /^[a-z0-9][a-z0-9-]{1,99}$/;

const KNOWN_CARRIERS = CARRIERS.slice(0, 6)
  .map((carrier) => carrier.name)
  .join(", ")
  .concat(", …");

/** A tracking page: https, a host, no spaces. */
function isHttpsUrl(text: string): boolean {
  if (/\s/.test(text)) return false;
  try {
    const url = new URL(text);
    return url.protocol === "https:" && url.hostname !== "";
  } catch {
    return false;
  }
}

/** ` (did you mean "Completed"?)` for a status name close to one of the store's, else "". */
function didYouMeanStatus(statuses: StatusTable, text: string): string {
  const status = statuses.suggest(text);
  if (status === undefined) return "";
  return ` (did you mean ${JSON.stringify(statuses.nameOf(status.id))}, id ${status.id}?)`;
}

/** Shipment columns without tracking_number would be silently ignored; say so instead. */
function needsTracking(
  column: ColumnName,
  text: string | typeof BAD,
  problems: RowProblem[],
): void {
  problems.push(
    problem(
      "E_NEEDS_TRACKING",
      column,
      text ?? undefined,
      "only applies to a shipment, and the row has no tracking_number (expected tracking_number too, or this column empty)",
    ),
  );
}

/** A problem whose message quotes the (shortened) value: `column: "value" expectation`. */
function problem(
  code: RowProblemCode,
  column: ColumnName,
  value: string | undefined,
  expectation: string,
): RowProblem {
  if (value === undefined) return { code, column, message: `${column}: ${expectation}` };
  const shown = shorten(value);
  return {
    code,
    column,
    value: shown,
    message: `${column}: ${JSON.stringify(shown)} ${expectation}`,
  };
}

/** `value` cut to SHOWN_LENGTH code units with "…", never splitting a surrogate pair. */
function shorten(value: string): string {
  if (value.length <= SHOWN_LENGTH) return value;
  let end = SHOWN_LENGTH - 1;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${value.slice(0, end)}…`;
}

/** clear_fields: `;`-separated column names to set to empty (an empty cell never clears). */
function readClearFields(
  values: SourceRow["values"],
  correcting: boolean,
  problems: RowProblem[],
): ColumnName[] {
  const text = readCell(values, "clear_fields", problems);
  if (typeof text !== "string") return [];
  const cleared: ColumnName[] = [];
  for (const part of text.split(";")) {
    const name = part.trim().toLowerCase();
    if (name === "") continue;
    const shipmentField = CLEARABLE_SHIPMENT.has(name as ColumnName);
    if (!CLEARABLE_ORDER.has(name) && !(shipmentField && correcting)) {
      const allowed = [...CLEARABLE_ORDER, ...CLEARABLE_SHIPMENT.keys()].join(", ");
      problems.push(
        problem(
          "E_CLEAR_FIELD",
          "clear_fields",
          part.trim(),
          shipmentField
            ? "clears a shipment field, which needs update_shipment_id (the shipment to correct)"
            : `names a column that cannot be cleared (expected column names separated by ;: ${allowed}; the shipment ones with update_shipment_id)`,
        ),
      );
      continue;
    }
    if ((values[name as ColumnName] ?? "").trim() !== "") {
      problems.push(
        problem(
          "E_CLEAR_FIELD",
          "clear_fields",
          part.trim(),
          `names ${name}, which the row also sets (expected one or the other)`,
        ),
      );
      continue;
    }
    if (!cleared.includes(name as ColumnName)) cleared.push(name as ColumnName);
  }
  return cleared;
}

/** expect_* columns: the values a conditional update expects to find (plan/conditions.ts). */
function readExpectations(
  values: SourceRow["values"],
  context: CheckContext,
  problems: RowProblem[],
): { expect: Expectations; columns: ColumnName[] } | undefined {
  const expect: { -readonly [K in keyof Expectations]: Expectations[K] } = {};
  const columns: ColumnName[] = [];
  const statusText = readCell(values, "expect_status_id", problems);
  if (typeof statusText === "string") {
    columns.push("expect_status_id");
    const match = context.statuses.match(statusText);
    if (match.kind === "found") expect.statusId = match.status.id;
    else {
      problems.push(
        problem(
          "E_UNKNOWN_STATUS",
          "expect_status_id",
          statusText,
          `is not one order status of this store (expected ${context.statuses.describe()})`,
        ),
      );
    }
  }
  const notes = readText(values, "expect_staff_notes", STAFF_NOTES_MAX, problems);
  if (notes !== undefined) columns.push("expect_staff_notes");
  if (typeof notes === "string") expect.staffNotes = notes;
  const message = readText(values, "expect_customer_message", CUSTOMER_MESSAGE_MAX, problems);
  if (message !== undefined) columns.push("expect_customer_message");
  if (typeof message === "string") expect.customerMessage = message;
  for (const column of BILLING_COLUMNS) {
    const name = EXPECT_NAMES.get(column.name) as ColumnName;
    const text = readCell(values, name, problems);
    if (text === undefined) continue;
    columns.push(name);
    if (typeof text !== "string" || !withinLength(name, text, column.maxLength, problems)) continue;
    let value = text;
    if (column.field === "country") {
      const country = findCountry(text);
      if (country === undefined) {
        problems.push(
          problem("E_COUNTRY", name, text, "is not a country (expected a name or an ISO code)"),
        );
        continue;
      }
      value = country.iso2;
    }
    expect.billing = { ...expect.billing, [column.name]: value };
  }
  const tracking = readCell(values, "expect_tracking_number", problems);
  if (tracking !== undefined) columns.push("expect_tracking_number");
  if (typeof tracking === "string") expect.trackingNumber = compactTracking(tracking);
  return columns.length > 0 ? { expect, columns } : undefined;
}
