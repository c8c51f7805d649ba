import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { describe, expect, it } from "vitest";
import { csvLine } from "../../src/output/csv-line.js";

/** csv-stringify is the oracle: our hand-written formatter must produce the very same bytes. */
const oracle = (cells: string[], escapeFormulas: boolean) =>
  stringify([cells], { escape_formulas: escapeFormulas, eof: true });

const AWKWARD = [
  "",
  "plain",
  "a,b",
  'say "hi"',
  "two\nlines",
  "cr\ronly",
  "crlf\r\n",
  '=HYPERLINK("http://x")',
  "+1",
  "-5",
  "@sum",
  "\tlead tab",
  "\rlead cr",
  "\uFF1Dfull-width",
  "'already",
  " spaced ",
  "Peña Müller",
  "emoji 🚚",
  ",",
  '"',
];

describe("csvLine", () => {
  it.each(AWKWARD.map((cell) => [cell]))("formats %j like csv-stringify", (cell) => {
    for (const neutralise of [true, false]) {
      expect(csvLine([cell, "x"], neutralise)).toBe(oracle([cell, "x"], neutralise));
    }
  });

  it("matches csv-stringify on random records", () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = ["a", "1", ",", '"', "\n", "\r", "=", "+", "-", "@", "\t", " ", "é", "\uFF20"];
    for (let n = 0; n < 2000; n++) {
      const cells = Array.from({ length: 1 + Math.floor(random() * 6) }, () =>
        Array.from(
          { length: Math.floor(random() * 5) },
          () => alphabet[Math.floor(random() * alphabet.length)],
        ).join(""),
      );
      const neutralise = random() < 0.5;
      expect(csvLine(cells, neutralise)).toBe(oracle(cells, neutralise));
    }
  });

  it("round-trips through a strict parser to the same cells (without formula escaping)", () => {
    const cells = AWKWARD.filter((cell) => cell !== "");
    expect(parse(csvLine(cells, false), { relax_column_count: false })).toEqual([cells]);
  });
});
