/**
 * One CSV line, formatted the way csv-stringify formats it with `escape_formulas` (a test checks
 * byte-for-byte equality): quote a cell holding a comma, a quote or a line break, double its quotes.
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
const NEEDS_QUOTES = /[",\r\n]/;
const QUOTE = /"/g;

function formatCell(cell: string, escapeFormulas: boolean): string {
  if (cell === "") return "";
  const value = escapeFormulas && FORMULA_START.has(cell[0] as string) ? `'${cell}` : cell;
  return NEEDS_QUOTES.test(cell) ? `"${value.replace(QUOTE, '""')}"` : value;
}

/**
 * A record as one CSV line ending in "\n". `escapeFormulas` neutralises cells a spreadsheet would
 * run (results file); the failed-rows file keeps values exactly as read.
 */
export function csvLine(cells: readonly string[], escapeFormulas: boolean): string {
  let line = "";
  for (let i = 0; i < cells.length; i++) {
    if (i > 0) line += ",";
    line += formatCell(cells[i] as string, escapeFormulas);
  }
  return `${line}\n`;
}

/** The BOM `--excel` puts first, so Excel reads the file as UTF-8. */
export const UTF8_BOM = "\uFEFF";
