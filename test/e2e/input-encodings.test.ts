// Issue 5 "Reading files", encodings: the fixture corpus (test/fixtures/README.md) through the built
// CLI against a sandbox store. Every file names sample-store orders (samples/store.json), so a file
// read wrongly would really be applied; the tests check what reached the store, byte for byte.
import { writeFile } from "node:fs/promises";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import {
  checkInvariants,
  expectFileRejected,
  prepareInput,
  readResults,
  runCli,
  sandboxEnv,
  startE2eSandbox,
  storeState,
  tempDir,
} from "../helpers/cli.js";

interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly body: Buffer;
}

/**
 * A loopback proxy in front of the sandbox that keeps every request body as sent, so a test can
 * check the bytes on the wire (the sandbox itself only keeps what it stored).
 */
async function startRecorder(
  sandbox: Sandbox,
): Promise<{ env: Record<string, string>; requests: Recorded[] }> {
  const requests: Recorded[] = [];
  const upstream = new URL(sandbox.url);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? "", path: req.url ?? "", body });
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on("error", () => res.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return {
    env: sandboxEnv(sandbox, { BIGCOMMERCE_API_URL: `http://127.0.0.1:${port}` }),
    requests,
  };
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Every write body is valid UTF-8 JSON without U+FFFD; returns the bodies as text. */
function writeBodies(requests: readonly Recorded[]): string[] {
  const writes = requests.filter((r) => r.method === "PUT" || r.method === "POST");
  return writes.map((r) => {
    const text = strictUtf8.decode(r.body);
    expect(() => JSON.parse(text), `${r.method} ${r.path}`).not.toThrow();
    expect(text, `${r.method} ${r.path}`).not.toContain("\uFFFD");
    return text;
  });
}

describe("encodings, end to end", () => {
  it("UTF-8 with a BOM: the BOM is not part of order_id and accents arrive intact", async () => {
    const sandbox = await startE2eSandbox();
    const recorder = await startRecorder(sandbox);
    const { input, results } = await prepareInput("utf8-bom.csv");
    const run = await runCli([input, "--quiet"], { env: recorder.env });

    const file = await readResults(results);
    checkInvariants({ inputRows: 2, results: file, sandbox, run, expectCode: 0 });
    expect(run.stderr).toBe("");
    expect(file.header.slice(0, 3)).toEqual(["order_id", "staff_notes", "billing_last_name"]);
    expect(file.rows.map((row) => [row.line, row.result, row.billing_last_name])).toEqual([
      ["2", "updated", "Müller"],
      ["3", "updated", "Øster"],
    ]);
    expect(sandbox.store.getOrder(12345)).toMatchObject({ staff_notes: "Entregado a Peña" });
    expect(sandbox.store.getOrder(12345)?.billing_address.last_name).toBe("Müller");
    expect(sandbox.store.getOrder(12346)).toMatchObject({
      staff_notes: "Zoë's order, gift-wrapped",
    });
    expect(sandbox.store.getOrder(12346)?.billing_address.last_name).toBe("Øster");
    const bodies = writeBodies(recorder.requests);
    expect(bodies).toHaveLength(2);
    expect(bodies.join("\n")).toContain("Müller");
  });

  it("Excel's UTF-16LE tab-delimited export: tabs inside quotes, CJK and emoji reach the store", async () => {
    const sandbox = await startE2eSandbox();
    const { input, results } = await prepareInput("utf16le-tab-export.csv");
    const run = await runCli([input, "--quiet"], { env: sandboxEnv(sandbox) });

    const file = await readResults(results);
    checkInvariants({ inputRows: 3, results: file, sandbox, run, expectCode: 0 });
    // The results file is UTF-8, in the input's dialect (tab-separated here, as Excel exported it).
    expect(file.text.split(/\r?\n/)[0]).toMatch(
      /^order_id\tstatus_id\tstaff_notes\tbilling_city\tline\t/,
    );
    expect(file.rows.map((row) => [row.line, row.result, row.billing_city])).toEqual([
      ["2", "updated", "München"],
      ["3", "updated", "Kraków"],
      ["4", "updated", "Tōkyō"],
    ]);
    expect(sandbox.store.getOrder(12345)).toMatchObject({
      status_id: 2,
      staff_notes: "Packed by Ana",
    });
    expect(sandbox.store.getOrder(12346)).toMatchObject({
      status_id: 2, // "Shipped" by name
      staff_notes: "Note with\ttab",
    });
    expect(sandbox.store.getOrder(12346)?.billing_address.city).toBe("Kraków");
    expect(sandbox.store.getOrder(12347)).toMatchObject({ staff_notes: "日本語のメモ 📦" });
    expect(sandbox.store.getOrder(12347)?.billing_address.city).toBe("Tōkyō");
  });

  it("UTF-16BE with a BOM and UTF-16LE without one (with a warning) are read", async () => {
    const sandbox = await startE2eSandbox();
    const be = await prepareInput("utf16be-bom.csv");
    const runBe = await runCli([be.input, "--quiet"], { env: sandboxEnv(sandbox) });
    checkInvariants({
      inputRows: 2,
      results: await readResults(be.results),
      sandbox,
      run: runBe,
      expectCode: 0,
    });
    expect(sandbox.store.getOrder(12345)?.staff_notes).toBe("Größe L 📦");
    expect(sandbox.store.getOrder(12346)?.staff_notes).toBe("Ça va");

    const le = await prepareInput("utf16le-no-bom.csv");
    const runLe = await runCli([le.input, "--quiet"], { env: sandboxEnv(sandbox) });
    checkInvariants({
      inputRows: 1,
      results: await readResults(le.results),
      sandbox,
      run: runLe,
      expectCode: 0,
    });
    // A warning (warnings carry no code) naming the file and the encoding it was read as.
    expect(runLe.stderr).toMatch(/^warning: .*utf16le-no-bom\.csv.*UTF-16LE/m);
    expect(sandbox.store.getOrder(12345)?.status_id).toBe(2);
  });

  it("Windows-1252: decoded with a warning naming the first bad line; José and 5€ arrive as such", async () => {
    const sandbox = await startE2eSandbox();
    const recorder = await startRecorder(sandbox);
    const { input, results } = await prepareInput("windows-1252-accents.csv");
    const run = await runCli([input, "--quiet"], { env: recorder.env });

    const file = await readResults(results);
    checkInvariants({ inputRows: 3, results: file, sandbox, run, expectCode: 0 });
    // A warning naming the file, the line of the first bad byte and the encoding used instead.
    const warning = run.stderr.split("\n").find((line) => line.startsWith("warning: "));
    expect(warning).toContain(input);
    expect(warning).toMatch(/\bline 3\b/);
    expect(warning).toContain("Windows-1252");
    // The results file is UTF-8 (readResults decodes it as such).
    expect(file.rows.map((row) => [row.billing_first_name, row.billing_last_name])).toEqual([
      ["Juan", "Perez"],
      ["José", "Peña"],
      ["Jürgen", "Müller"],
    ]);
    expect(sandbox.store.getOrder(12346)?.billing_address).toMatchObject({
      first_name: "José",
      last_name: "Peña",
    });
    expect(sandbox.store.getOrder(12346)?.staff_notes).toBe("Entrega 5€");
    expect(sandbox.store.getOrder(12347)?.billing_address).toMatchObject({
      first_name: "Jürgen",
      last_name: "Müller",
    });
    expect(sandbox.store.getOrder(12347)?.staff_notes).toBe("Straße");
    // On the wire: valid UTF-8 JSON, never U+FFFD, the accents as written.
    const bodies = writeBodies(recorder.requests).join("\n");
    expect(bodies).toContain("José");
    expect(bodies).toContain("5€");
    expect(JSON.stringify(storeState(sandbox))).not.toContain("\uFFFD");
  });

  it("Windows-1252 with --encoding utf-8 is rejected at the first bad byte, nothing sent", async () => {
    const sandbox = await startE2eSandbox();
    const before = storeState(sandbox);
    const { input, results } = await prepareInput("windows-1252-accents.csv");
    const run = await runCli([input, "--encoding", "utf-8"], { env: sandboxEnv(sandbox) });
    expectFileRejected(run, sandbox, before, { input, results, line: 3, code: "E_ENCODING" });
    // The message names the byte to look for.
    expect(run.stderr).toContain("0xE9");
  });

  it("a UTF-8 BOM and one byte that is not UTF-8: that row is invalid (no fallback), the other applied", async () => {
    const sandbox = await startE2eSandbox();
    const notesBefore = sandbox.store.getOrder(12346)?.staff_notes;
    const { input, results } = await prepareInput("utf8-bom-invalid-byte.csv");
    const run = await runCli([input, "--quiet"], { env: sandboxEnv(sandbox) });
    const file = await readResults(results);
    checkInvariants({ inputRows: 2, results: file, sandbox, run, expectCode: 1 });
    expect(file.rows.map((row) => [row.line, row.result, row.error_code])).toEqual([
      ["2", "updated", ""],
      ["3", "invalid", "E_INVALID_UTF8"],
    ]);
    // The row's error names the byte to look for.
    expect(file.rows[1]?.error).toContain("0xFF");
    expect(sandbox.store.getOrder(12345)?.staff_notes).toBe("ok");
    expect(sandbox.store.getOrder(12346)?.staff_notes).toBe(notesBefore);
    expect(sandbox.stats().byRoute.order_put).toBe(1);
  });

  it("a Windows-1252 header: unknown without --map (named correctly), applied with it", async () => {
    const sandbox = await startE2eSandbox();
    const before = storeState(sandbox);
    const { input, results } = await prepareInput("windows-1252-header.csv");
    const rejected = await runCli([input], { env: sandboxEnv(sandbox) });
    expectFileRejected(rejected, sandbox, before, {
      input,
      results,
      line: 1,
      code: "E_HEADER_NO_ORDER_ID",
    });
    // The name is decoded (º, not mojibake or U+FFFD) so the user can recognise it.
    // (Issue 13: "Nº pedido" reads as "No. pedido", so the message offers it as the order id column.)
    expect(rejected.stderr).toContain('"Nº pedido');

    const run = await runCli(
      [input, "--quiet", "--map", "Nº pedido=order_id,Transportista=shipping_provider"],
      { env: sandboxEnv(sandbox) },
    );
    const file = await readResults(results);
    checkInvariants({ inputRows: 1, results: file, sandbox, run, expectCode: 0 });
    expect(file.header.slice(0, 3)).toEqual(["Nº pedido", "Transportista", "tracking_number"]);
    expect(file.rows[0]).toMatchObject({ result: "updated", fields_updated: "shipment_created" });
    expect(sandbox.store.listShipments(12345)).toEqual([
      expect.objectContaining({ tracking_number: "1Z999AA10123456784", shipping_provider: "ups" }),
    ]);
  });

  it("a value already holding U+FFFD (damaged upstream) is invalid and never sent", async () => {
    const sandbox = await startE2eSandbox();
    const dir = await tempDir("bc-input-enc-");
    const input = join(dir, "damaged.csv");
    await writeFile(input, "order_id,staff_notes\n12345,Entregado a Pe\uFFFDa\n12346,fine\n");
    const run = await runCli([input, "--quiet"], { env: sandboxEnv(sandbox) });

    const file = await readResults(join(dir, "damaged.results.csv"));
    checkInvariants({ inputRows: 2, results: file, sandbox, run, expectCode: 1 });
    expect(file.rows.map((row) => [row.result, row.error_code])).toEqual([
      ["invalid", "E_REPLACEMENT_CHAR"],
      ["updated", ""],
    ]);
    // The error names the column that holds the damaged value.
    expect(file.rows[0]?.error).toContain("staff_notes");
    expect(sandbox.store.getOrder(12345)?.staff_notes).toBe("");
    expect(sandbox.stats().byRoute.order_put).toBe(1);
    expect(JSON.stringify(storeState(sandbox))).not.toContain("\uFFFD");
  });
});
