/**
 * Issue 14: the results and failed-rows files are written in the input's dialect (delimiter and
 * line ending). csv-stringify stays the oracle for every dialect, byte for byte.
 */
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { describe, expect, it } from "vitest";
import { type CsvDelimiter, csvLine, type LineEnding } from "../../src/output/csv-line.js";

/**
 * csv-stringify with the delimiter, and the line ending swapped in at the end of the record only:
 * given `record_delimiter: "\r\n"`, csv-stringify stops quoting a lone LF or CR inside a cell,
 * which would split the record for every reader. A line break in a cell is quoted in every dialect.
 */
const oracle = (
  cells: string[],
  escapeFormulas: boolean,
  delimiter: CsvDelimiter,
  lineEnding: LineEnding,
) =>
  `${stringify([cells], { escape_formulas: escapeFormulas, eof: false, delimiter })}${lineEnding}`;

const DIALECTS: [CsvDelimiter, LineEnding][] = [
  [",", "\n"],
  [",", "\r\n"],
  [";", "\n"],
  [";", "\r\n"],
  ["\t", "\n"],
  ["\t", "\r\n"],
  ["|", "\n"],
  ["|", "\r\n"],
];

const AWKWARD = [
  "",
  "plain",
  "a,b",
  "a;b",
  "a\tb",
  "a|b",
  'say "hi"',
  "two\nlines",
  "crlf\r\n",
  "=1+2",
  "-5",
  "1,5",
];

describe("csvLine in the input's dialect", () => {
  it.each(DIALECTS)("delimiter %j, line ending %j: like csv-stringify", (delimiter, eol) => {
    for (const cell of AWKWARD) {
      for (const neutralise of [true, false]) {
        const cells = [cell, "x", cell];
        expect(csvLine(cells, neutralise, delimiter, eol)).toBe(
          oracle(cells, neutralise, delimiter, eol),
        );
      }
    }
  });

  it("matches csv-stringify on random records in every dialect", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = ["a", "1", ",", ";", "\t", "|", '"', "\n", "\r", "=", "-", " ", "é"];
    for (let n = 0; n < 2000; n++) {
      const [delimiter, eol] = DIALECTS[Math.floor(random() * DIALECTS.length)] as [
        CsvDelimiter,
        LineEnding,
      ];
      const cells = Array.from({ length: 1 + Math.floor(random() * 5) }, () =>
        Array.from(
          { length: Math.floor(random() * 5) },
          () => alphabet[Math.floor(random() * alphabet.length)],
        ).join(""),
      );
      const neutralise = random() < 0.5;
      expect(csvLine(cells, neutralise, delimiter, eol)).toBe(
        oracle(cells, neutralise, delimiter, eol),
      );
    }
  });

  it("a semicolon CRLF line reads back to the same cells, line breaks in cells included", () => {
    const cells = ["12,5", "a;b", 'q"q', "two\r\nlines", "lf\nonly", "cr\ronly", "plain"];
    const line = csvLine(cells, false, ";", "\r\n");
    expect(line.endsWith("\r\n")).toBe(true);
    expect(parse(line, { delimiter: ";", record_delimiter: "\r\n" })).toEqual([cells]);
  });

  it("keeps the comma and LF when no dialect is given", () => {
    expect(csvLine(["a;b", "c"], false)).toBe("a;b,c\n");
  });

  it("refuses a delimiter the input can never have", () => {
    expect(() => csvLine(["a"], false, ":" as CsvDelimiter)).toThrow(TypeError);
  });
});
