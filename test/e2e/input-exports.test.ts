// Issue 13 "Warehouse files as they come": shipping tools' exports run with no flags. Built CLI
// against a sandbox store; rows name sample-store orders (samples/store.json).
import { copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import {
  checkInvariants,
  expectFileRejected,
  prepareInput,
  REPO_ROOT,
  readResults,
  runCli,
  sandboxEnv,
  startE2eSandbox,
  storeState,
  tempDir,
} from "../helpers/cli.js";

const warningLines = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("warning:"));

/** Writes the input, runs the built CLI on it against `sandbox`, and checks the run's invariants. */
async function applyFile(
  sandbox: Sandbox,
  name: string,
  text: string,
  args: readonly string[],
  inputRows: number,
  expectCode: number,
) {
  const prepared = await prepareInput(name, text);
  const run = await runCli([prepared.input, ...args], { env: sandboxEnv(sandbox) });
  const file = await readResults(prepared.results);
  checkInvariants({ inputRows, results: file, sandbox, run, expectCode });
  return { run, file, prepared };
}

describe("a ShipStation export, no flags", () => {
  it("is read by its own headers, its ship-to and date columns ignored with one notice", async () => {
    const sandbox = await startE2eSandbox();
    const dir = await tempDir("bc-exports-");
    const input = join(dir, "shipstation-export.csv");
    await copyFile(join(REPO_ROOT, "samples", "shipstation-export.csv"), input);
    const run = await runCli([input], { env: sandboxEnv(sandbox) });

    const file = await readResults(join(dir, "shipstation-export.results.csv"));
    checkInvariants({ inputRows: 3, results: file, sandbox, run, expectCode: 0 });
    expect(file.rows.map((row) => row.result)).toEqual(["updated", "updated", "updated"]);
    // One notice naming how the headers were read.
    const notices = warningLines(run.stderr);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain("Order - Number");
    expect(notices[0]).toContain("Ship To - Name");
    // Carrier codes and service names mapped; tracking numbers sent as the carrier prints them, minus spaces.
    expect(sandbox.store.listShipments(12346)).toEqual([
      expect.objectContaining({
        tracking_number: "1Z999AA10123456784",
        shipping_provider: "ups",
        tracking_carrier: "ups",
      }),
    ]);
    expect(sandbox.store.listShipments(12347)).toEqual([
      expect.objectContaining({ shipping_provider: "usps", tracking_carrier: "usps" }),
    ]);
    expect(sandbox.store.listShipments(12352)).toEqual([
      expect.objectContaining({
        tracking_number: "794681234567",
        shipping_provider: "fedex",
        tracking_carrier: "fedex",
      }),
    ]);
  });
});

describe("carrier names", () => {
  it("a carrier column fills both shipping_provider and tracking_carrier", async () => {
    const sandbox = await startE2eSandbox();
    await applyFile(
      sandbox,
      "carriers.csv",
      "order_id,tracking_number,carrier\n12345,JD014600006281230704,DHL Express\n12346,1Z 999 AA1 01 2345 6784,UPS Ground\n12347,9400100000000000000000,stamps_com\n",
      ["--quiet"],
      3,
      0,
    );
    expect(sandbox.store.listShipments(12345)).toEqual([
      expect.objectContaining({ shipping_provider: "", tracking_carrier: "dhl" }),
    ]);
    expect(sandbox.store.listShipments(12346)).toEqual([
      expect.objectContaining({
        tracking_number: "1Z999AA10123456784",
        shipping_provider: "ups",
        tracking_carrier: "ups",
      }),
    ]);
    expect(sandbox.store.listShipments(12347)).toEqual([
      expect.objectContaining({ shipping_provider: "usps", tracking_carrier: "usps" }),
    ]);
  });

  it("shipping_provider values that were refused before (DHL, UPS Ground) now map", async () => {
    const sandbox = await startE2eSandbox();
    await applyFile(
      sandbox,
      "providers.csv",
      "order_id,tracking_number,shipping_provider\n12345,JD014600006281230704,DHL\n12346,1Z999AA10123456784,Fedex Ground\n",
      ["--quiet"],
      2,
      0,
    );
    expect(sandbox.store.listShipments(12345)).toEqual([
      expect.objectContaining({ shipping_provider: "", tracking_carrier: "dhl" }),
    ]);
    expect(sandbox.store.listShipments(12346)).toEqual([
      expect.objectContaining({ shipping_provider: "fedex", tracking_carrier: "fedex" }),
    ]);
  });

  it("an unknown carrier without a tracking_link is invalid (E_CARRIER), the other rows go ahead", async () => {
    const sandbox = await startE2eSandbox();
    const { file } = await applyFile(
      sandbox,
      "unknown-carrier.csv",
      "order_id,tracking_number,carrier\n12345,AB123,Speedy Couriers Ltd\n12346,1Z999AA10123456784,UPS\n",
      ["--quiet"],
      2,
      1,
    );
    expect(file.rows[0]).toMatchObject({ result: "invalid", error_code: "E_CARRIER" });
    expect(file.rows[1]).toMatchObject({ result: "updated" });
    expect(sandbox.store.listShipments(12345)).toEqual([]);
  });

  it("--map @file with comments maps one source column to two of ours", async () => {
    const sandbox = await startE2eSandbox();
    const prepared = await prepareInput(
      "erp.csv",
      "Ref,Courier Code,Parcel\n12345,royal mail,AB 1234 5678 9GB\n",
    );
    const mapFile = join(prepared.dir, "map.txt");
    await writeFile(
      mapFile,
      "# ERP export\n\nRef=order_id\nCourier Code=shipping_provider\nCourier Code=tracking_carrier\n# parcel numbers\nParcel=tracking_number\n",
    );
    const run = await runCli([prepared.input, "--quiet", "--map", `@${mapFile}`], {
      env: sandboxEnv(sandbox),
    });
    const file = await readResults(prepared.results);
    checkInvariants({ inputRows: 1, results: file, sandbox, run, expectCode: 0 });
    expect(sandbox.store.listShipments(12345)).toEqual([
      expect.objectContaining({
        tracking_number: "AB123456789GB",
        shipping_provider: "royalmail",
        tracking_carrier: "royal-mail",
      }),
    ]);
  });
});

describe("header shapes", () => {
  it("Excel's nameless trailing header cells, empty in every row, are ignored with a warning", async () => {
    const sandbox = await startE2eSandbox();
    const { run } = await applyFile(
      sandbox,
      "excel-trailing.csv",
      "order_id,status_id,,\r\n12345,10,,\r\n12346,Completed\r\n",
      [],
      2,
      0,
    );
    expect(warningLines(run.stderr)).toHaveLength(1);
    expect(sandbox.store.getOrder(12345)?.status_id).toBe(10);
    expect(sandbox.store.getOrder(12346)?.status_id).toBe(10);
  });

  it("SAP's trailing delimiter on every line", async () => {
    const sandbox = await startE2eSandbox();
    await applyFile(
      sandbox,
      "sap.csv",
      "order_id;status_id;staff_notes;\n12345;2;Packed, checked;\n",
      ["--quiet"],
      1,
      0,
    );
    expect(sandbox.store.getOrder(12345)).toMatchObject({
      status_id: 2,
      staff_notes: "Packed, checked",
    });
  });

  it("a value under a nameless header cell refuses the file (E_HEADER_EMPTY_NAME)", async () => {
    const sandbox = await startE2eSandbox();
    const before = storeState(sandbox);
    const prepared = await prepareInput(
      "trailing-value.csv",
      "order_id,status_id,,\n12345,10,,\n12346,10,,oops\n",
    );
    const run = await runCli([prepared.input], { env: sandboxEnv(sandbox) });
    expectFileRejected(run, sandbox, before, { ...prepared, line: 1, code: "E_HEADER_EMPTY_NAME" });
  });

  it.each([[[]], [["--delimiter", "pipe"]]])(
    "a pipe-delimited file is read as such %j",
    async (args) => {
      const sandbox = await startE2eSandbox();
      const prepared = await prepareInput(
        "pipes.csv",
        "order_id|status_id|staff_notes\n12345|2|Fragile, handle; with care\n",
      );
      const run = await runCli([prepared.input, "--quiet", ...args], {
        env: sandboxEnv(sandbox),
      });
      const file = await readResults(prepared.results);
      checkInvariants({ inputRows: 1, results: file, sandbox, run, expectCode: 0 });
      expect(sandbox.store.getOrder(12345)).toMatchObject({
        status_id: 2,
        staff_notes: "Fragile, handle; with care",
      });
    },
  );

  it("a missing order_id names the likely column, and its --map fix works", async () => {
    const sandbox = await startE2eSandbox();
    const before = storeState(sandbox);
    const prepared = await prepareInput("no-id.csv", "Reference,status_id\n12345,10\n");
    const run = await runCli([prepared.input], { env: sandboxEnv(sandbox) });
    expectFileRejected(run, sandbox, before, {
      ...prepared,
      line: 1,
      code: "E_HEADER_NO_ORDER_ID",
    });
    const fix = /--map "([^"]+)"/.exec(run.stderr)?.[1];
    expect(fix).toBe("Reference=order_id");

    const fixed = await runCli([prepared.input, "--quiet", "--map", fix as string], {
      env: sandboxEnv(sandbox),
    });
    const file = await readResults(prepared.results);
    checkInvariants({ inputRows: 1, results: file, sandbox, run: fixed, expectCode: 0 });
    expect(sandbox.store.getOrder(12345)?.status_id).toBe(10);
  });
});

describe("status names", () => {
  it('"2 - Shipped" is status 2; "3 - Shipped" is invalid; "Complete" is invalid', async () => {
    const sandbox = await startE2eSandbox();
    const { file } = await applyFile(
      sandbox,
      "statuses.csv",
      "order_id,status\n12345,2 - Shipped\n12346,3 - Shipped\n12347,Complete\n",
      ["--quiet"],
      3,
      1,
    );
    expect(file.rows.map((row) => [row.result, row.error_code])).toEqual([
      ["updated", ""],
      ["invalid", "E_STATUS_MISMATCH"],
      ["invalid", "E_UNKNOWN_STATUS"],
    ]);
    expect(sandbox.store.getOrder(12345)?.status_id).toBe(2);
  });
});

describe("bc-order-batch statuses", () => {
  it("prints the store's statuses: id, system label, custom label", async () => {
    const sandbox = await startE2eSandbox();
    const run = await runCli(["statuses"], { env: sandboxEnv(sandbox) });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines).toHaveLength(16); // a header and the 15 statuses
    expect(lines.find((line) => /^\s*12\s/.test(line))).toContain("Fraud Check");
  });

  it("--json prints them as a JSON array", async () => {
    const sandbox = await startE2eSandbox();
    const run = await runCli(["statuses", "--json"], { env: sandboxEnv(sandbox) });
    expect(run.code, run.stderr).toBe(0);
    const statuses = JSON.parse(run.stdout) as { id: number; custom_label: string }[];
    expect(statuses.map((status) => status.id)).toEqual([...Array(15).keys()]);
    expect(statuses.find((status) => status.id === 12)).toEqual({
      id: 12,
      system_label: "Manual Verification Required",
      custom_label: "Fraud Check",
    });
  });

  it("without credentials it stops with exit 2 and sends nothing", async () => {
    const run = await runCli(["statuses"]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
  });
});
