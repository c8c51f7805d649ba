/**
 * Issue "Hostile or broken answers", items 8–10: the built CLI against a small hostile HTTP server
 * of the test's own on 127.0.0.1, most often a proxy in front of the sandbox store that tampers
 * with some answers (so the rows it lets through really are applied).
 *
 * 8. A token with surrounding whitespace is trimmed where it is loaded, so a server echoing the
 *    request headers (in any case, URL-encoded, base64) never gets it into an output; a token with
 *    inner whitespace or shorter than 8 characters is refused before any request (E_ACCESS_TOKEN).
 * 9. A huge error page of `<` does not freeze the run (linear excerpt of the first 4 KB), SIGTERM
 *    is handled at once, and a body over the 16 MiB cap fails its row (E_RESPONSE_TOO_LARGE).
 * 10. An absurd X-Rate-Limit-Time-Reset-Ms (an hour; past setTimeout's 2^31 ms) is clamped to the
 *    store's window: the run completes, without TimeoutOverflowWarning.
 *
 * No timing thresholds: a frozen or stalled run shows as the harness's timeout (E_CLI_TIMEOUT).
 */
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import {
  type CliResult,
  checkInvariants,
  readResults,
  runCli,
  spawnCli,
  startE2eSandbox,
  tempDir,
  waitUntil,
  writeCsv,
} from "../helpers/cli.js";

/** Backstop for a run that would freeze or stall on the old code; a fixed run needs a few seconds. */
const RUN_TIMEOUT_MS = 20_000;
/** Fast failures: no real backoff in tests. */
const FAST = ["--max-attempts", "2", "--backoff-base-ms", "1", "--backoff-max-ms", "5"];

// ---- A hostile server: a proxy in front of the sandbox that answers some requests itself ----

/** What the hostile server does with one request. */
type Plan =
  /** Pass it to the sandbox; add `headers` to the sandbox's answer. */
  | { readonly kind: "forward"; readonly headers?: Readonly<Record<string, string>> }
  /** Answer it here (the sandbox never sees it). */
  | {
      readonly kind: "answer";
      readonly status: number;
      readonly headers?: Readonly<Record<string, string>>;
      readonly body: string | Buffer;
    }
  /** Never answer. */
  | { readonly kind: "hang" };

interface Hostile {
  readonly url: string;
  /** Requests received, as "METHOD /path" below `/stores/{hash}/v2`. */
  readonly received: string[];
  /** Answers of kind "answer" completely written. */
  readonly answered: () => number;
  /** X-Auth-Token of every request. */
  readonly tokens: string[];
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function forward(
  sandbox: Sandbox,
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
  extra: Readonly<Record<string, string>>,
): void {
  const target = new URL(req.url ?? "/", sandbox.url);
  const headers: IncomingHttpHeaders = { ...req.headers, host: target.host };
  const upstream = httpRequest(target, { method: req.method, headers }, (answer) => {
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined && name !== "transfer-encoding" && name !== "connection") {
        out[name] = value;
      }
    }
    res.writeHead(answer.statusCode ?? 502, { ...out, ...extra });
    answer.pipe(res);
  });
  upstream.on("error", () => res.destroy());
  upstream.end(body);
}

/** Starts the hostile server; `plan` decides per request ("PUT /orders/12345", its X-Auth-Token). */
async function startHostile(
  sandbox: Sandbox | undefined,
  plan: (route: string, token: string) => Plan,
): Promise<Hostile> {
  const received: string[] = [];
  const tokens: string[] = [];
  let answered = 0;
  const server = createServer((req, res) => {
    const route = `${req.method} ${(req.url ?? "").replace(/^\/stores\/[^/]+\/v2/, "").replace(/\?.*$/, "")}`;
    const token = String(req.headers["x-auth-token"] ?? "");
    received.push(route);
    tokens.push(token);
    void readBody(req).then((body) => {
      const decided = plan(route, token);
      if (decided.kind === "hang") return;
      if (decided.kind === "forward") {
        if (!sandbox) throw new Error("no sandbox to forward to");
        forward(sandbox, req, body, res, decided.headers ?? {});
        return;
      }
      res.writeHead(decided.status, { "Content-Type": "application/json", ...decided.headers });
      res.end(decided.body, () => {
        answered += 1;
      });
    });
  });
  const url = await listen(server);
  return { url, received, tokens, answered: () => answered };
}

/** The environment pointing the CLI at the hostile server, with `token` as the access token. */
function hostileEnv(hostile: Hostile, token: string): Record<string, string> {
  return {
    BIGCOMMERCE_STORE_HASH: "sandbox",
    BIGCOMMERCE_ACCESS_TOKEN: token,
    BIGCOMMERCE_API_URL: hostile.url,
  };
}

async function noteRows(orders: readonly number[]) {
  const dir = await tempDir("bc-hostile-");
  const header = ["order_id", "staff_notes"];
  const rows = orders.map((id) => [String(id), `note for ${id}`]);
  const file = await writeCsv(join(dir, "notes.csv"), header, rows);
  return { dir, file, output: join(dir, "notes.results.csv"), input: { header, rows } };
}

// ---- 8. Tokens with surrounding whitespace ----

/**
 * Characters that URL-encoding changes and letters whose case a server may change: every form
 * below differs from the token.
 */
const CANARY = `Canary+${randomBytes(12).toString("hex")}/x=`;

/** Every form in which an echoing server below sends the token back. */
function echoedForms(token: string): string[] {
  return [
    token,
    token.toUpperCase(),
    token.toLowerCase(),
    encodeURIComponent(token),
    Buffer.from(token).toString("base64"),
    Buffer.from(token).toString("base64url"),
  ];
}

/** The forms that must appear in no output (what a leak check greps for). */
const LEAKS = [...echoedForms(CANARY), Buffer.from(`user:${CANARY}`).toString("base64")];

function echoText(token: string): string {
  return `${echoedForms(token).join(" | ")} | Basic ${Buffer.from(`user:${token}`).toString("base64")}`;
}

function expectNoLeak(texts: Record<string, string>): void {
  for (const [where, text] of Object.entries(texts)) {
    LEAKS.forEach((form, i) => {
      // The assertion message names the form by position, never the token.
      expect(text.includes(form), `form #${i + 1} of the token appears in ${where}`).toBe(false);
    });
  }
}

/**
 * A store that echoes the X-Auth-Token it receives, in every form: in a response header, in a 422
 * V2 error body (message and details) and in a 500 HTML page; the order statuses are real.
 */
async function startEcho(statuses: string): Promise<Hostile> {
  return startHostile(undefined, (route, token) => {
    const headers = {
      "X-Echo-Token": token,
      "X-Echo-Token-B64": Buffer.from(token).toString("base64"),
    };
    if (route === "GET /order_statuses")
      return { kind: "answer", status: 200, headers, body: statuses };
    if (route === "PUT /orders/12345") {
      return {
        kind: "answer",
        status: 500,
        headers: { ...headers, "Content-Type": "text/html" },
        body: `<html><head><title>Error for ${echoText(token)}</title></head><body>${token}</body></html>`,
      };
    }
    return {
      kind: "answer",
      status: 422,
      headers,
      body: JSON.stringify([
        {
          status: 422,
          message: `Invalid X-Auth-Token: ${echoText(token)}`,
          details: { token, echo: echoText(token) },
        },
      ]),
    };
  });
}

describe("8. a token with surrounding whitespace never leaks, in any form", () => {
  async function statuses(): Promise<string> {
    const sandbox = await startE2eSandbox();
    return JSON.stringify(sandbox.store.listStatuses());
  }

  it.each([
    { label: "a final newline", suffix: "\n" },
    { label: "a final space", suffix: " " },
    { label: "a final tab", suffix: "\t" },
    { label: "a final CRLF", suffix: "\r\n" },
  ])(
    "BIGCOMMERCE_ACCESS_TOKEN with $label: redacted from results, stdout and stderr (--debug)",
    async ({ suffix }) => {
      const echo = await startEcho(await statuses());
      const { file, output } = await noteRows([12345, 12346]);
      // Per-order reads: each note row is then its PUT, the write whose echo the results carry.
      const args = [file, "--debug", ...FAST, "--retry-budget", "4", "--reads", "per-order"];
      const run = await runCli(args, {
        env: hostileEnv(echo, `${CANARY}${suffix}`),
        secrets: LEAKS,
        timeoutMs: RUN_TIMEOUT_MS,
      });
      expect(run.code, run.stderr).toBe(1);
      // The token sent was the trimmed one, and the store did echo it back.
      expect(echo.tokens.length).toBeGreaterThan(1);
      expect(new Set(echo.tokens)).toEqual(new Set([CANARY]));
      const results = await readResults(output, { secrets: LEAKS });
      expectNoLeak({ stdout: run.stdout, stderr: run.stderr, results: results.text });
      expect(results.rows.map((row) => row.result)).toEqual(["needs_review", "failed"]);
      expect(results.rows.map((row) => row.error_code)).toEqual(["E_HTTP_STATUS", "E_HTTP_STATUS"]);
      // The echoes reached the results, redacted (so the checks above had something to find).
      expect(results.rows[1]?.error).toContain("[REDACTED]");
    },
  );

  it("a credentials file's access_token with a final newline: redacted everywhere", async () => {
    const echo = await startEcho(await statuses());
    const { dir, file, output } = await noteRows([12345, 12346]);
    const credentials = join(dir, "stores.json");
    await writeFile(
      credentials,
      JSON.stringify({
        echo: { store_hash: "echo", access_token: `${CANARY}\n`, api_url: echo.url },
      }),
      { mode: 0o600 },
    );
    const run = await runCli(
      [
        file,
        "--debug",
        ...FAST,
        "--retry-budget",
        "4",
        "--credentials",
        credentials,
        "--credentials-id",
        "echo",
      ],
      { env: {}, secrets: LEAKS, timeoutMs: RUN_TIMEOUT_MS },
    );
    expect(run.code, run.stderr).toBe(1);
    expect(new Set(echo.tokens)).toEqual(new Set([CANARY]));
    const results = await readResults(output, { secrets: LEAKS });
    expectNoLeak({ stdout: run.stdout, stderr: run.stderr, results: results.text });
    expect(results.rows.map((row) => row.error_code)).toEqual(["E_HTTP_STATUS", "E_HTTP_STATUS"]);
  });

  it("`check` against a store echoing the token (trailing newline): the report shows none of it", async () => {
    const echo = await startHostile(undefined, (_route, token) => ({
      kind: "answer",
      status: 422,
      body: JSON.stringify([{ status: 422, message: `Invalid X-Auth-Token: ${echoText(token)}` }]),
    }));
    const run = await runCli(["check"], {
      env: hostileEnv(echo, `${CANARY}\n`),
      secrets: LEAKS,
      timeoutMs: RUN_TIMEOUT_MS,
    });
    expect(run.code).toBe(2);
    expect(echo.tokens).toContain(CANARY);
    expectNoLeak({ stdout: run.stdout, stderr: run.stderr });
    expect(run.stdout).toContain("[REDACTED]");
  });

  it.each([
    { label: "an inner space", token: "canary-token 5f2c1e9a77" },
    { label: "an inner tab", token: "canary-token\t5f2c1e9a77" },
    { label: "a control character", token: "canary-token\u00015f2c1e9a77" },
    { label: "1 character", token: "T" },
    { label: "7 characters", token: "abcdefg" },
  ])(
    "a token with $label is refused before any request (E_ACCESS_TOKEN), from the environment or a file",
    async ({ token }) => {
      const sandbox = await startE2eSandbox();
      const { dir, file, output } = await noteRows([12345]);
      const fromEnv = await runCli([file], {
        env: { ...sandbox.env, BIGCOMMERCE_ACCESS_TOKEN: token },
        timeoutMs: RUN_TIMEOUT_MS,
      });
      const credentials = join(dir, "stores.json");
      await writeFile(
        credentials,
        JSON.stringify({
          main: { store_hash: "sandbox", access_token: token, api_url: sandbox.url },
        }),
        { mode: 0o600 },
      );
      const fromFile = await runCli(
        [file, "--credentials", credentials, "--credentials-id", "main"],
        {
          env: {},
          timeoutMs: RUN_TIMEOUT_MS,
        },
      );
      const check = await runCli(["check"], {
        env: { ...sandbox.env, BIGCOMMERCE_ACCESS_TOKEN: token },
        timeoutMs: RUN_TIMEOUT_MS,
      });
      for (const run of [fromEnv, fromFile, check]) {
        expect(run.code, run.stderr).toBe(2);
        expect(run.stderr).toContain("[E_ACCESS_TOKEN]");
        expect(run.stderr).not.toMatch(/^\s+at /m); // a clear message, no stack trace
      }
      expect(sandbox.stats().requests).toBe(0);
      await expect(readResults(output)).rejects.toMatchObject({ code: "ENOENT" });
    },
  );
});

// ---- 9. A crafted error page; a body over the cap ----

describe("9. hostile bodies: a page of '<' does not freeze the run, a body over the cap fails its row", () => {
  /** 1 MB of '<': the old quadratic tag regex needed minutes for a third of it. */
  const PAGE = "<".repeat(1_000_000);

  it("a 1 MB 500 page of '<': the run completes, the row has its HTTP error, the other row is applied", async () => {
    const sandbox = await startE2eSandbox();
    const hostile = await startHostile(sandbox, (route) =>
      route === "PUT /orders/12345"
        ? { kind: "answer", status: 500, headers: { "Content-Type": "text/html" }, body: PAGE }
        : { kind: "forward" },
    );
    const { file, output, input } = await noteRows([12345, 12346]);
    const run = await runCli([file, ...FAST], {
      env: hostileEnv(hostile, sandbox.env.BIGCOMMERCE_ACCESS_TOKEN),
      timeoutMs: RUN_TIMEOUT_MS,
    });
    const results = await readResults(output);
    checkInvariants({ inputRows: 2, results, run, expectCode: 1, input, sandbox });
    expect(hostile.answered()).toBe(2); // the page was served to both attempts of the PUT
    expect(results.rows.map((row) => row.result)).toEqual(["needs_review", "updated"]);
    expect(results.rows[0]?.error_code).toBe("E_HTTP_STATUS");
    expect((results.rows[0]?.error ?? "").length).toBeLessThan(1000);
    expect(sandbox.store.getOrder(12346)?.staff_notes).toBe("note for 12346");
  });

  it("SIGTERM right after the page of '<' arrived is handled at once: exit 143, every row has a result", async () => {
    const sandbox = await startE2eSandbox();
    const hostile = await startHostile(sandbox, (route) => {
      if (route === "PUT /orders/12345") {
        return {
          kind: "answer",
          status: 500,
          headers: { "Content-Type": "text/html" },
          body: PAGE,
        };
      }
      return route === "PUT /orders/12346" ? { kind: "hang" } : { kind: "forward" };
    });
    const { file, output, input } = await noteRows([12345, 12346]);
    const cli = spawnCli([file, "--max-attempts", "1", "--grace", "0.3"], {
      env: hostileEnv(hostile, sandbox.env.BIGCOMMERCE_ACCESS_TOKEN),
      timeoutMs: RUN_TIMEOUT_MS,
    });
    await waitUntil(
      () => hostile.answered() >= 1 && hostile.received.includes("PUT /orders/12346"),
      { what: "the page served and the second PUT hanging" },
    );
    cli.child.kill("SIGTERM");
    const run: CliResult = await cli.result;
    const results = await readResults(output);
    checkInvariants({ inputRows: 2, results, run, expectCode: 143, input, sandbox });
    expect(results.rows[0]).toMatchObject({ result: "needs_review", error_code: "E_HTTP_STATUS" });
    expect(results.rows[1]?.result).toBe("needs_review");
  });

  it("a 200 whose body passes the 16 MiB cap: that row fails with E_RESPONSE_TOO_LARGE, the other is applied", async () => {
    const sandbox = await startE2eSandbox();
    // A well-formed order, padded past the cap: read in full, the old code took it as applied.
    const huge = JSON.stringify({
      id: 12345,
      status_id: 11,
      staff_notes: "x".repeat(17 * 1024 * 1024),
    });
    const hostile = await startHostile(sandbox, (route) =>
      route === "PUT /orders/12345"
        ? { kind: "answer", status: 200, body: huge }
        : { kind: "forward" },
    );
    const { file, output, input } = await noteRows([12345, 12346]);
    const run = await runCli([file, ...FAST], {
      env: hostileEnv(hostile, sandbox.env.BIGCOMMERCE_ACCESS_TOKEN),
      timeoutMs: RUN_TIMEOUT_MS,
    });
    const results = await readResults(output);
    checkInvariants({ inputRows: 2, results, run, expectCode: 1, input, sandbox });
    // The PUT was answered (so maybe applied), but what it made cannot be read: needs_review.
    expect(results.rows[0]).toMatchObject({
      result: "needs_review",
      error_code: "E_RESPONSE_TOO_LARGE",
    });
    expect(results.rows[1]?.result).toBe("updated");
    // Not retried: one PUT for the oversized answer.
    expect(hostile.received.filter((route) => route === "PUT /orders/12345")).toHaveLength(1);
  });
});

// ---- 10. Absurd reset times ----

describe("10. an absurd X-Rate-Limit-Time-Reset-Ms is clamped to the store's window", () => {
  const ORDERS = [12345, 12346, 12347, 12348];

  it.each([
    { label: "an hour", resetMs: "3600000" },
    { label: "past setTimeout's range (2^31 ms)", resetMs: String(2 ** 31 + 5_000) },
    { label: "thirteen digits", resetMs: "9999999999999" },
  ])(
    "every 200 says no requests left, reset in $label, window 300 ms: the run completes, no TimeoutOverflowWarning",
    async ({ resetMs }) => {
      const sandbox = await startE2eSandbox();
      const hostile = await startHostile(sandbox, () => ({
        kind: "forward",
        headers: {
          "X-Rate-Limit-Requests-Quota": "100",
          "X-Rate-Limit-Requests-Left": "0",
          "X-Rate-Limit-Time-Reset-Ms": resetMs,
          "X-Rate-Limit-Time-Window-Ms": "300",
        },
      }));
      const { file, output, input } = await noteRows(ORDERS);
      const run = await runCli([file], {
        env: hostileEnv(hostile, sandbox.env.BIGCOMMERCE_ACCESS_TOKEN),
        timeoutMs: RUN_TIMEOUT_MS,
      });
      const results = await readResults(output);
      checkInvariants({
        inputRows: 4,
        results,
        run,
        expectCode: 0,
        input,
        sandbox,
        allowedResults: ["updated"],
      });
      for (const row of results.rows) {
        expect(sandbox.store.getOrder(Number(row.order_id))?.staff_notes).toBe(row.staff_notes);
      }
      expect(run.stderr).not.toContain("TimeoutOverflowWarning");
    },
  );

  it("a 429 asking for an hour (X-Retry-After: 3600) waits about the window, then the row is applied", async () => {
    const sandbox = await startE2eSandbox();
    let limited = 0;
    const hostile = await startHostile(sandbox, (route) => {
      const window = { "X-Rate-Limit-Requests-Quota": "100", "X-Rate-Limit-Time-Window-Ms": "300" };
      if (route === "PUT /orders/12345" && limited === 0) {
        limited += 1;
        return {
          kind: "answer",
          status: 429,
          headers: {
            ...window,
            "X-Rate-Limit-Requests-Left": "0",
            "X-Rate-Limit-Time-Reset-Ms": "3600000",
            "X-Retry-After": "3600",
          },
          body: JSON.stringify([{ status: 429, message: "Too many requests" }]),
        };
      }
      return {
        kind: "forward",
        headers: {
          ...window,
          "X-Rate-Limit-Requests-Left": "90",
          "X-Rate-Limit-Time-Reset-Ms": "200",
        },
      };
    });
    const { file, output, input } = await noteRows([12345, 12346]);
    const run = await runCli([file], {
      env: hostileEnv(hostile, sandbox.env.BIGCOMMERCE_ACCESS_TOKEN),
      timeoutMs: RUN_TIMEOUT_MS,
    });
    const results = await readResults(output);
    checkInvariants({
      inputRows: 2,
      results,
      run,
      expectCode: 0,
      input,
      sandbox,
      allowedResults: ["updated"],
    });
    expect(limited).toBe(1);
    expect(hostile.received.filter((route) => route === "PUT /orders/12345")).toHaveLength(2);
    expect(run.stderr).not.toContain("TimeoutOverflowWarning");
  });
});
