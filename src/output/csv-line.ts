/**
 * One CSV line, formatted the way csv-stringify formats it with `escape_formulas`, `delimiter` and
 * `record_delimiter` (a test checks byte-for-byte equality): quote a cell holding the delimiter, a
 * quote or a line break, double its quotes. The results and failed-rows files are written in the
 * input's dialect (its delimiter and line ending), so they open in the spreadsheet it came from.
 * Hand-written because the results file is the hot path of `validate` on million-row files, where
 * csv-stringify's per-cell option handling cost more than all our checks (bench/RESULTS.md, figure 4).
 */

/** First characters a spreadsheet reads as a formula (OWASP CSV injection), ASCII and full-width. */
export const FORMULA_START: ReadonlySet<string> = new Set([
  "=",
  "+",
  "-",
  "@",
  "\t",
  "\r",
  "\uFF1D",
  "\uFF0B",
  "\uFF0D",
  "\uFF20",
]);
/** The delimiters an input can have (input/read-rows.ts), and so the results too. */
export type CsvDelimiter = "," | ";" | "\t" | "|";

/** Record separators the results are written with: the input's own (InputInfo.lineEnding). */
export type LineEnding = "\n" | "\r\n";

/** Cells that must be quoted, per delimiter (policy as data; one regex per dialect, built once). */
const NEEDS_QUOTES: Readonly<Record<CsvDelimiter, RegExp>> = {
  ",": /[",\r\n]/,
  ";": /[";\r\n]/,
  "\t": /["\t\r\n]/,
  "|": /["|\r\n]/,
};
const QUOTE = /"/g;

function formatCell(cell: string, escapeFormulas: boolean, needsQuotes: RegExp): string {
  if (cell === "") return "";
  const value = escapeFormulas && FORMULA_START.has(cell[0] as string) ? `'${cell}` : cell;
  return needsQuotes.test(cell) ? `"${value.replace(QUOTE, '""')}"` : value;
}

/**
 * A record as one CSV line ending in `lineEnding`. `escapeFormulas` neutralises cells a
 * spreadsheet would run (results file); the failed-rows file keeps values exactly as read.
 * @param delimiter @default ","
 * @param lineEnding @default "\n"
 */
export function csvLine(
  cells: readonly string[],
  escapeFormulas: boolean,
  delimiter: CsvDelimiter = ",",
  lineEnding: LineEnding = "\n",
): string {
  const needsQuotes = NEEDS_QUOTES[delimiter];
  if (needsQuotes === undefined) {
    throw new TypeError(
      `csvLine: expected ",", ";", "|" or a tab as delimiter, got ${JSON.stringify(delimiter)}`,
    );
  }
  let line = "";
  for (let i = 0; i < cells.length; i++) {
    if (i > 0) line += delimiter;
    line += formatCell(cells[i] as string, escapeFormulas, needsQuotes);
  }
  return line + lineEnding;
}

/** The BOM `--excel` puts first, so Excel reads the file as UTF-8. */
export const UTF8_BOM = "\uFEFF";
