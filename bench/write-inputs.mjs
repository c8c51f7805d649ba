import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { writeFile } from "node:fs/promises";

/**
 * Input files of the benchmarks, all generated (bench/tmp/, deleted afterwards). Every row is valid
 * unless said otherwise, so the figures measure the work a real file causes.
 */

/** Row kinds of figure 3: the columns they set and the value of row `n` for order `id`. */
export const ROW_KINDS = {
  // Completed: no generated order has it, so every row changes its order (issue 12 skips equal values).
  status: { header: ["order_id", "status_id"], row: (id) => [id, "10"] },
  notes: { header: ["order_id", "staff_notes"], row: (id, n) => [id, `bench note ${n}`] },
  billing: { header: ["order_id", "billing_city"], row: (id) => [id, "Springfield"] },
  shipment: {
    header: ["order_id", "tracking_number", "shipping_provider"],
    row: (id) => [id, `1ZBENCH${id}`, "ups"],
  },
  shipment_and_status: {
    header: ["order_id", "tracking_number", "shipping_provider", "status_id"],
    row: (id) => [id, `1ZBENCH${id}`, "ups", "10"],
  },
  /** The status the shipment sets itself (Shipped, when it ships everything left). */
  shipment_and_shipped: {
    header: ["order_id", "tracking_number", "shipping_provider", "status_id"],
    row: (id) => [id, `1ZBENCH${id}`, "ups", "2"],
  },
};

const MIX_HEADER = [
  "order_id",
  "status_id",
  "staff_notes",
  "billing_city",
  "tracking_number",
  "shipping_provider",
];

/**
 * A realistic nightly file (figure 3 mix): of every 10 rows, 6 shipment + Shipped, 2 status,
 * 1 note, 1 billing change, one row per order.
 */
export async function writeMixFile(path, orderIds) {
  const lines = [MIX_HEADER.join(",")];
  orderIds.forEach((id, n) => {
    const slot = n % 10;
    if (slot < 6) lines.push(`${id},2,,,1ZMIX${id},ups`);
    else if (slot < 8) lines.push(`${id},10,,,,`);
    else if (slot === 8) lines.push(`${id},,mix note ${n},,,`);
    else lines.push(`${id},,,Springfield,,`);
  });
  await writeFile(path, `${lines.join("\n")}\n`);
}

/** A small CSV file of `kind` rows, one per order id (values need no quoting). */
export async function writeKindFile(path, kind, orderIds) {
  const spec = ROW_KINDS[kind];
  if (!spec) throw new TypeError(`writeKindFile: unknown kind ${kind}`);
  const lines = [spec.header.join(","), ...orderIds.map((id, n) => spec.row(id, n).join(","))];
  await writeFile(path, `${lines.join("\n")}\n`);
}

/** Status-only rows (one PUT each) for figures 1, 2 and 5. */
export function writeStatusFile(path, orderIds) {
  return writeKindFile(path, "status", orderIds);
}

const VALIDATE_HEADER =
  "order_id,status_id,staff_notes,tracking_number,shipping_provider,tracking_carrier";

/**
 * Row `i` of the offline file: a mix of tracking uploads, status changes and notes (some quoted with
 * embedded commas and quotes), and one invalid row per thousand (unknown status) so the failed-rows
 * file is exercised too.
 */
function validateRow(i) {
  const id = 100000 + i;
  if (i % 1000 === 999) return `${id},Bogus status,,,,`;
  switch (i % 5) {
    case 0:
      return `${id},Shipped,,1Z999AA1${String(i).padStart(10, "0")},ups,ups`;
    case 1:
      return `${id},11,"Re-shipped, ticket ${i} (""urgent"")",,,`;
    case 2:
      return `${id},,,9400${String(i).padStart(18, "0")},usps,`;
    case 3:
      return `${id},Awaiting Fulfillment,,,,`;
    default:
      return `${id},,plain note ${i},,,`;
  }
}

/** The offline benchmark file: `rows` data rows, written in chunks with back-pressure. */
export async function writeValidateFile(path, rows) {
  const out = createWriteStream(path);
  out.write(`${VALIDATE_HEADER}\n`);
  const chunk = 10_000;
  for (let start = 0; start < rows; start += chunk) {
    const lines = [];
    for (let i = start; i < Math.min(rows, start + chunk); i += 1) lines.push(validateRow(i));
    if (!out.write(`${lines.join("\n")}\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}
