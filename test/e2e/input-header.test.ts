// Issue 5 "Header": a header we refuse rejects the whole file before any request, naming the column
// (and the nearest known one for a typo); --map and --allow-extra-columns let awkward headers in.
// Built CLI against a sandbox store; the fixtures name sample-store orders (samples/store.json).
import { describe, expect, it } from "vitest";
import {
  checkInvariants,
  expectFileRejected,
  prepareInput,
  readResults,
  runCli,
  sandboxEnv,
  startE2eSandbox,
  stderrCodes,
  storeState,
} from "../helpers/cli.js";

/** Header errors point at the header line unless a test says otherwise. */
const expectRejected: typeof expectFileRejected = (run, sandbox, before, where) =>
  expectFileRejected(run, sandbox, before, { ...where, line: where.line ?? 1 });

/**
 * The fatal message about `input`'s header line, after its `file:1: ` prefix: the values a person
 * reads (column names, positions) are looked for in it, never the wording around them.
 */
function headerMessage(stderr: string, input: string): string {
  const prefix = `${input}:1: `;
  const start = stderr.indexOf(prefix);
  expect(start, stderr).toBeGreaterThanOrEqual(0);
  const rest = stderr.slice(start + prefix.length);
  return rest.slice(0, rest.search(/\n|$/));
}

/** Each of `want` appears as a whole number in `text`, as often as it is listed. */
function expectNumbers(text: string, want: readonly number[]): void {
  const have = [...text.matchAll(/\b\d+\b/g)].map((match) => Number(match[0]));
  for (const n of want) {
    const i = have.indexOf(n);
    expect(i, `${n} in ${JSON.stringify(text)}`).toBeGreaterThanOrEqual(0);
    have.splice(i, 1);
  }
}

describe("headers we refuse, end to end", () => {
  it.each([
    {
      name: "duplicate-column.csv",
      args: [],
      code: "E_HEADER_DUPLICATE",
      // Column 3 "Order_ID" repeats column 1 (both are order_id).
      shows: ["Order_ID", "order_id"],
      columns: [3, 1],
    },
    {
      name: "unknown-column.csv",
      args: [],
      code: "E_HEADER_UNKNOWN",
      // A typo must not silently drop a whole column of tracking numbers: the name as written, the
      // nearest known one, and the option that fixes it.
      shows: ["tracking_numbr", "tracking_number", "--map"],
      columns: [3],
    },
    {
      name: "proto-column.csv",
      args: [],
      code: "E_HEADER_FORBIDDEN",
      shows: ["__proto__"],
      columns: [2],
    },
    {
      name: "proto-column.csv",
      args: ["--allow-extra-columns"],
      code: "E_HEADER_FORBIDDEN",
      shows: ["__proto__"],
      columns: [2],
    },
    {
      name: "no-order-id.csv",
      args: [],
      code: "E_HEADER_NO_ORDER_ID",
      shows: ["order_id"],
      columns: [],
    },
    {
      name: "empty-header-name.csv",
      args: [],
      code: "E_HEADER_EMPTY_NAME",
      shows: [],
      columns: [2],
    },
    {
      name: "extra-column-reserved.csv",
      args: ["--allow-extra-columns"],
      code: "E_HEADER_RESERVED",
      shows: ["result"],
      columns: [2],
    },
  ])(
    "$name $args: exit 2 with $code naming the column, nothing sent",
    async ({ name, args, code, shows, columns }) => {
      const sandbox = await startE2eSandbox();
      const before = storeState(sandbox);
      const prepared = await prepareInput(name);
      const run = await runCli([prepared.input, ...args], { env: sandboxEnv(sandbox) });
      expectRejected(run, sandbox, before, { ...prepared, code });
      const message = headerMessage(run.stderr, prepared.input);
      for (const value of shows) expect(message).toContain(value);
      expectNumbers(message, columns);
    },
  );

  it("constructor and prototype are refused too", async () => {
    const sandbox = await startE2eSandbox();
    const before = storeState(sandbox);
    for (const name of ["constructor", "Prototype"]) {
      const prepared = await prepareInput(`${name}.csv`, `order_id,${name}\n12345,x\n`);
      const run = await runCli([prepared.input, "--allow-extra-columns"], {
        env: sandboxEnv(sandbox),
      });
      expectRejected(run, sandbox, before, { ...prepared, code: "E_HEADER_FORBIDDEN" });
      const message = headerMessage(run.stderr, prepared.input);
      expect(message).toContain(name);
      expectNumbers(message, [2]);
    }
  });

  it("--debug adds the stack trace that is otherwise left out", async () => {
    const sandbox = await startE2eSandbox();
    const prepared = await prepareInput("unknown-column.csv");
    const run = await runCli([prepared.input, "--debug"], { env: sandboxEnv(sandbox) });
    expect(run.code).toBe(2);
    expect(stderrCodes(run.stderr), run.stderr).toEqual(["E_HEADER_UNKNOWN"]);
    expect(headerMessage(run.stderr, prepared.input)).toContain("tracking_numbr");
    expect(run.stderr).toMatch(/^\s+at /m);
    expect(sandbox.stats().requests).toBe(0);
  });
});

describe("headers we accept, end to end", () => {
  it("names are trimmed and matched case-insensitively; the results keep them as written", async () => {
    const sandbox = await startE2eSandbox();
    const header = [" Order_ID ", "STATUS_ID", "Staff_Notes "];
    const prepared = await prepareInput(
      "loose-header.csv",
      `${header.join(",")}\n12345,10,Checked\n12346,Completed,\n`,
    );
    const run = await runCli([prepared.input, "--quiet"], { env: sandboxEnv(sandbox) });

    const file = await readResults(prepared.results);
    checkInvariants({ inputRows: 2, results: file, sandbox, run, expectCode: 0 });
    expect(file.header.slice(0, 3)).toEqual(header);
    expect(sandbox.store.getOrder(12345)).toMatchObject({ status_id: 10, staff_notes: "Checked" });
    expect(sandbox.store.getOrder(12346)?.status_id).toBe(10);
  });

  it("--allow-extra-columns copies unknown columns to the results untouched and never sends them", async () => {
    const sandbox = await startE2eSandbox();
    const prepared = await prepareInput("extra-columns.csv");
    const run = await runCli([prepared.input, "--quiet", "--allow-extra-columns"], {
      env: sandboxEnv(sandbox),
    });

    const file = await readResults(prepared.results);
    checkInvariants({
      inputRows: 1,
      results: file,
      sandbox,
      run,
      expectCode: 0,
      input: {
        header: ["order_id", "Warehouse", "status_id", "Picker"],
        rows: [["12345", "A", "2", "Ana"]],
      },
    });
    expect(file.rows[0]).toMatchObject({ result: "updated", fields_updated: "status_id" });
    expect(sandbox.store.getOrder(12345)?.status_id).toBe(2);
  });

  it("--map renames an ERP's columns; unknown extras still need --allow-extra-columns", async () => {
    const sandbox = await startE2eSandbox();
    const before = storeState(sandbox);
    const prepared = await prepareInput("mapped-headers.csv");
    const map = [
      "--map",
      "Order Number=order_id,Tracking=tracking_number,Carrier=tracking_carrier",
    ];

    const rejected = await runCli([prepared.input, ...map], { env: sandboxEnv(sandbox) });
    expectRejected(rejected, sandbox, before, { ...prepared, code: "E_HEADER_UNKNOWN" });
    const message = headerMessage(rejected.stderr, prepared.input);
    expect(message).toContain("Warehouse");
    expectNumbers(message, [4]);

    const run = await runCli([prepared.input, "--quiet", ...map, "--allow-extra-columns"], {
      env: sandboxEnv(sandbox),
    });
    const file = await readResults(prepared.results);
    checkInvariants({ inputRows: 1, results: file, sandbox, run, expectCode: 0 });
    expect(file.rows[0]).toMatchObject({ Warehouse: "A", result: "updated" });
    expect(sandbox.store.listShipments(12345)).toEqual([
      expect.objectContaining({ tracking_number: "1Z999AA10123456784", tracking_carrier: "ups" }),
    ]);
  });
});
