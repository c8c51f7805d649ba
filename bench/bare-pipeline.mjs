import { createReadStream, createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { parse } from "csv-parse";
import { stringify } from "csv-stringify";

/**
 * The yardstick of figure 4 (issue 7: validate must reach at least half its throughput): the barest
 * streaming CSV round trip, csv-parse → csv-stringify, with no checks at all.
 * Usage: node bench/bare-pipeline.mjs <input.csv> <output.csv>
 */
const [input, output] = process.argv.slice(2);
if (!input || !output) {
  process.stderr.write("usage: node bench/bare-pipeline.mjs <input.csv> <output.csv>\n");
  process.exit(2);
}
await pipeline(createReadStream(input), parse(), stringify(), createWriteStream(output));
