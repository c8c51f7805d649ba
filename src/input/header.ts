import { InputFileError, UsageError } from "../errors.js";
import type { ColumnName } from "../types.js";
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

export interface HeaderOptions {
  /** Source header name → canonical column name; source names match trimmed and case-insensitively. */
  readonly columnMap?: Readonly<Record<string, string>> | undefined;
  /** Keep unknown columns (undefined in the result) instead of refusing the file. */
  readonly allowExtraColumns?: boolean | undefined;
}

/** A header name as compared: trimmed (which also drops a stray U+FEFF) and lower-cased. */
function headerKey(name: string): string {
  return name.trim().toLowerCase();
}

/** The column map keyed by `headerKey` of the source name. */
function mapByKey(columnMap: HeaderOptions["columnMap"]): Map<string, string> {
  const byKey = new Map<string, string>();
  if (columnMap === undefined) return byKey;
  for (const [source, target] of Object.entries(columnMap)) byKey.set(headerKey(source), target);
  return byKey;
}

/** The canonical column a header cell stands for after the column map, if any. */
function canonicalFor(cell: string, map: ReadonlyMap<string, string>): ColumnName | undefined {
  const key = headerKey(cell);
  const target = map.get(key);
  return canonicalByLowerName.get(target === undefined ? key : headerKey(target));
}

/**
 * How well `cells` read as our header: the number of known columns and whether order_id is
 * among them. Used to pick the delimiter (issue #5: the candidate that resolves the header).
 */
export function scoreHeader(
  cells: readonly string[],
  columnMap?: HeaderOptions["columnMap"],
): { known: number; hasOrderId: boolean } {
  const map = mapByKey(columnMap);
  let known = 0;
  let hasOrderId = false;
  for (const cell of cells) {
    const column = canonicalFor(cell, map);
    if (column !== undefined) known++;
    if (column === "order_id") hasOrderId = true;
  }
  return { known, hasOrderId };
}

function quoteList(names: readonly string[]): string {
  return names.map((name) => `"${name}"`).join(", ");
}

/**
 * Canonical column per header cell (undefined for an extra column kept by `allowExtraColumns`).
 * Throws InputFileError with a stable code naming the column at fault.
 */
export function resolveHeader(
  cells: readonly string[],
  options: HeaderOptions,
  file: string,
  line = 1,
): (ColumnName | undefined)[] {
  const map = mapByKey(options.columnMap);
  const fail = (code: string, message: string, column?: string): never => {
    throw new InputFileError(
      code,
      message,
      column === undefined ? { file, line } : { file, line, column },
    );
  };
  const columns: (ColumnName | undefined)[] = [];
  const firstField = new Map<string, number>();
  const unknown: { name: string; field: number }[] = [];
  cells.forEach((cell, index) => {
    const field = index + 1;
    const name = cell.trim();
    const key = name.toLowerCase();
    if (name === "") {
      fail(
        "E_HEADER_EMPTY_NAME",
        `column ${field} of the header has no name (expected a column name in every header field)`,
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
    const column = canonicalFor(name, map);
    // Duplicates are judged after mapping: "Tracking" mapped to tracking_number clashes with a
    // tracking_number column; two extra columns clash by name (both go to the results file).
    const identity = column ?? key;
    const earlier = firstField.get(identity);
    if (earlier !== undefined) {
      fail(
        "E_HEADER_DUPLICATE",
        `column ${field} "${name}" repeats column ${earlier} (both are ${column ?? `"${name}"`}) (expected each column once)`,
        name,
      );
    }
    firstField.set(identity, field);
    if (column === undefined) {
      if (!options.allowExtraColumns) unknown.push({ name, field });
      else if (RESERVED_NAMES.has(key)) {
        fail(
          "E_HEADER_RESERVED",
          `extra column ${field} "${name}" has the name of a results column (expected a name other than ${RESULT_COLUMNS.join(", ")}; rename it in the file)`,
          name,
        );
      }
    }
    columns.push(column);
  });
  const [first, ...others] = unknown;
  if (first !== undefined) {
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
  if (!columns.includes("order_id")) {
    fail(
      "E_HEADER_NO_ORDER_ID",
      `the header has no order_id column (expected a column named order_id, or --map "Their Name=order_id")`,
      "order_id",
    );
  }
  return columns;
}

/**
 * Parse `--map` text: comma-separated `Source Name=canonical_column` pairs. Throws UsageError
 * naming --map for bad syntax or a target that is not a known column.
 */
export function parseColumnMap(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const seen = new Map<string, string>();
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
    const canonical = canonicalByLowerName.get(target.toLowerCase());
    if (canonical === undefined) {
      const suggestion = suggestColumn(target);
      const didYouMean = suggestion === undefined ? "" : ` (did you mean "${suggestion}"?)`;
      bad(
        `unknown column "${target}"${didYouMean} for "${source}" (expected one of ${COLUMN_NAMES.join(", ")})`,
      );
    }
    const earlier = seen.get(key);
    if (earlier !== undefined && earlier !== canonical) {
      bad(`"${source}" is mapped twice, to ${earlier} and to ${canonical}`);
    }
    seen.set(key, canonical as ColumnName);
    result[source] = canonical as ColumnName;
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

/** Levenshtein distance; names are short and this only runs on the error path. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
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
  return contained;
}
