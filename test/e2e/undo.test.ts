import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { checkInvariants, readResults, runCli, sandboxEnv, tempDir } from "../helpers/cli.js";

/**
 * Issue 15: every run that writes leaves `<results>.undo.csv`; running it puts every order back
 * (statuses, notes, billing, shipments removed and their quantities shippable again), never over
 * someone else's change (`conflict`), and a second run of it writes nothing.
 */
let sandbox: Sandbox;
let dir: string;

beforeEach(async () => {
  sandbox = await startSandbox();
  dir = await tempDir("bc-undo-");
});

afterEach(async () => {
  await sandbox.close();
});

/** What an undo must put back, per order. */
function orderState(id: number) {
  const order = sandbox.store.getOrder(id);
  return {
    status_id: order?.status_id,
    staff_notes: order?.staff_notes,
    customer_message: order?.customer_message,
    billing: order?.billing_address,
    shipments: sandbox.store.listShipments(id).map((s) => ({
      id: s.id,
      tracking_number: s.tracking_number,
      shipping_provider: s.shipping_provider,
      tracking_carrier: s.tracking_carrier,
      comments: s.comments,
    })),
    shipped: sandbox.store.listProducts(id).map((p) => p.quantity_shipped),
  };
}
const everyOrder = () => sandbox.store.orderIds().map((id) => ({ id, ...orderState(id) }));

async function run(file: string, extra: string[] = []) {
  return runCli([file, "--quiet", "--json", ...extra], { env: sandboxEnv(sandbox) });
}

// Several rows of one order (12345, 12346), every kind of change.
const MIXED = [
  "order_id,status_id,staff_notes,customer_message,billing_city,billing_zip,tracking_number,shipping_provider",
  "12346,Awaiting Shipment,,,,,,",
  "12345,,Call first,,,,,",
  "12345,,,Leave at door,Madrid,28002,,",
  "12346,Completed,Packed,,,,,",
  "12347,,,,,,1Z999AA10123456799,ups",
  "12345,,Call first; fragile,,,,,",
  "12352,Shipped,,,,,,",
].join("\n");

describe("the undo file", () => {
  it("puts every order back exactly, and a second run of it writes nothing", async () => {
    const before = everyOrder();
    const input = join(dir, "mixed.csv");
    await writeFile(input, `${MIXED}\n`);
    const first = await run(input);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      by_result: { updated: 7 },
      undo_file: join(dir, "mixed.results.undo.csv"),
    });
    expect(everyOrder()).not.toEqual(before);

    const undo = join(dir, "mixed.results.undo.csv");
    const undone = await run(undo);
    expect(undone.code).toBe(0);
    const results = await readResults(join(dir, "mixed.results.undo.results.csv"));
    checkInvariants({ inputRows: results.rows.length, results, sandbox });
    expect(results.rows.map((row) => row.result)).not.toContain("conflict");
    expect(everyOrder()).toEqual(before);
    // The shipment's quantities are shippable again: the same row ships them once more.
    const again = join(dir, "again.csv");
    await writeFile(again, "order_id,tracking_number\n12347,1Z999AA10123456799\n");
    const shipped = await run(again);
    expect(JSON.parse(shipped.stdout)).toMatchObject({ shipments_created: 1 });

    // Undo the re-shipment, then run the first undo file a second time: nothing to write.
    await run(join(dir, "again.results.undo.csv"));
    const writes = () => sandbox.stats().writesApplied;
    const writesBefore = writes();
    const twice = await run(undo);
    expect(twice.code).toBe(0);
    const second = await readResults(join(dir, "mixed.results.undo.results.csv"));
    expect(new Set(second.rows.map((row) => row.result))).toEqual(new Set(["unchanged"]));
    expect(writes()).toBe(writesBefore);
    expect(everyOrder()).toEqual(before);
  });

  it("leaves alone a field someone changed since the run, and says so (conflict, exit 1)", async () => {
    const input = join(dir, "notes.csv");
    await writeFile(
      input,
      "order_id,status_id,staff_notes\n12345,Shipped,Run note\n12346,,Other\n",
    );
    expect((await run(input)).code).toBe(0);
    // Someone else changes 12345's notes after the run.
    const env = sandboxEnv(sandbox);
    const put = await fetch(
      `${env.BIGCOMMERCE_API_URL}/stores/${env.BIGCOMMERCE_STORE_HASH}/v2/orders/12345`,
      {
        method: "PUT",
        headers: {
          "X-Auth-Token": env.BIGCOMMERCE_ACCESS_TOKEN ?? "",
          "Content-Type": "application/json",
        },
        body: JSON.stringify({ staff_notes: "Changed by a person" }),
      },
    );
    expect(put.status).toBe(200);
    const undone = await run(join(dir, "notes.results.undo.csv"));
    expect(undone.code).toBe(1);
    const results = await readResults(join(dir, "notes.results.undo.results.csv"));
    const byOrder = new Map(results.rows.map((row) => [row.order_id, row]));
    expect(byOrder.get("12345")).toMatchObject({
      result: "conflict",
      success: "false",
      error_code: "E_CONFLICT",
      fields_updated: "status_id",
    });
    expect(byOrder.get("12345")?.error).toContain("Changed by a person");
    expect(byOrder.get("12346")).toMatchObject({ result: "updated" });
    expect(sandbox.store.getOrder(12345)?.staff_notes).toBe("Changed by a person");
    expect(sandbox.store.getOrder(12345)?.status_id).not.toBe(2);
  });

  it("a dry run of an undo file shows what would be restored and writes nothing", async () => {
    const input = join(dir, "status.csv");
    await writeFile(input, "order_id,status_id\n12346,Awaiting Shipment\n12346,Completed\n");
    await run(input);
    const state = everyOrder();
    const dry = await run(join(dir, "status.results.undo.csv"), ["--dry-run"]);
    expect(dry.code).toBe(0);
    const results = await readResults(join(dir, "status.results.undo.dry-run.csv"));
    expect(results.rows.map((row) => row.result)).toEqual(["would_update", "unchanged"]);
    expect(results.rows[0]?.message).toContain("Completed → ");
    expect(everyOrder()).toEqual(state);
  });

  it("corrects a shipment in place, and its undo puts the earlier values back", async () => {
    const before = orderState(12348);
    const input = join(dir, "fix.csv");
    await writeFile(
      input,
      "order_id,update_shipment_id,tracking_number,carrier,shipment_comments\n12348,500,794600000099,UPS,Relabelled\n",
    );
    const fixed = await run(input);
    expect(fixed.code).toBe(0);
    const shipment = sandbox.store.listShipments(12348).find((s) => s.id === 500);
    expect(shipment).toMatchObject({
      tracking_number: "794600000099",
      shipping_provider: "ups",
      comments: "Relabelled",
    });
    expect(sandbox.store.listShipments(12348).length).toBe(before.shipments.length);
    await run(join(dir, "fix.results.undo.csv"));
    expect(orderState(12348)).toEqual(before);
  });

  it("a conditional update outside an undo leaves the order alone when expect_ does not match", async () => {
    const input = join(dir, "guard.csv");
    await writeFile(
      input,
      "order_id,status_id,expect_status_id,staff_notes,expect_staff_notes\n12346,Completed,Shipped,New,\n12347,Completed,Awaiting Fulfillment,,\n",
    );
    const statusBefore = sandbox.store.getOrder(12346)?.status_id;
    const result = await run(input);
    expect(result.code).toBe(1);
    const rows = (await readResults(join(dir, "guard.results.csv"))).rows;
    expect(rows[0]).toMatchObject({ result: "conflict", error_code: "E_CONFLICT" });
    // Only the guarded field is left; the unguarded notes are written.
    expect(rows[0]?.fields_updated).toBe("staff_notes");
    expect(sandbox.store.getOrder(12346)?.status_id).toBe(statusBefore);
    expect(rows[1]).toMatchObject({ result: "updated", fields_updated: "status_id" });
  });

  it("removes a shipment by id; one already gone is unchanged", async () => {
    const input = join(dir, "remove.csv");
    await writeFile(input, "order_id,delete_shipment_id\n12348,500\n12348,500\n12345,500\n");
    const removed = await run(input);
    expect(removed.code).toBe(0);
    const rows = (await readResults(join(dir, "remove.results.csv"))).rows;
    expect(rows.map((row) => row.result)).toEqual(["updated", "unchanged", "unchanged"]);
    expect(rows[0]?.fields_updated).toBe("shipment_deleted");
    expect(sandbox.store.listShipments(12348).find((s) => s.id === 500)).toBeUndefined();
    const undo = await readFile(join(dir, "remove.results.undo.csv"), "utf8");
    expect(undo).toContain("794600000001");
  });

  it("the undo of a removal makes the shipment again: same tracking number, items and address", async () => {
    const before = sandbox.store.listShipments(12348).find((s) => s.id === 500);
    expect(before).toBeDefined();
    const input = join(dir, "remove.csv");
    await writeFile(input, "order_id,delete_shipment_id\n12348,500\n");
    expect((await run(input)).code).toBe(0);
    expect(sandbox.store.listShipments(12348)).toHaveLength(0);

    const undoFile = join(dir, "remove.results.undo.csv");
    const undone = await run(undoFile);
    expect(undone.code).toBe(0);
    const results = await readResults(join(dir, "remove.results.undo.results.csv"));
    checkInvariants({ inputRows: results.rows.length, results, sandbox });
    const again = sandbox.store.listShipments(12348);
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({
      tracking_number: before?.tracking_number,
      order_address_id: before?.order_address_id,
    });
    const items = (shipment: typeof before) =>
      (shipment?.items ?? [])
        .map((item) => [item.order_product_id, item.quantity])
        .sort((a, b) => Number(a[0]) - Number(b[0]));
    expect(items(again[0])).toEqual(items(before));
    // Run twice, the undo creates nothing more (the tracking number exists).
    expect((await run(undoFile, ["-o", join(dir, "twice.csv")])).code).toBe(0);
    expect(sandbox.store.listShipments(12348)).toHaveLength(1);
  });
});
