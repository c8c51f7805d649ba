// Safety review, input integrity at the reader: the snapshot both passes read (item 1), UTF-8
// files with a bad byte (item 4), and inputs that can be read only once (item 11b).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputFileError } from "../../src/errors.js";
import { LenientUtf8, type Utf8Problem, walkUtf8 } from "../../src/input/decode.js";
import {
  type InputInfo,
  type InputSnapshot,
  inspectInput,
  type ReadOptions,
  readRows,
  snapshotInput,
} from "../../src/input/read-rows.js";
import type { SourceRow } from "../../src/types.js";

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "input-integrity-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function collect(info: InputInfo): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  for await (const row of readRows(info)) rows.push(row);
  return rows;
}

async function readAll(
  file: string,
  data: Buffer | string,
  options: ReadOptions = {},
): Promise<{ info: InputInfo; rows: SourceRow[] }> {
  const path = join(tmp, file);
  await writeFile(path, data);
  const info = await inspectInput(path, options);
  const rows = await collect(info);
  expect(rows).toHaveLength(info.rowCount);
  return { info, rows };
}

const bytes = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(
    parts.map((part) => (typeof part === "string" ? Buffer.from(part) : Buffer.from(part))),
  );

describe("a UTF-8 file with bytes that are not UTF-8", () => {
  it("after valid UTF-8 text: only the bad row is invalid, with its line, column and byte offset", async () => {
    const data = bytes(
      "order_id,staff_notes,billing_city\n1,a,Zürich\n2,b",
      [0xff],
      "c,Bern\n3,d,Genève\n",
    );
    const { info, rows } = await readAll("after.csv", data);
    expect(info).toMatchObject({ encoding: "utf-8", encodingSource: "detected" });
    expect(rows.map((row) => [row.line, row.structureProblem?.code])).toEqual([
      [2, undefined],
      [3, "E_INVALID_UTF8"],
      [4, undefined],
    ]);
    expect(rows[0]?.values.billing_city).toBe("Zürich");
    expect(rows[2]?.values.billing_city).toBe("Genève");
    expect(rows[1]?.structureProblem?.column).toBe("staff_notes");
    const message = rows[1]?.structureProblem?.message ?? "";
    expect(message).toContain("line 3");
    expect(message).toContain("column 2");
    expect(message).toContain(`byte offset ${data.indexOf(0xff)}`);
    expect(info.warnings).toHaveLength(1);
  });

  it("before any valid UTF-8 text: still UTF-8 once a valid multi-byte sequence follows", async () => {
    const data = bytes("order_id,staff_notes\n1,", [0xe9], "\n2,ok\n3,Zürich\n");
    const { info, rows } = await readAll("before.csv", data);
    expect(info).toMatchObject({ encoding: "utf-8", encodingSource: "detected" });
    expect(rows.map((row) => row.structureProblem?.code)).toEqual([
      "E_INVALID_UTF8",
      undefined,
      undefined,
    ]);
    expect(rows[2]?.values.staff_notes).toBe("Zürich");
  });

  it("a bad byte in the header of a file that holds UTF-8 text rejects the file", async () => {
    const path = join(tmp, "bad-header.csv");
    // "Nº pedido" in Windows-1252 (0xBA), mapped; the rows are UTF-8.
    await writeFile(path, bytes("N", [0xba], " pedido,staff_notes\n1,Zürich\n"));
    const error = await inspectInput(path, { columnMap: { "Nº pedido": "order_id" } }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(InputFileError);
    expect(error).toMatchObject({ code: "E_ENCODING", line: 1 });
  });

  it("with no valid multi-byte sequence at all the file is still Windows-1252", async () => {
    const data = bytes("order_id,staff_notes\n1,Jos", [0xe9], "\n2,5", [0x80], "\n");
    const { info, rows } = await readAll("cp1252.csv", data);
    expect(info).toMatchObject({ encoding: "windows-1252", encodingSource: "fallback" });
    expect(rows.map((row) => row.values.staff_notes)).toEqual(["José", "5€"]);
    expect(rows.every((row) => row.structureProblem === undefined)).toBe(true);
  });

  it("--encoding utf-8 still refuses the file at the first bad byte", async () => {
    const path = join(tmp, "forced.csv");
    await writeFile(path, bytes("order_id,staff_notes\n1,Zürich\n2,", [0xff], "\n"));
    const error = await inspectInput(path, { encoding: "utf-8" }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: "E_ENCODING", line: 3 });
  });

  it("--encoding windows-1252 reads every byte as Windows-1252", async () => {
    const data = bytes("order_id,staff_notes\n1,Z", [0xc3, 0xbc], "rich\n2,", [0xff], "\n");
    const { info, rows } = await readAll("forced-1252.csv", data, { encoding: "windows-1252" });
    expect(info).toMatchObject({ encoding: "windows-1252", encodingSource: "forced" });
    expect(rows.map((row) => row.values.staff_notes)).toEqual(["ZÃ¼rich", "ÿ"]);
  });

  it("the bad rows are found whatever the read chunks (a bad byte at every position of a large file)", async () => {
    const lines = ["order_id,staff_notes"];
    for (let i = 1; i <= 40_000; i++) lines.push(`${i},Zürich ${"y".repeat(i % 40)}`);
    const text = Buffer.from(`${lines.join("\n")}\n`);
    // Bad bytes around the 1 MiB read boundaries, and a multi-byte character split by one.
    const bad = [100_000, 1024 * 1024 - 1, 1024 * 1024, 1024 * 1024 + 1, text.length - 5];
    const data = Buffer.from(text);
    const badLines = new Set<number>();
    for (const at of bad) {
      let k = at;
      while (data[k] === 0x0a || data[k] === 0x2c || (data[k] ?? 0) >= 0x80) k++;
      data[k] = 0xff;
      badLines.add(1 + (data.subarray(0, k).toString("latin1").match(/\n/g)?.length ?? 0));
    }
    const { rows } = await readAll("large.csv", data);
    const invalid = rows.filter((row) => row.structureProblem?.code === "E_INVALID_UTF8");
    expect(invalid.map((row) => row.line)).toEqual([...badLines].sort((a, b) => a - b));
  });

  it("walkUtf8 and LenientUtf8 report the same sequences however the bytes are split", () => {
    const data = bytes(
      "a",
      [0xc3, 0xbc],
      "b",
      [0xff],
      [0xe2, 0x82],
      "c",
      [0xf0, 0x9f, 0x93, 0xa6],
      [0xed, 0xa0, 0x80],
    );
    const whole: number[] = [];
    expect(walkUtf8(data, (at) => whole.push(at))).toBe(1);
    expect(whole).toEqual([4, 5, 12, 13, 14]);
    for (let split = 0; split <= data.length; split++) {
      const lenient = new LenientUtf8();
      const problems: Utf8Problem[] = [];
      const out = Buffer.concat([
        lenient.write(data.subarray(0, split), problems),
        lenient.write(data.subarray(split), problems),
        lenient.end(problems),
      ]);
      expect(out, `split at ${split}`).toEqual(data);
      expect(
        problems.map((problem) => problem.offset),
        `split at ${split}`,
      ).toEqual(whole);
      expect(lenient.firstMultibyte).toBe(1);
    }
  });
});

describe("the snapshot", () => {
  it("is a private copy both passes read: rows come from it even after the original is rewritten", async () => {
    const original = join(tmp, "original.csv");
    await writeFile(original, "order_id,staff_notes\n1,old\n2,old\n");
    const snapshot = await snapshotInput(original);
    try {
      expect((await stat(snapshot.path)).mode & 0o777).toBe(0o600);
      const info = await inspectInput(snapshot);
      expect(info.file).toBe(original);
      await writeFile(original, "order_id,staff_notes\n1,new\n2,ne");
      const error = await snapshot.check();
      expect(error).toMatchObject({ code: "E_FILE_CHANGED", file: original });
      const rows = await collect(info);
      expect(rows.map((row) => row.values.staff_notes)).toEqual(["old", "old"]);
    } finally {
      await snapshot.close();
    }
    expect(existsSync(snapshot.path)).toBe(false);
  });

  it("watch reports a change once, without a timer", async () => {
    const original = join(tmp, "watched.csv");
    await writeFile(original, "order_id\n1\n");
    const snapshot: InputSnapshot = await snapshotInput(original);
    try {
      expect(await snapshot.check()).toBeUndefined();
      const seen: InputFileError[] = [];
      const changed = new Promise<void>((resolve) => {
        snapshot.watch((error) => {
          seen.push(error);
          resolve();
        });
      });
      await writeFile(original, "order_id\n1\n2\n");
      await changed;
      expect(seen.map((error) => error.code)).toEqual(["E_FILE_CHANGED"]);
    } finally {
      await snapshot.close();
    }
  });

  it("copies a FIFO once; inspectInput refuses to read one directly", async () => {
    const fifo = join(tmp, "pipe.csv");
    execFileSync("mkfifo", [fifo]);
    const direct = await inspectInput(fifo).catch((caught: unknown) => caught);
    expect(direct).toMatchObject({ code: "E_FILE_NOT_REGULAR" });
    const writing = writeFile(fifo, "order_id,status_id\n1,2\n3,4\n");
    const snapshot = await snapshotInput(fifo);
    try {
      await writing;
      expect(snapshot.watchable).toBe(false);
      const info = await inspectInput(snapshot);
      expect((await collect(info)).map((row) => row.values.order_id)).toEqual(["1", "3"]);
      expect(await readFile(snapshot.path, "utf8")).toBe("order_id,status_id\n1,2\n3,4\n");
    } finally {
      await snapshot.close();
    }
  });
});
