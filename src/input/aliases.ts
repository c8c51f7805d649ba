import type { ColumnName } from "../types.js";

/**
 * Header names of common exports, read without flags (issue 13). Policy as data: the alias table
 * and the table of headers the tool has no use for; the README's alias table is checked against
 * them by a test (test/unit/header-aliases.test.ts).
 *
 * Names are compared in their normal form (headerNormalForm): case, spaces and punctuation do not
 * count, and `#`, `No`, `No.`, `Nr` and `Number` are one word, so "Order #", "Order No." and
 * "order_number" are all "order number". Every column's own name is an alias of itself.
 */

/** Words that mean the same in a header. */
const SAME_WORDS: Readonly<Record<string, string>> = {
  no: "number",
  nr: "number",
  nbr: "number",
  num: "number",
};

/**
 * The comparison form of a header name: NFKC, camelCase split ("OrderID" → "order id"), lower
 * case, `#` as "number", every run of other characters one space, SAME_WORDS folded.
 */
export function headerNormalForm(name: string): string {
  const words = name
    .normalize("NFKC")
    .replace(/\uFEFF/g, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .replace(/#/g, " number ")
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== "");
  return words.map((word) => SAME_WORDS[word] ?? word).join(" ");
}

/**
 * Other names of our columns, as exports write them. Sources: ShipStation's shipment export
 * ("Order - Number", "Shipment - Tracking Number", "Carrier - Carrier Selected", …), Hypa Shift
 * ("Order ID", "Order Address ID", "Tracking Link", "Comments", …), Matrixify ("Name",
 * "Fulfillment: Tracking Company", …) and the usual hand-made spellings.
 */
export const COLUMN_ALIASES: Readonly<Partial<Record<ColumnName, readonly string[]>>> = {
  order_id: [
    "Order ID",
    "Order Number",
    "Order #",
    "Order No",
    "Order",
    "id",
    "Order - Number",
    "Name",
  ],
  status_id: ["Status", "Status ID", "Order Status ID", "New Status"],
  staff_notes: ["Staff Note"],
  billing_street: ["Billing Street 1", "Billing Address 1"],
  billing_street2: ["Billing Street 2", "Billing Address 2"],
  billing_zip: ["Billing Zip Code", "Billing Postcode", "Billing Postal Code"],
  tracking_number: [
    "Tracking Number",
    "Tracking #",
    "Tracking",
    "Tracking Code",
    "Tracking ID",
    "Shipment - Tracking Number",
    "Fulfillment: Tracking Number",
  ],
  shipping_provider: ["Shipping Provider"],
  tracking_carrier: ["Tracking Carrier"],
  carrier: [
    "Carrier",
    "Carrier Name",
    "Shipping Carrier",
    "Courier",
    "Carrier - Carrier Selected",
    "Fulfillment: Tracking Company",
  ],
  shipping_method: ["Service", "Shipping Service", "Shipping Method", "Carrier - Service Selected"],
  tracking_link: ["Tracking Link", "Tracking URL", "Fulfillment: Tracking URL"],
  shipment_comments: ["Comments", "Shipment Comments"],
  sku: ["SKU", "Item SKU", "Product SKU", "Item - SKU"],
  quantity: ["Qty", "Quantity", "Item Qty", "Item Quantity", "Qty Shipped", "Item - Qty"],
  order_product_id: ["Order Product ID", "Order Line Item ID"],
  order_address_id: ["Order Address ID", "Shipping Address ID"],
};

/**
 * Headers a shipping export carries that this tool has no use for: read, copied to the results,
 * never sent, and named in the header notice. A typo of one of our columns is never here: it is
 * refused with a suggestion (E_HEADER_UNKNOWN).
 */
export const IGNORED_HEADERS: readonly string[] = [
  // Dates
  "Ship Date",
  "Shipped Date",
  "Date Shipped",
  "Order Date",
  "Created At",
  "Date - Shipped Date",
  "Date - Order Date",
  "Fulfillment: Processed At",
  // Costs and parcels
  "Cost",
  "Shipping Cost",
  "Label Cost",
  "Postage",
  "Insurance Cost",
  "Shipment - Cost",
  "Weight",
  "Weight Unit",
  "Shipment - Weight",
  "Dimensions",
  "Length",
  "Width",
  "Height",
  "Package",
  "Package Type",
  "Confirmation",
  // Recipient (bare "City", "Country", … are left out: they may be meant as billing_* changes)
  "Recipient",
  "Recipient Name",
  "Customer Name",
  "Ship To - Name",
  "Ship To - Company",
  "Ship To - Address 1",
  "Ship To - Address 2",
  "Ship To - City",
  "Ship To - State",
  "Ship To - Postal Code",
  "Ship To - Country",
  "Ship To - Phone",
  // Items and the export itself
  "Item - Name",
  "Item Name",
  "Product Name",
  "Store",
  "Store Name",
  "Marketplace",
  "Order Total",
  "Fulfillment: Status",
  "Fulfillment: Location",
  "Fulfillment: Shipment Status",
  "Fulfillment: Send Receipt",
];

/** Normal form → column, for every alias and every column's own name. */
export function aliasIndex(columnNames: readonly ColumnName[]): Map<string, ColumnName> {
  const index = new Map<string, ColumnName>();
  for (const name of columnNames) index.set(headerNormalForm(name), name);
  for (const [column, names] of Object.entries(COLUMN_ALIASES)) {
    for (const name of names ?? []) index.set(headerNormalForm(name), column as ColumnName);
  }
  return index;
}

export const IGNORED_FORMS: ReadonlySet<string> = new Set(IGNORED_HEADERS.map(headerNormalForm));

/**
 * The README's alias table (between `<!-- aliases:start -->` and `<!-- aliases:end -->`), made
 * from COLUMN_ALIASES and IGNORED_HEADERS; a test checks the README holds exactly this.
 */
export function aliasTableMarkdown(): string {
  const code = (name: string) => `\`${name}\``;
  const lines = ["| Column | Also read from |", "| --- | --- |"];
  for (const [column, names] of Object.entries(COLUMN_ALIASES)) {
    lines.push(`| ${code(column)} | ${(names ?? []).map(code).join(", ")} |`);
  }
  lines.push(`| (ignored) | ${IGNORED_HEADERS.map(code).join(", ")} |`);
  return lines.join("\n");
}
