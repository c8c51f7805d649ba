import type { ErrorCode } from "../codes.js";
import { editDistance } from "../edit-distance.js";
import { InputFileError, UsageError } from "../errors.js";
import type { ColumnName } from "../types.js";
import { aliasIndex, headerNormalForm, IGNORED_FORMS } from "./aliases.js";
import { COLUMN_NAMES, RESULT_COLUMNS } from "./columns.js";

/**
 * Header names that would reach object prototypes if a row were ever turned into an object keyed
 * by header (csv-parse `columns: true`, spreads); refused whatever the options say.
 */
const FORBIDDEN_NAMES: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

const RESERVED_NAMES: ReadonlySet<string> = new Set(RESULT_COLUMNS);

const canonicalByLowerName = new Map<string, ColumnName>(
  COLUMN_NAMES.map((name) => [name.toLowerCase(), name]),
);

/** Header normal form → column, for every alias (aliases.ts) and every column's own name. */
const columnByForm = aliasIndex(COLUMN_NAMES);

/**
 * Columns one source column may feed together (`--map "Carrier=shipping_provider,Carrier=tracking_carrier"`):
 * the same carrier text, or the same free text. Policy as data.
 */
export const SHAREABLE_COLUMNS: readonly (readonly ColumnName[])[] = [
  ["carrier", "shipping_provider", "tracking_carrier", "shipping_method"],
  ["staff_notes", "customer_message", "shipment_comments"],
];

/** Source header name → one canonical column, or several (see SHAREABLE_COLUMNS). */
export type ColumnMap = Readonly<Record<string, string | readonly string[]>>;

export interface HeaderOptions {
  /** Source header name → canonical column name(s); source names match trimmed and case-insensitively (then by normal form). */
  readonly columnMap?: ColumnMap | undefined;
  /** Keep unknown columns (undefined in the result) instead of refusing the file. */
  readonly allowExtraColumns?: boolean | undefined;
  /**
   * Header cells with no name at the end of the header are ignored instead of refused (Excel's
   * `order_id,status_id,,`); the reader then checks their column is empty in every row.
   */
  readonly allowTrailingEmpty?: boolean | undefined;
}

/** What resolveHeaderDetails makes of a header. */
export interface ResolvedHeader {
  /** Canonical column per header cell; undefined = not sent (extra, ignored or trailing empty). */
  readonly columns: (ColumnName | undefined)[];
  /** Further columns a cell feeds (a --map of one source to several columns). */
  readonly shared: readonly { readonly index: number; readonly column: ColumnName }[];
  /** 0-based indexes of the nameless cells at the end of the header (only with allowTrailingEmpty). */
  readonly trailingEmpty: readonly number[];
  /**
   * One line naming the headers read under another name than a column's own and the headers
   * ignored; undefined when every header is a column's own name.
   */
  readonly notice: string | undefined;
}

/** A header name as compared: trimmed (which also drops a stray U+FEFF) and lower-cased. */
function headerKey(name: string): string {
  return name
    .replace(/^\uFEFF/, "")
    .trim()
    .toLowerCase();
}

interface MapLookup {
  readonly byKey: ReadonlyMap<string, readonly string[]>;
  readonly byForm: ReadonlyMap<string, readonly string[]>;
}

function targetsOf(target: string | readonly string[]): readonly string[] {
  return typeof target === "string" ? [target] : target;
}

/** The column map keyed by `headerKey` of the source name, and by its normal form. */
function mapLookup(columnMap: HeaderOptions["columnMap"]): MapLookup {
  const byKey = new Map<string, string[]>();
  const byForm = new Map<string, string[]>();
  const add = (map: Map<string, string[]>, key: string, targets: readonly string[]) => {
    const list = map.get(key) ?? [];
    for (const target of targets) if (!list.includes(target)) list.push(target);
    map.set(key, list);
  };
  if (columnMap !== undefined) {
    for (const [source, target] of Object.entries(columnMap)) {
      add(byKey, headerKey(source), targetsOf(target));
      add(byForm, headerNormalForm(source), targetsOf(target));
    }
  }
  return { byKey, byForm };
}

/** How one header cell is read. */
type CellReading =
  | { readonly kind: "empty" }
  /** A column's own name (trimmed, any case), or a --map source. */
  | { readonly kind: "own" | "map"; readonly columns: readonly ColumnName[] }
  /** An alias of aliases.ts, or a column's name in another spelling ("Order-ID"). */
  | { readonly kind: "alias"; readonly columns: readonly ColumnName[] }
  /** A header of IGNORED_HEADERS. */
  | { readonly kind: "ignored" }
  | { readonly kind: "unknown" };

function canonical(name: string): ColumnName | undefined {
  return canonicalByLowerName.get(headerKey(name));
}

function readCell(cell: string, map: MapLookup): CellReading {
  const key = headerKey(cell);
  if (key === "") return { kind: "empty" };
  const form = headerNormalForm(cell);
  const mapped = map.byKey.get(key) ?? map.byForm.get(form);
  if (mapped !== undefined) {
    const columns = mapped.map(canonical).filter((c): c is ColumnName => c !== undefined);
    if (columns.length > 0) return { kind: "map", columns };
  }
  const own = canonicalByLowerName.get(key);
  if (own !== undefined) return { kind: "own", columns: [own] };
  const alias = columnByForm.get(form);
  if (alias !== undefined) return { kind: "alias", columns: [alias] };
  if (IGNORED_FORMS.has(form)) return { kind: "ignored" };
  return { kind: "unknown" };
}

/**
 * How well `cells` read as our header: the number of known columns (own names, aliases, --map
 * sources) and whether order_id is among them. Used to pick the delimiter (issue #5: the
 * candidate that resolves the header).
 */
export function scoreHeader(
  cells: readonly string[],
  columnMap?: HeaderOptions["columnMap"],
): { known: number; hasOrderId: boolean } {
  const map = mapLookup(columnMap);
  let known = 0;
  let hasOrderId = false;
  for (const cell of cells) {
    const reading = readCell(cell, map);
    if (reading.kind !== "own" && reading.kind !== "map" && reading.kind !== "alias") continue;
    known++;
    if (reading.columns.includes("order_id")) hasOrderId = true;
  }
  return { known, hasOrderId };
}

function quoteList(names: readonly string[]): string {
  return names.map((name) => `"${name}"`).join(", ");
}

/** Words that make an unknown header look like the order's id ("Reference", "Invoice No", "SO Number"). */
const ORDER_ID_WORDS: ReadonlySet<string> = new Set([
  "order",
  "id",
  "number",
  "ref",
  "reference",
  "invoice",
  "so",
  "po",
]);

/** A name that can go into a `--map` pair as it is (no comma, quote or "="). */
function mappable(name: string): boolean {
  return !/[,"=]/.test(name);
}

/** The unknown header most likely to hold the order id, for E_HEADER_NO_ORDER_ID's fix. */
function likelyOrderIdColumn(names: readonly string[]): string | undefined {
  return names.find((name) => {
    const words = headerNormalForm(name).split(" ");
    return mappable(name) && words.length <= 3 && words.some((word) => ORDER_ID_WORDS.has(word));
  });
}

/**
 * Canonical column per header cell (undefined for a column that is not sent). Throws
 * InputFileError with a stable code naming the column at fault. See resolveHeaderDetails.
 */
export function resolveHeader(
  cells: readonly string[],
  options: HeaderOptions,
  file: string,
  line = 1,
): (ColumnName | undefined)[] {
  return resolveHeaderDetails(cells, options, file, line).columns;
}

/**
 * Reads a header (issue 13): a column's own name (trimmed, any case), a --map source, an alias of
 * a common export (aliases.ts), a header this tool has no use for (ignored), or unknown (refused,
 * with the nearest column suggested, unless --allow-extra-columns). Throws InputFileError with a
 * stable code naming the column at fault.
 */
export function resolveHeaderDetails(
  cells: readonly string[],
  options: HeaderOptions,
  file: string,
  line = 1,
): ResolvedHeader {
  const map = mapLookup(options.columnMap);
  const fail = (code: ErrorCode, message: string, column?: string): never => {
    throw new InputFileError(
      code,
      message,
      column === undefined ? { file, line } : { file, line, column },
    );
  };
  // Nameless cells at the end (Excel's "order_id,status_id,,", SAP's trailing delimiter).
  let named = cells.length;
  if (options.allowTrailingEmpty) {
    while (named > 1 && headerKey(cells[named - 1] ?? "") === "") named--;
  }
  const readings = cells.map((cell, index) => {
    const field = index + 1;
    const name = cell.trim();
    const key = name.toLowerCase();
    if (index >= named) return { kind: "empty" } as const;
    if (headerKey(name) === "") {
      fail(
        "E_HEADER_EMPTY_NAME",
        `column ${field} of the header has no name (expected a column name in every header field; only empty columns at the end of the header are ignored)`,
        String(field),
      );
    }
    if (FORBIDDEN_NAMES.has(key)) {
      fail(
        "E_HEADER_FORBIDDEN",
        `column ${field} is named "${name}", which is not allowed (expected a column name other than __proto__, constructor or prototype)`,
        name,
      );
    }
    return readCell(cell, map);
  });

  const columns: (ColumnName | undefined)[] = cells.map(() => undefined);
  const shared: { index: number; column: ColumnName }[] = [];
  const claimedBy = new Map<ColumnName, number>();
  const readAs: { index: number; text: string }[] = [];
  const ignored: string[] = [];
  const duplicate = (index: number, earlier: number, column: ColumnName, hint: string): never =>
    fail(
      "E_HEADER_DUPLICATE",
      `column ${index + 1} "${cells[index]?.trim()}" repeats column ${earlier + 1} (both are ${column}) (expected each column once${hint})`,
      cells[index]?.trim(),
    );
  const claim = (index: number, targets: readonly ColumnName[]) => {
    targets.forEach((column, k) => {
      if (k === 0) columns[index] = column;
      else shared.push({ index, column });
      claimedBy.set(column, index);
    });
  };
  // Own names and --map sources first: they say which column is meant, so an alias of the same
  // column elsewhere is ignored rather than a duplicate ("ID" and "Name" with --map "Name=order_id").
  readings.forEach((reading, index) => {
    if (reading.kind !== "own" && reading.kind !== "map") return;
    for (const column of reading.columns) {
      const earlier = claimedBy.get(column);
      if (earlier !== undefined) duplicate(index, earlier, column, "");
    }
    claim(index, reading.columns);
    const name = cells[index]?.trim() ?? "";
    if (reading.kind === "map" || headerKey(name) !== reading.columns[0]) {
      readAs.push({ index, text: `"${name}" → ${reading.columns.join(" and ")}` });
    }
  });
  readings.forEach((reading, index) => {
    if (reading.kind !== "alias") return;
    const name = cells[index]?.trim() ?? "";
    const column = reading.columns[0] as ColumnName;
    const earlier = claimedBy.get(column);
    if (earlier !== undefined) {
      const earlierReading = readings[earlier];
      if (earlierReading?.kind === "alias") {
        const earlierName = cells[earlier]?.trim() ?? "";
        duplicate(
          index,
          earlier,
          column,
          mappable(earlierName)
            ? `; say which one with --map "${earlierName}=${column}" and the other is ignored`
            : "",
        );
      }
      ignored.push(`"${name}" (${column} is read from "${cells[earlier]?.trim()}")`);
      return;
    }
    claim(index, reading.columns);
    readAs.push({ index, text: `"${name}" → ${column}` });
  });
  // Extra columns clash by name: both go to the results file.
  const extraSeen = new Map<string, number>();
  const unknown: { name: string; field: number }[] = [];
  readings.forEach((reading, index) => {
    const name = cells[index]?.trim() ?? "";
    if (reading.kind === "ignored") ignored.push(`"${name}"`);
    if (reading.kind !== "unknown" && reading.kind !== "ignored") return;
    const key = name.toLowerCase();
    const earlier = extraSeen.get(key);
    if (earlier !== undefined) {
      fail(
        "E_HEADER_DUPLICATE",
        `column ${index + 1} "${name}" repeats column ${earlier + 1} (both are "${name}") (expected each column once)`,
        name,
      );
    }
    extraSeen.set(key, index);
    if (reading.kind === "ignored") return;
    if (!options.allowExtraColumns) unknown.push({ name, field: index + 1 });
    else if (RESERVED_NAMES.has(key)) {
      fail(
        "E_HEADER_RESERVED",
        `extra column ${index + 1} "${name}" has the name of a results column (expected a name other than ${RESULT_COLUMNS.join(", ")}; rename it in the file)`,
        name,
      );
    }
  });
  const extras = readings.flatMap((reading, index) =>
    reading.kind === "unknown" ? [cells[index]?.trim() ?? ""] : [],
  );
  const hasOrderId = claimedBy.has("order_id");
  const likely = hasOrderId ? undefined : likelyOrderIdColumn(extras);
  const [first, ...others] = unknown;
  if (first !== undefined && (hasOrderId || likely === undefined)) {
    const suggestion = suggestColumn(first.name);
    const didYouMean = suggestion === undefined ? "" : ` (did you mean "${suggestion}"?)`;
    const also =
      others.length === 0 ? "" : `; also unknown: ${quoteList(others.map((u) => u.name))}`;
    fail(
      "E_HEADER_UNKNOWN",
      `unknown column "${first.name}"${didYouMean} in column ${first.field}${also} (expected known column names; rename columns with --map "Their Name=column_name" or keep them with --allow-extra-columns)`,
      first.name,
    );
  }
  if (!hasOrderId) {
    const fix =
      likely === undefined
        ? `--map "Their Name=order_id"`
        : `--map "${likely}=order_id" ("${likely}" looks like it)`;
    fail(
      "E_HEADER_NO_ORDER_ID",
      `the header has no order_id column (expected a column named order_id, or ${fix})`,
      "order_id",
    );
  }
  const trailingEmpty = cells.flatMap((_, index) => (index >= named ? [index] : []));
  const parts: string[] = [];
  if (readAs.length > 0) {
    readAs.sort((a, b) => a.index - b.index);
    parts.push(`columns read as: ${readAs.map((read) => read.text).join(", ")}`);
  }
  if (ignored.length > 0) parts.push(`ignored (not used by bc-order-batch): ${ignored.join(", ")}`);
  if (trailingEmpty.length > 0) {
    const fields = trailingEmpty.map((index) => index + 1).join(", ");
    parts.push(
      `ignored: ${trailingEmpty.length === 1 ? "column" : "columns"} ${fields} (no name, empty in every row)`,
    );
  }
  return {
    columns,
    shared,
    trailingEmpty,
    notice: parts.length === 0 ? undefined : parts.join("; "),
  };
}

/**
 * Parse `--map` text: comma-separated `Source Name=canonical_column` pairs. A source may be
 * mapped to several columns of one SHAREABLE_COLUMNS group (then its value is an array). Throws
 * UsageError naming --map for bad syntax or a target that is not a known column.
 */
export function parseColumnMap(text: string): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  const seen = new Map<string, { source: string; targets: ColumnName[] }>();
  const bad = (message: string): never => {
    throw new UsageError(`--map: ${message}`);
  };
  const entries = text.split(",");
  for (const entry of entries) {
    if (entry.trim() === "") {
      bad(
        `empty entry in "${text}" (expected "Source Name=column_name" pairs separated by commas)`,
      );
    }
    // Split at the last "=": target names never contain one, source names might.
    const at = entry.lastIndexOf("=");
    if (at < 0) bad(`"${entry.trim()}" has no "=" (expected "Source Name=column_name")`);
    const source = entry.slice(0, at).trim();
    const target = entry.slice(at + 1).trim();
    if (source === "") bad(`"${entry.trim()}" has no source column name before "="`);
    if (target === "") bad(`"${entry.trim()}" has no column name after "="`);
    const key = source.toLowerCase();
    if (FORBIDDEN_NAMES.has(key)) bad(`"${source}" cannot be used as a column name`);
    const column = canonicalByLowerName.get(target.toLowerCase());
    if (column === undefined) {
      const suggestion = suggestColumn(target);
      const didYouMean = suggestion === undefined ? "" : ` (did you mean "${suggestion}"?)`;
      bad(
        `unknown column "${target}"${didYouMean} for "${source}" (expected one of ${COLUMN_NAMES.join(", ")})`,
      );
    }
    const canonicalColumn = column as ColumnName;
    const earlier = seen.get(key);
    if (earlier === undefined) {
      seen.set(key, { source, targets: [canonicalColumn] });
      result[source] = canonicalColumn;
      continue;
    }
    if (!earlier.targets.includes(canonicalColumn)) {
      const targets = [...earlier.targets, canonicalColumn];
      if (!SHAREABLE_COLUMNS.some((group) => targets.every((t) => group.includes(t)))) {
        bad(
          `"${source}" is mapped twice, to ${earlier.targets.join(", ")} and to ${canonicalColumn} (one column can feed several only among ${SHAREABLE_COLUMNS.map((group) => group.join("/")).join("; ")})`,
        );
      }
      earlier.targets.push(canonicalColumn);
      result[earlier.source] = [...earlier.targets];
    }
    if (source !== earlier.source) result[source] = result[earlier.source] as string | string[];
  }
  return result;
}

/** Spaces, dashes and dots as underscores, so "Tracking Number" compares with tracking_number. */
function normalizeForSuggestion(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s.-]+/g, "_");
}

/**
 * The known column nearest to `name` by edit distance (tracking_numbr → tracking_number), or one
 * that contains it (email → billing_email); undefined when nothing is close.
 */
export function suggestColumn(name: string): ColumnName | undefined {
  const wanted = normalizeForSuggestion(name);
  if (wanted === "") return undefined;
  let best: ColumnName | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  let contained: ColumnName | undefined;
  let containedDistance = Number.POSITIVE_INFINITY;
  for (const column of COLUMN_NAMES) {
    const distance = editDistance(wanted, column);
    if (distance < bestDistance) {
      best = column;
      bestDistance = distance;
    }
    const contains = wanted.length >= 3 && (column.includes(wanted) || wanted.includes(column));
    if (contains && distance < containedDistance) {
      contained = column;
      containedDistance = distance;
    }
  }
  // A quarter of the length allows a typo or two without pairing unrelated names.
  const limit = Math.max(1, Math.floor(Math.max(wanted.length, best?.length ?? 0) / 4));
  if (bestDistance <= limit) return best;
  if (contained !== undefined) return contained;
  // A typo of an alias ("Trackng Number", "Order Numbr"): the alias's column.
  const form = headerNormalForm(name);
  let aliasBest: ColumnName | undefined;
  let aliasDistance = Number.POSITIVE_INFINITY;
  for (const [aliasForm, column] of columnByForm) {
    const distance = editDistance(form, aliasForm);
    if (distance < aliasDistance) {
      aliasBest = column;
      aliasDistance = distance;
    }
  }
  const aliasLimit = Math.floor(form.length / 5);
  return aliasDistance <= aliasLimit ? aliasBest : undefined;
}
