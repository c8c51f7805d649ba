import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { createInterface } from "node:readline";
import { COLUMNS } from "../input/columns.js";
import type { InputInfo } from "../input/read-rows.js";
import type { BillingField, ColumnName, RowOutcome, ShipmentPut, UndoSource } from "../types.js";
import { csvLine, UTF8_BOM } from "./csv-line.js";

/**
 * The undo file of a run (issue 15): `orders.results.undo.csv` beside `orders.results.csv`, an input file for this tool that puts
 * back what the run changed. One undo row per row that wrote something: the values read before
 * its writes, guarded by the values it wrote (`expect_…`, plan/conditions.ts), so that applying
 * the undo file never overwrites a change made by someone else since.
 *
 * Order: the undo rows come in the **reverse order of application** (the last row applied first).
 * A run that changed an order in several rows (status 1 → 2, then 2 → 3) is undone step by step
 * (3 → 2 expecting 3, then 2 → 1 expecting 2), each step guarded by what its row wrote.
 *
 * Streaming: as rows complete, their undo rows are appended to a journal (`orders.results.undo.journal`,
 * one JSON array per line, no line breaks inside), nothing held in memory. At the end of the run the
 * journal is read backwards, in chunks, into the undo file (written whole: a temporary file renamed
 * over it). A `--resume` run appends to the journal of the run it carries on, so its undo file
 * covers both runs; a fresh run starts a new journal.
 */

/** The undo file's columns, in order; the file has only those some row uses. */
export const UNDO_COLUMNS: readonly ColumnName[] = [
  "order_id",
  "credentials_id",
  "status_id",
  "staff_notes",
  "customer_message",
  ...COLUMNS.flatMap((column) => (column.billingField ? [column.name] : [])),
  "clear_fields",
  "delete_shipment_id",
  "update_shipment_id",
  "tracking_number",
  "shipping_provider",
  "tracking_carrier",
  "tracking_link",
  "shipping_method",
  "shipment_comments",
  "order_product_id",
  "quantity",
  "order_address_id",
  "expect_status_id",
  "expect_staff_notes",
  "expect_customer_message",
  ...COLUMNS.flatMap((column) => (column.billingField ? [`expect_${column.name}`] : [])),
  "expect_tracking_number",
] as ColumnName[];

/** One undo row: cells by column, what it restores (for the report) and what it cannot. */
export interface UndoRow {
  /** Every cell but the values put back (order_id, ids, expect_…). */
  readonly values: Readonly<Partial<Record<ColumnName, string>>>;
  /** The values put back, by column; "" = cleared (clear_fields). */
  readonly targets: Readonly<Partial<Record<ColumnName, string>>>;
  /** The fields it puts back (status_id, staff_notes, billing_city, shipment_created, …). */
  readonly restores: readonly string[];
  /** Fields the run changed whose earlier value was not read (`--reads per-order`). */
  readonly unknown: readonly string[];
}

const billingFieldOf = new Map<string, BillingField>(
  COLUMNS.flatMap((column) => (column.billingField ? [[column.name, column.billingField]] : [])),
);

const text = (value: unknown): string =>
  value === undefined || value === null ? "" : String(value);

/** orderShipment_Put field → input column (plan-row.ts SHIPMENT_PUT_COLUMNS). */
const SHIPMENT_COLUMN: Readonly<Record<keyof ShipmentPut, ColumnName>> = {
  tracking_number: "tracking_number",
  shipping_provider: "shipping_provider",
  tracking_carrier: "tracking_carrier",
  tracking_link: "tracking_link",
  shipping_method: "shipping_method",
  comments: "shipment_comments",
};

/**
 * The undo rows of one outcome, in the order they are to be applied (a shipment removal's undo
 * can take one row per line). Pure. The final status is the outcome's (read back after a shipment).
 */
export function undoRowsOf(outcome: RowOutcome): UndoRow[] {
  const source: UndoSource | undefined = outcome.undo;
  if (source === undefined || outcome.orderId === undefined) return [];
  const values: Partial<Record<ColumnName, string>> = { order_id: String(outcome.orderId) };
  if (source.credentialsId !== undefined) values.credentials_id = source.credentialsId;
  const targets: Partial<Record<ColumnName, string>> = {};
  const restores: string[] = [];
  const unknown: string[] = [];
  const { before, put, putFields } = source;

  // Status: what the row's PUT or its shipment changed it to (docs/bigcommerce-api.md §10).
  const statusTouched = putFields.includes("status_id") || source.created !== undefined;
  const finalStatus = outcome.orderStatusId ?? put.status_id;
  if (statusTouched) {
    if (before === undefined) unknown.push("status_id");
    else if (finalStatus !== undefined && finalStatus !== before.status_id) {
      targets.status_id = String(before.status_id);
      values.expect_status_id = String(finalStatus);
      restores.push("status_id");
    }
  }
  for (const column of ["staff_notes", "customer_message"] as const) {
    if (!putFields.includes(column)) continue;
    if (before === undefined) {
      unknown.push(column);
      continue;
    }
    targets[column] = text(before[column]);
    // An empty value cannot be expected (an empty cell means "no condition").
    const written = text(put[column]);
    if (written !== "") values[`expect_${column}`] = written;
    restores.push(column);
  }
  for (const column of putFields) {
    const field = billingFieldOf.get(column);
    if (field === undefined) continue;
    if (before === undefined || put.billing_address === undefined) {
      unknown.push(column);
      continue;
    }
    const name = column as ColumnName;
    const expectName = `expect_${column}` as ColumnName;
    if (field === "country") {
      const previous =
        text(before.billing_address.country_iso2) || text(before.billing_address.country);
      // A country cannot be cleared: an order without one is left as is.
      if (previous === "") {
        unknown.push(column);
        continue;
      }
      targets[name] = previous;
      values[expectName] = put.billing_address.country_iso2;
    } else {
      targets[name] = text(before.billing_address[field]);
      const written = text(put.billing_address[field]);
      if (written !== "") values[expectName] = written;
    }
    restores.push(column);
  }

  const rows: UndoRow[] = [];
  if (source.created) {
    // Removing the shipment gives its quantities back; the status is put back by the same row.
    values.delete_shipment_id = String(source.created.id);
    values.expect_tracking_number = source.created.tracking_number;
    restores.push("shipment_created");
  }
  if (source.updated) {
    const { before: shipment, body } = source.updated;
    values.update_shipment_id = String(shipment.id);
    for (const [field, column] of Object.entries(SHIPMENT_COLUMN) as [
      keyof ShipmentPut,
      ColumnName,
    ][]) {
      if (body[field] === undefined) continue;
      targets[column] = text(shipment[field]);
      restores.push(column);
    }
    values.expect_tracking_number = body.tracking_number ?? shipment.tracking_number;
  }
  if (source.deleted) {
    // A removed shipment comes back as a new one (a new id) with the same lines: one row per line,
    // the same tracking number (rows of one tracking number make one shipment, issue 13).
    const shipment = source.deleted;
    const items = shipment.items ?? [];
    const common: Partial<Record<ColumnName, string>> = {
      order_id: values.order_id as string,
      ...(values.credentials_id !== undefined ? { credentials_id: values.credentials_id } : {}),
      tracking_number: shipment.tracking_number,
      order_address_id: String(shipment.order_address_id),
      ...(shipment.shipping_provider ? { shipping_provider: shipment.shipping_provider } : {}),
      ...(shipment.tracking_carrier ? { tracking_carrier: shipment.tracking_carrier } : {}),
    };
    const lines = items.length === 0 ? [undefined] : items;
    lines.forEach((item, index) => {
      rows.push({
        values: {
          ...common,
          ...(item
            ? { order_product_id: String(item.order_product_id), quantity: String(item.quantity) }
            : {}),
        },
        targets: {},
        restores: index === 0 ? ["shipment_deleted"] : [],
        unknown: [],
      });
    });
    // The shipment is created again before the order's fields are put back.
    if (restores.length > 0 || unknown.length > 0) {
      rows.push({ values, targets, restores, unknown });
    }
    return rows;
  }
  if (restores.length === 0 && unknown.length === 0) return [];
  return [{ values, targets, restores, unknown }];
}

/** What the undo file holds, for the summary and the report. */
export interface UndoResult {
  readonly file: string;
  readonly rows: number;
  /** Values restored, by field (report-data.ts UndoSummary). */
  readonly byField: Readonly<Record<string, number>>;
  /** Fields changed whose earlier value was not read (per-order reads), by field. */
  readonly unknownByField: Readonly<Record<string, number>>;
}

const baseOf = (resultsPath: string): string =>
  resultsPath.toLowerCase().endsWith(".csv") ? resultsPath.slice(0, -4) : resultsPath;
/** `orders.results.csv` → `orders.results.undo.csv`, like the failed-rows file's name. */
export const undoPathOf = (resultsPath: string): string => `${baseOf(resultsPath)}.undo.csv`;
export const undoJournalPathOf = (resultsPath: string): string =>
  `${baseOf(resultsPath)}.undo.journal`;

/** Bytes read at a time when the journal is read backwards. */
const CHUNK = 64 * 1024;

/** The lines of a file from the last to the first, in chunks (bounded memory). */
async function* linesBackward(path: string): AsyncGenerator<string> {
  const handle = await open(path, "r");
  try {
    let position = (await handle.stat()).size;
    let tail = Buffer.alloc(0);
    while (position > 0) {
      const size = Math.min(CHUNK, position);
      position -= size;
      const chunk = Buffer.alloc(size);
      await handle.read(chunk, 0, size, position);
      let buffer = tail.length > 0 ? Buffer.concat([chunk, tail]) : chunk;
      for (let at = buffer.lastIndexOf(10); at >= 0; at = buffer.lastIndexOf(10)) {
        const line = buffer.subarray(at + 1);
        buffer = buffer.subarray(0, at);
        if (line.length > 0) yield line.toString("utf8");
      }
      tail = Buffer.from(buffer);
    }
    if (tail.length > 0) yield tail.toString("utf8");
  } finally {
    await handle.close();
  }
}

type JournalEntry = UndoRow;

/** The order a journal entry is for (the store too). */
const orderKeyOf = (entry: JournalEntry): string =>
  `${entry.values.credentials_id ?? ""}\u0000${entry.values.order_id ?? ""}`;
/** A field of an order, or of one of its shipments (a correction's fields). */
const fieldKeyOf = (entry: JournalEntry, column: ColumnName): string =>
  SHIPMENT_COLUMNS.has(column) ? `${column}@${entry.values.update_shipment_id ?? ""}` : column;
const SHIPMENT_COLUMNS: ReadonlySet<ColumnName> = new Set(Object.values(SHIPMENT_COLUMN));

/**
 * The cells of an entry. `originals`: for an order the run changed in several rows, each field's
 * value before the run's first change of it; every undo row of the order puts that value back
 * (guarded by what its own row wrote), so a second run of the undo file finds every field as it
 * wants it and writes nothing.
 */
export function undoCells(
  entry: JournalEntry,
  header: readonly ColumnName[],
  originals?: ReadonlyMap<string, string>,
): string[] {
  const targets: Partial<Record<ColumnName, string>> = {};
  for (const [name, value] of Object.entries(entry.targets)) {
    const column = name as ColumnName;
    targets[column] = originals?.get(fieldKeyOf(entry, column)) ?? (value as string);
  }
  const clear = Object.entries(targets)
    .filter(([, value]) => value === "")
    .map(([column]) => column);
  const cells: Partial<Record<ColumnName, string>> = { ...entry.values, ...targets };
  if (clear.length > 0) cells.clear_fields = clear.join(";");
  return header.map((column) => cells[column] ?? "");
}

function parseEntry(line: string): JournalEntry | undefined {
  try {
    const entry = JSON.parse(line) as JournalEntry;
    return typeof entry === "object" &&
      entry !== null &&
      typeof entry.values === "object" &&
      typeof entry.targets === "object"
      ? entry
      : undefined;
  } catch {
    return undefined; // The last line of a journal whose run was killed mid-write.
  }
}

/** The undo file of one run: journal while rows complete, the file at the end. */
export class UndoFile {
  readonly path: string;
  readonly #journalPath: string;
  readonly #journal: WriteStream;
  readonly #info: InputInfo;
  readonly #excel: boolean;
  #error: Error | undefined;

  private constructor(resultsPath: string, journal: WriteStream, info: InputInfo, excel: boolean) {
    this.path = undoPathOf(resultsPath);
    this.#journalPath = undoJournalPathOf(resultsPath);
    this.#journal = journal;
    this.#info = info;
    this.#excel = excel;
    journal.on("error", (error) => {
      this.#error ??= error;
    });
  }

  /** A fresh run starts a new journal; --resume appends to the one of the run it carries on. */
  static async open(
    resultsPath: string,
    info: InputInfo,
    options: { readonly resume: boolean; readonly excel: boolean },
  ): Promise<UndoFile> {
    const path = undoJournalPathOf(resultsPath);
    const journal = createWriteStream(path, { flags: options.resume ? "a" : "w" });
    await new Promise<void>((resolve, reject) => {
      journal.once("open", () => resolve());
      journal.once("error", reject);
    });
    return new UndoFile(resultsPath, journal, info, options.excel);
  }

  /** A row's result: its undo rows go to the journal now. */
  add(outcome: RowOutcome): void {
    if (this.#error) return;
    // Reversed here, as the whole journal is reversed at the end: the rows of one result keep
    // their order (a shipment created again before the status is put back).
    for (const row of undoRowsOf(outcome).reverse()) {
      this.#journal.write(`${JSON.stringify(row)}\n`);
    }
  }

  /** Ends the journal (after an early end too: a --resume run goes on from it). */
  async close(): Promise<void> {
    if (this.#journal.closed) return;
    await new Promise<void>((resolve) => this.#journal.end(resolve));
  }

  async *#entries(): AsyncGenerator<JournalEntry> {
    const lines = createInterface({ input: createReadStream(this.#journalPath), crlfDelay: 1 });
    for await (const line of lines) {
      const entry = parseEntry(line);
      if (entry) yield entry;
    }
  }

  /** Writes the undo file from the journal, last row applied first. */
  async finish(): Promise<UndoResult> {
    await this.close();
    if (this.#error) throw this.#error;
    // Pass 1: which columns are used, and the counts.
    const used = new Set<ColumnName>();
    const byField: Record<string, number> = {};
    const unknownByField: Record<string, number> = {};
    let rows = 0;
    /** Entries per order: the orders changed in several rows need their original values. */
    const perOrder = new Map<string, number>();
    for await (const entry of this.#entries()) {
      rows += 1;
      const key = orderKeyOf(entry);
      perOrder.set(key, (perOrder.get(key) ?? 0) + 1);
      for (const column of Object.keys(entry.values)) used.add(column as ColumnName);
      for (const [column, value] of Object.entries(entry.targets)) {
        used.add(value === "" ? "clear_fields" : (column as ColumnName));
      }
      for (const field of entry.restores) byField[field] = (byField[field] ?? 0) + 1;
      for (const field of entry.unknown) unknownByField[field] = (unknownByField[field] ?? 0) + 1;
    }
    for (const [key, count] of perOrder) if (count < 2) perOrder.delete(key);
    // Pass 2, only for the orders changed in several rows: each field's first earlier value.
    const originals = new Map<string, Map<string, string>>();
    if (perOrder.size > 0) {
      for await (const entry of this.#entries()) {
        const key = orderKeyOf(entry);
        if (!perOrder.has(key)) continue;
        let fields = originals.get(key);
        if (!fields) {
          fields = new Map();
          originals.set(key, fields);
        }
        for (const [column, value] of Object.entries(entry.targets)) {
          const field = fieldKeyOf(entry, column as ColumnName);
          if (!fields.has(field)) fields.set(field, value as string);
          if (value !== "") used.add(column as ColumnName);
        }
      }
    }
    const header = UNDO_COLUMNS.filter((column) => column === "order_id" || used.has(column));
    // Pass 2: backwards, into a temporary file renamed over the undo file.
    const { delimiter, lineEnding } = this.#info;
    const partial = `${this.path}.partial`;
    const out = createWriteStream(partial);
    const failed = new Promise<never>((_, reject) => out.once("error", reject));
    failed.catch(() => {});
    const write = async (chunk: string) => {
      if (!out.write(chunk)) {
        await Promise.race([
          new Promise<void>((resolve) => out.once("drain", () => resolve())),
          failed,
        ]);
      }
    };
    try {
      // The values are written exactly (no formula guard): this is an input file for the tool.
      await write((this.#excel ? UTF8_BOM : "") + csvLine(header, false, delimiter, lineEnding));
      for await (const line of linesBackward(this.#journalPath)) {
        const entry = parseEntry(line);
        if (!entry) continue;
        const cells = undoCells(entry, header, originals.get(orderKeyOf(entry)));
        await write(csvLine(cells, false, delimiter, lineEnding));
      }
      await Promise.race([new Promise<void>((resolve) => out.end(resolve)), failed]);
      await rename(partial, this.path);
    } catch (error) {
      out.destroy();
      await rm(partial, { force: true });
      throw error;
    }
    return { file: this.path, rows, byField, unknownByField };
  }
}
