/**
 * Issue 14: the first pass says the input's line ending (InputInfo.lineEnding), so the results
 * and failed-rows files can be written in the input's dialect (its delimiter and line ending).
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { inspectInput } from "../../src/input/read-rows.js";
import { tempDir } from "../helpers/e2e.js";

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

async function written(name: string, content: string | Buffer): Promise<string> {
  const path = join(await tempDir("bc-dialect-"), name);
  await writeFile(path, content);
  return path;
}

describe("InputInfo.lineEnding", () => {
  it.each([
    ["crlf.csv", "\r\n"],
    ["cr-only.csv", "\r\n"],
    ["utf8-bom.csv", "\n"],
  ])("%s → %j", async (name, ending) => {
    expect((await inspectInput(fixture(name))).lineEnding).toBe(ending);
  });

  it("is the header's: a quoted line break inside the header does not count", async () => {
    const path = await written("quoted.csv", 'order_id,"staff_\r\nnotes"\n1,a\n');
    const info = await inspectInput(path, { allowExtraColumns: true });
    expect(info.lineEnding).toBe("\n");
  });

  it("a header without a line break after it (a header-only file) reads as LF", async () => {
    const path = await written("only.csv", "order_id;status_id");
    expect(await inspectInput(path)).toMatchObject({
      delimiter: ";",
      lineEnding: "\n",
      rowCount: 0,
    });
  });

  it("a semicolon CRLF export: both known", async () => {
    const path = await written("excel.csv", "order_id;status_id\r\n1;2\r\n");
    expect(await inspectInput(path)).toMatchObject({ delimiter: ";", lineEnding: "\r\n" });
  });

  it("UTF-16 (Excel's Unicode text, tab-delimited, CRLF)", async () => {
    const text = "\uFEFForder_id\tstatus_id\r\n1\t2\r\n";
    const path = await written("utf16.csv", Buffer.from(text, "utf16le"));
    expect(await inspectInput(path)).toMatchObject({ delimiter: "\t", lineEnding: "\r\n" });
  });
});
