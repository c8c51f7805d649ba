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
  storeState,
} from "../helpers/cli.js";

/** Header errors point at the header line unless a test says otherwise. */
const expectRejected: typeof expectFileRejected = (run, sandbox, before, where) =>
  expectFileRejected(run, sandbox, before, { ...where, line: where.line ?? 1 });

describe("headers we refuse, end to end", () => {
  it.each([
    {
      name: "duplicate-column.csv",
      args: [],
      parts: ['column 3 "Order_ID" repeats column 1', "order_id"],
    },
    {
      name: "unknown-column.csv",
      args: [],
      // A typo must not silently drop a whole column of tracking numbers.
      parts: ['unknown column "tracking_numbr"', 'did you mean "tracking_number"?', "--map"],
    },
    { name: "proto-column.csv", args: [], parts: ['"__proto__"', "not allowed"] },
    {
      name: "proto-column.csv",
      args: ["--allow-extra-columns"],
      parts: ['"__proto__"', "not allowed"],
    },
    { name: "no-order-id.csv", args: [], parts: ["no order_id column"] },
    { name: "empty-header-name.csv", args: [], parts: ["column 2 of the header has no name"] },
    {
      name: "extra-column-reserved.csv",
      args: ["--allow-extra-columns"],
      parts: ['"result"', "results column"],
    },
  ])("$name $args: exit 2 naming the column, nothing sent", async ({ name, args, parts }) => {
    const sandbox = await startE2eSandbox();
    const before = storeState(sandbox);
    const prepared = await prepareInput(name);
    const run = await runCli([prepared.input, ...args], { env: sandboxEnv(sandbox) });
    expectRejected(run, sandbox, before, prepared);
    for (const part of parts) expect(run.stderr).toContain(part);
  });

  it("constructor and prototype are refused too", async () => {
    const sandbox = await startE2eSandbox();
    const before = storeState(sandbox);
    for (const name of ["constructor", "Prototype"]) {
      const prepared = await prepareInput(`${name}.csv`, `order_id,${name}\n12345,x\n`);
      const run = await runCli([prepared.input, "--allow-extra-columns"], {
        env: sandboxEnv(sandbox),
      });
      expectRejected(run, sandbox, before, prepared);
      expect(run.stderr).toContain(`"${name}"`);
    }
  });

  it("--debug adds the stack trace that is otherwise left out", async () => {
    const sandbox = await startE2eSandbox();
    const prepared = await prepareInput("unknown-column.csv");
    const run = await runCli([prepared.input, "--debug"], { env: sandboxEnv(sandbox) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown column "tracking_numbr"');
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
    expectRejected(rejected, sandbox, before, prepared);
    expect(rejected.stderr).toContain('unknown column "Warehouse"');

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
