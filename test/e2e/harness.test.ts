// Self-test of the end-to-end harness (test/helpers/cli.ts, test/helpers/e2e.ts): the pure parts,
// child processes with small `node -e` scripts, then the built CLI itself.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { RESULT_COLUMNS } from "../../src/input/columns.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import {
  CLI_PATH,
  type CliHarnessError,
  childEnv,
  REPO_ROOT,
  runCli,
  runNode,
  spawnNode,
} from "../helpers/cli.js";
import {
  checkInvariants,
  csvText,
  findViolations,
  InvariantError,
  type InvariantOptions,
  neutralised,
  orderRows,
  parseResults,
  readResults,
  removeTempDirs,
  sandboxEnv,
  startE2eSandbox,
  tempDir,
  type ViolationCode,
  waitUntil,
  writeCsv,
} from "../helpers/e2e.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

/** Harness failures carry a stable code; read it without trusting the type. */
async function rejection(promise: Promise<unknown>): Promise<CliHarnessError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(Error);
  return error as CliHarnessError;
}

// ---- Results files ----

/** A results file: input columns order_id, note; the tool's columns filled from `rows`. */
function resultsText(rows: readonly Partial<Record<string, string>>[], header?: string[]): string {
  const columns = header ?? ["order_id", "note", ...RESULT_COLUMNS];
  return csvText(
    columns,
    rows.map((row) => columns.map((name) => row[name] ?? "")),
  );
}

const ok = (line: number, over: Partial<Record<string, string>> = {}) => ({
  order_id: String(100000 + line),
  note: `n${line}`,
  line: String(line),
  result: "updated",
  success: "true",
  ...over,
});

describe("parseResults / readResults", () => {
  it("maps rows by column name on null-prototype records, keeping the raw records", () => {
    const results = parseResults(
      resultsText([ok(2), ok(3, { result: "failed", success: "false" })]),
    );
    expect(results.header).toEqual(["order_id", "note", ...RESULT_COLUMNS]);
    expect(results.rows).toHaveLength(2);
    expect(Object.getPrototypeOf(results.rows[0])).toBeNull();
    expect(results.rows[1]).toMatchObject({ order_id: "100003", line: "3", result: "failed" });
    expect(results.records[0]?.slice(0, 3)).toEqual(["100002", "n2", "2"]);
  });

  it("treats a column named __proto__ as a plain column; a repeated name takes the later cell", () => {
    const text = csvText(
      ["__proto__", "constructor", "result", "result"],
      [['{"polluted":true}', "x", "input-result", "updated"]],
    );
    const results = parseResults(text);
    const row = results.rows[0] ?? {};
    expect(Object.keys(row)).toEqual(["__proto__", "constructor", "result"]);
    expect(Object.getOwnPropertyDescriptor(row, "__proto__")?.value).toBe('{"polluted":true}');
    expect(row.result).toBe("updated");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("skips a BOM (--excel) so the first column keeps its name", () => {
    const results = parseResults(`\uFEFF${resultsText([ok(2)])}`);
    expect(results.header[0]).toBe("order_id");
    expect(results.rows[0]?.order_id).toBe("100002");
  });

  it.each([
    ["a ragged record", "CSV_RECORD_INCONSISTENT_FIELDS_LENGTH", "a,b\n1,2\n3\n"],
    ["a quote left open (cut short)", "CSV_QUOTE_NOT_CLOSED", 'a,b\n1,"2\n'],
    ["text after a closing quote", "CSV_INVALID_CLOSING_QUOTE", 'a,b\n1,"2"x\n'],
    ["a quote inside a bare cell", "INVALID_OPENING_QUOTE", 'a,b\n1,2"x"\n'],
    ["an empty file", "E_RESULTS_EMPTY", ""],
  ])("is strict: %s throws %s", (_name, code, text) => {
    expect(() => parseResults(text)).toThrow(expect.objectContaining({ code }));
  });

  it("reads a file", async () => {
    const dir = await tempDir();
    const file = await writeCsv(join(dir, "r.csv"), ["a", "line"], [["x", "2"]]);
    const results = await readResults(file);
    expect(results.rows).toEqual([{ a: "x", line: "2" }]);
  });
});

// ---- Temporary directories ----

describe("tempDir", () => {
  let fromBeforeAll = "";

  beforeAll(async () => {
    fromBeforeAll = await tempDir("bc-harness-all-");
  });

  it("makes a fresh directory under os.tmpdir()", async () => {
    const dir = await tempDir("bc-harness-");
    expect(dir.startsWith(join(tmpdir(), "bc-harness-"))).toBe(true);
    expect(existsSync(dir)).toBe(true);
    expect(await tempDir("bc-harness-")).not.toBe(dir);
  });

  it("removes one made in a test when that test finishes", async () => {
    let dir = "";
    // Finish hooks run last-registered first, so this check runs after tempDir's removal.
    onTestFinished(() => {
      expect(dir).not.toBe("");
      expect(existsSync(dir)).toBe(false);
    });
    dir = await tempDir("bc-harness-");
    expect(existsSync(dir)).toBe(true);
  });

  it("keeps one made in beforeAll until removeTempDirs()", async () => {
    expect(existsSync(fromBeforeAll)).toBe(true);
    await removeTempDirs();
    expect(existsSync(fromBeforeAll)).toBe(false);
  });
});

// ---- Input files ----

describe("csvText / writeCsv", () => {
  const header = ["order_id", "staff_notes"];
  const rows = [
    ["100000", 'say "hi", then\nleave'],
    ["100001", "=SUM(A1)"],
    ["100002", "Müller ✓"],
    ["100003", ""],
  ];

  it("round-trips quoted cells with any delimiter and record separator", () => {
    for (const [delimiter, eol] of [
      [",", "\n"],
      [";", "\r\n"],
      ["\t", "\r\n"],
    ] as const) {
      const text = csvText(header, rows, { delimiter, eol });
      expect(text.endsWith(eol)).toBe(true);
      expect(parse(text, { delimiter, bom: true })).toEqual([header, ...rows]);
    }
    expect(csvText(header, [["1", "x"]], { eof: false })).toBe("order_id,staff_notes\n1,x");
  });

  it("writes UTF-8 with or without a BOM, and UTF-16LE with its BOM", async () => {
    const dir = await tempDir();
    const plain = await readFile(await writeCsv(join(dir, "a.csv"), header, rows));
    expect([...plain.subarray(0, 3)]).not.toEqual([0xef, 0xbb, 0xbf]);
    expect(plain.toString("utf8")).toContain("Müller ✓");
    const bom = await readFile(await writeCsv(join(dir, "b.csv"), header, rows, { bom: true }));
    expect([...bom.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const wide = await readFile(
      await writeCsv(join(dir, "c.csv"), header, rows, { bom: true, encoding: "utf-16le" }),
    );
    expect([...wide.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    expect(parse(wide.toString("utf16le"), { bom: true })).toEqual([header, ...rows]);
    await expect(
      writeCsv(join(dir, "d.csv"), header, rows, { bom: true, encoding: "latin1" }),
    ).rejects.toThrow(TypeError);
  });
});

describe("orderRows", () => {
  it("builds valid rows for a generated store: unique notes and tracking numbers", () => {
    const { header, rows } = orderRows(7, "mixed", { orders: 5, tag: "Q" });
    expect(header).toContain("order_id");
    expect(rows.map((row) => row[0])).toEqual([
      "100000",
      "100001",
      "100002",
      "100003",
      "100004",
      "100000",
      "100001",
    ]);
    const at = (name: string) => header.indexOf(name);
    expect(rows[0]?.[at("status_id")]).toBe("10");
    expect(rows[1]?.[at("staff_notes")]).toBe("e2e Q row 2");
    expect(rows[2]?.[at("tracking_number")]).toMatch(/^1ZE2EQ\d{7}$/);
    expect(rows[2]?.[at("order_address_id")]).toBe("1000021");
    const tracking = rows.map((row) => row[at("tracking_number")]).filter(Boolean);
    expect(new Set(tracking).size).toBe(tracking.length);
    for (const row of rows) expect(row).toHaveLength(header.length);
  });
});

// ---- Invariants ----

describe("checkInvariants", () => {
  const base = (
    rows = [
      ok(2),
      ok(3),
      ok(5, { result: "invalid", success: "false", error_code: "E_STATUS_UNKNOWN" }),
    ],
  ) => ({
    inputRows: rows.length,
    results: parseResults(resultsText(rows)),
  });
  const codes = (options: InvariantOptions): ViolationCode[] =>
    findViolations(options).map((violation) => violation.code);

  it("passes a good run and counts rows per result", () => {
    const summary = checkInvariants({ ...base(), code: 1, expectCode: [1] });
    expect(summary.counts).toEqual({ updated: 2, invalid: 1 });
    expect(summary.shipmentsCreated).toBe(0);
  });

  it.each<[string, () => InvariantOptions, ViolationCode]>([
    ["a row lost", () => ({ ...base(), inputRows: 4 }), "ROW_COUNT"],
    ["a row twice", () => base([ok(2), ok(3), ok(3)]), "LINE_ORDER"],
    ["rows out of order", () => base([ok(2), ok(4), ok(3)]), "LINE_ORDER"],
    ["a line that is no number", () => base([ok(2), ok(3, { line: "3a" })]), "LINE_NOT_INTEGER"],
    ["an empty line cell", () => base([ok(2), ok(3, { line: "" })]), "LINE_NOT_INTEGER"],
    ["an unknown result", () => base([ok(2, { result: "done" })]), "RESULT_UNKNOWN"],
    ["success on a failed row", () => base([ok(2, { result: "failed" })]), "SUCCESS_MISMATCH"],
    [
      "no success on an unchanged row",
      () => base([ok(2, { result: "unchanged", success: "false" })]),
      "SUCCESS_MISMATCH",
    ],
    ["success spelled otherwise", () => base([ok(2, { success: "TRUE" })]), "SUCCESS_MISMATCH"],
    [
      "a failed row without an error code",
      () => base([ok(2, { result: "failed", success: "false" })]),
      "ERROR_CODE",
    ],
    [
      "an error code on a successful row",
      () => base([ok(2, { error_code: "E_ORDER_NOT_FOUND" })]),
      "ERROR_CODE",
    ],
    [
      "a result the test does not allow",
      () => ({ ...base(), allowedResults: ["updated"] }),
      "RESULT_NOT_ALLOWED",
    ],
    ["another exit code", () => ({ ...base(), code: 2, expectCode: 1 }), "EXIT_CODE"],
    ["no exit code at all", () => ({ ...base(), expectCode: 0 }), "EXIT_CODE"],
    [
      "killed by a signal",
      () => ({
        ...base(),
        run: { code: null, signal: "SIGKILL", stdout: "", stderr: "" },
        expectCode: 0,
      }),
      "EXIT_CODE",
    ],
    [
      "a result column missing",
      () => ({
        inputRows: 1,
        results: parseResults(
          resultsText([ok(2)], ["order_id", ...RESULT_COLUMNS.filter((c) => c !== "message")]),
        ),
      }),
      "HEADER",
    ],
    [
      "an input cell changed",
      () => ({
        ...base([ok(2)]),
        input: { header: ["order_id", "note"], rows: [["100002", "other"]] },
      }),
      "CELL_MISMATCH",
    ],
    [
      "a line number that is not the input's",
      () => ({
        ...base([ok(3)]),
        input: { header: ["order_id", "note"], rows: [["100003", "n3"]] },
      }),
      "LINE_MISMATCH",
    ],
    [
      "an input column dropped",
      () => ({ ...base([ok(2)]), input: { header: ["order_id"], rows: [["100002"]] } }),
      "HEADER",
    ],
    [
      "the token on stderr",
      () => ({
        ...base(),
        secrets: ["tok-123"],
        run: { code: 0, signal: null, stdout: "", stderr: "sent X-Auth-Token tok-123" },
      }),
      "SECRET_LEAK",
    ],
    [
      "the token in the results file",
      () => ({ ...base([ok(2, { message: "token tok-123" })]), secrets: ["tok-123"] }),
      "SECRET_LEAK",
    ],
  ])("finds %s", (_name, options, code) => {
    expect(codes(options())).toContain(code);
    expect(() => checkInvariants(options())).toThrow(InvariantError);
  });

  it("reports every violation at once, and never repeats a secret in its message", () => {
    const options: InvariantOptions = {
      ...base([ok(3), ok(2, { result: "failed" })]),
      inputRows: 3,
      secrets: ["tok-123"],
      run: { code: 0, signal: null, stdout: "tok-123", stderr: "" },
    };
    let thrown: unknown;
    try {
      checkInvariants(options);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvariantError);
    const error = thrown as InvariantError;
    expect(error.code).toBe("E_INVARIANT");
    expect(error.violations.map((v) => v.code).sort()).toEqual(
      ["ERROR_CODE", "LINE_ORDER", "ROW_COUNT", "SECRET_LEAK", "SUCCESS_MISMATCH"].sort(),
    );
    expect(error.message).not.toContain("tok-123");
  });

  it("accepts input cells as the results file neutralises them (escape_formulas)", () => {
    expect(neutralised("=1+2")).toBe("'=1+2");
    expect(neutralised("-5")).toBe("'-5");
    expect(neutralised("\uFF20x")).toBe("'\uFF20x");
    expect(neutralised("a=b")).toBe("a=b");
    const options = {
      ...base([ok(2, { note: "'=HYPERLINK(1)" })]),
      input: { header: ["order_id", "note"], rows: [["100002", "=HYPERLINK(1)"]] },
    };
    expect(codes(options)).toEqual([]);
  });

  it("expects line i + 2 only when no input cell spans lines", () => {
    const input = {
      header: ["order_id", "note"],
      rows: [
        ["100002", "two\nlines"],
        ["100003", "n"],
      ],
    };
    const rows = [ok(2, { note: "two\nlines" }), ok(4, { order_id: "100003", note: "n" })];
    expect(codes({ ...base(rows), input })).toEqual([]);
  });

  describe("with a sandbox store", () => {
    const shipment = (tracking: string, productId: number) => ({
      order_address_id: 1001,
      tracking_number: tracking,
      shipping_provider: "ups",
      tracking_carrier: "",
      items: [{ order_product_id: productId, quantity: 1 }],
    });
    const post = async (sandbox: Sandbox, body: unknown): Promise<number> => {
      const response = await fetch(`${sandbox.url}/stores/sandbox/v2/orders/12345/shipments`, {
        method: "POST",
        headers: {
          "X-Auth-Token": sandbox.env.BIGCOMMERCE_ACCESS_TOKEN,
          "Content-Type": "application/json",
        },
        body: JSON.stringify(body),
      });
      await response.arrayBuffer();
      return response.status;
    };

    it("finds a second shipment with the same tracking number on one order", async () => {
      const sandbox = await startE2eSandbox();
      expect(await post(sandbox, shipment("1ZSAME", 202))).toBe(201);
      expect(await post(sandbox, shipment("1ZOTHER", 202))).toBe(201);
      expect(codes({ ...base(), sandbox })).toEqual([]);
      expect(checkInvariants({ ...base(), sandbox }).shipmentsCreated).toBe(2);
      expect(await post(sandbox, shipment("1ZSAME", 201))).toBe(201);
      const violations = findViolations({ ...base(), sandbox });
      expect(violations.map((v) => v.code)).toEqual(["DUPLICATE_SHIPMENT"]);
      expect(violations[0]?.message).toContain("12345");
    });

    it("checks that the sandbox's token appears in no output by default", async () => {
      const sandbox = await startE2eSandbox();
      const token = sandbox.env.BIGCOMMERCE_ACCESS_TOKEN;
      expect(token).toMatch(/^e2e-token-[0-9a-f]{24}$/);
      const run = { code: 0, signal: null, stdout: "", stderr: `debug: ${token}` };
      expect(codes({ ...base(), sandbox, run })).toEqual(["SECRET_LEAK"]);
      expect(sandboxEnv(sandbox)).toEqual({
        BIGCOMMERCE_API_URL: sandbox.url,
        BIGCOMMERCE_STORE_HASH: "sandbox",
        BIGCOMMERCE_ACCESS_TOKEN: token,
      });
    });
  });
});

// ---- Child processes ----

describe("runNode / spawnNode", () => {
  it("captures exit code, stdout and stderr, multi-byte characters intact", async () => {
    const result = await runNode([
      "-e",
      "process.stdout.write('Müller ✓ '.repeat(5000)); console.error('err'); process.exitCode = 3",
    ]);
    expect(result.code).toBe(3);
    expect(result.signal).toBeNull();
    expect(result.stdout).toBe("Müller ✓ ".repeat(5000));
    expect(result.stderr).toBe("err\n");
  });

  it("gives the child a clean environment: no BIGCOMMERCE_*, no NODE_OPTIONS, only what is asked", async () => {
    vi.stubEnv("BIGCOMMERCE_ACCESS_TOKEN", "real-store-token");
    vi.stubEnv("BIGCOMMERCE_STORE_HASH", "realstore");
    vi.stubEnv("BIGCOMMERCE_CREDENTIALS_FILE", "/home/me/.bc.json");
    vi.stubEnv("NODE_OPTIONS", "--inspect");
    vi.stubEnv("SOMETHING_ELSE", "1");
    const result = await runNode(["-e", "console.log(JSON.stringify(process.env))"], {
      env: { BIGCOMMERCE_STORE_HASH: "sandbox", EXTRA: "yes" },
    });
    expect(result.code).toBe(0);
    const env = JSON.parse(result.stdout) as Record<string, string>;
    expect(env.BIGCOMMERCE_STORE_HASH).toBe("sandbox");
    expect(env.EXTRA).toBe("yes");
    expect(env.PATH).toBe(process.env.PATH);
    for (const name of [
      "BIGCOMMERCE_ACCESS_TOKEN",
      "BIGCOMMERCE_CREDENTIALS_FILE",
      "NODE_OPTIONS",
      "SOMETHING_ELSE",
    ]) {
      expect(env[name], name).toBeUndefined();
    }
  });

  it("childEnv keeps PATH, HOME, LANG and TZ when present, nothing else", () => {
    const parent = { PATH: "/bin", HOME: "/h", TZ: "UTC", LANG: "C.UTF-8", USER: "me", X: "1" };
    expect(childEnv({}, parent)).toEqual({ PATH: "/bin", HOME: "/h", TZ: "UTC", LANG: "C.UTF-8" });
    expect(childEnv({ A: "b" }, { PATH: "/bin" })).toEqual({ PATH: "/bin", A: "b" });
  });

  it("runs in the repository by default, or in cwd; feeds stdin", async () => {
    const dir = await tempDir();
    const where = ["-e", "console.log(process.cwd())"];
    expect((await runNode(where)).stdout.trim()).toBe(REPO_ROOT);
    expect((await runNode(where, { cwd: dir })).stdout.trim()).toBe(dir);
    const echo = await runNode(["-e", "process.stdin.pipe(process.stdout)"], {
      stdin: "a,b\n1,2\n",
    });
    expect(echo.stdout).toBe("a,b\n1,2\n");
  });

  it("kills a child that outlives timeoutMs and rejects with its stderr", async () => {
    const spawned = spawnNode(
      ["-e", "process.stderr.write('started\\n'); setInterval(() => {}, 1000)"],
      { timeoutMs: 3000 },
    );
    const error = await rejection(spawned.result);
    expect(error.code).toBe("E_CLI_TIMEOUT");
    expect(error.stderr).toBe("started\n");
    expect(error.message).toContain("started");
    expect(spawned.child.signalCode).toBe("SIGKILL");
  });

  it("waits for output, then delivers a signal the child handles", async () => {
    const spawned = spawnNode([
      "-e",
      "process.on('SIGINT', () => { console.log('got SIGINT'); process.exit(130) }); console.error('ready'); setInterval(() => {}, 1000)",
    ]);
    await spawned.waitForOutput(/ready/);
    await spawned.waitForOutput(/rea/g); // output already received counts; /g is harmless
    spawned.child.kill("SIGINT");
    const result = await spawned.result;
    expect(result.code).toBe(130);
    expect(result.stdout).toBe("got SIGINT\n");
  });

  it("reports a child ended by SIGTERM or SIGKILL with signal and no code", async () => {
    for (const signal of ["SIGTERM", "SIGKILL"] as const) {
      const spawned = spawnNode(["-e", "console.log('up'); setInterval(() => {}, 1000)"]);
      await spawned.waitForOutput(/up/, "stdout");
      spawned.child.kill(signal);
      const result = await spawned.result;
      expect(result).toMatchObject({ code: null, signal });
    }
  });

  it("rejects a wait when the child exits first, or after the wait's timeout", async () => {
    const quick = spawnNode(["-e", "console.error('bye')"]);
    const exited = await rejection(quick.waitForOutput(/never/));
    expect(exited.code).toBe("E_CLI_EXITED");
    expect(exited.stderr).toBe("bye\n");
    const silent = spawnNode(["-e", "setInterval(() => {}, 1000)"]);
    const waited = await rejection(silent.waitForOutput(/never/, "stdout", 200));
    expect(waited.code).toBe("E_CLI_WAIT_TIMEOUT");
    silent.child.kill("SIGKILL");
    expect((await silent.result).signal).toBe("SIGKILL");
  });

  it("waitUntil polls a condition and gives up with a message", async () => {
    let calls = 0;
    await waitUntil(() => ++calls >= 3, { intervalMs: 1 });
    expect(calls).toBe(3);
    await expect(waitUntil(() => false, { timeoutMs: 50, what: "nothing" })).rejects.toThrow(
      /nothing/,
    );
  });
});

// ---- The built CLI (npm test builds it first) ----

describe("the built CLI", () => {
  it("cli.js also exports the e2e.ts helpers, so tests need one import", async () => {
    const viaCli = await import("../helpers/cli.js");
    expect(viaCli.checkInvariants).toBe(checkInvariants);
    expect(viaCli.tempDir).toBe(tempDir);
  });

  it("is dist/cli.js and prints the package version", async () => {
    expect(CLI_PATH).toBe(join(REPO_ROOT, "dist", "cli.js"));
    const pkg = JSON.parse(await readFile(`${REPO_ROOT}/package.json`, "utf8")) as {
      version: string;
    };
    const result = await runCli(["--version"]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(pkg.version);
  });

  it("validates samples/orders.csv offline: every row kept, in order", async () => {
    const dir = await tempDir();
    const output = join(dir, "orders.results.csv");
    const run = await runCli(["validate", "samples/orders.csv", "-o", output]);
    const [header, ...rows] = parse(await readFile(`${REPO_ROOT}/samples/orders.csv`), {
      bom: true,
    }) as string[][];
    const summary = checkInvariants({
      inputRows: rows.length,
      results: await readResults(output),
      run,
      expectCode: 1,
      input: { header: header ?? [], rows },
      allowedResults: ["valid", "invalid"],
    });
    expect(summary.counts).toEqual({ valid: 14, invalid: 2 });
  });

  it("applies generated rows to a sandbox store, and a second run creates no second shipment", async () => {
    const sandbox = await startE2eSandbox({ seed: { generate: { orders: 12 } } });
    const dir = await tempDir();
    const input = orderRows(12, "mixed");
    const file = await writeCsv(join(dir, "orders.csv"), input.header, input.rows);
    const output = join(dir, "orders.results.csv");
    const args = [file, "-o", output, "--quiet"];
    const env = sandboxEnv(sandbox);

    const first = await runCli(args, { env });
    const summary = checkInvariants({
      inputRows: 12,
      results: await readResults(output),
      sandbox,
      run: first,
      expectCode: 0,
      input,
      allowedResults: ["updated"],
    });
    expect(summary.shipmentsCreated).toBe(4);

    const again = await runCli(args, { env });
    const results = await readResults(output);
    checkInvariants({ inputRows: 12, results, sandbox, run: again, expectCode: 0, input });
    expect(sandbox.store.createdShipments()).toHaveLength(4);
    const shipmentRows = results.rows.filter((row) => row.tracking_number !== "");
    expect(shipmentRows.map((row) => row.result)).toEqual(Array(4).fill("unchanged"));
  });
});
