// Issue 5 "Secrets and transport": the access token comes from the environment or a credentials
// file, never a flag, and appears in no output: stdout, stderr (--debug included), results and
// failed-rows files, error messages (axios errors carry request headers). Only https leaves the
// machine; plain http only to loopback, checked before any connection is even attempted.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, copyFile, readdir, readFile, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it, onTestFinished } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import {
  CLI_PATH,
  CliHarnessError,
  type CliResult,
  checkInvariants,
  cliSecrets,
  credentialsTokens,
  findViolations,
  lastRunSecrets,
  parseResults,
  REPO_ROOT,
  readResults,
  runCli,
  runNode,
  SecretLeakError,
  sandboxEnv,
  spawnCli,
  startE2eSandbox,
  stderrCodes,
  tempDir,
} from "../helpers/cli.js";

/** Unique per test run: it can only appear in an output if the tool leaked it. */
const CANARY = `canary-${randomBytes(16).toString("hex")}`;
/** A second one, for a second token of the same run. */
const OTHER_CANARY = `canary-${randomBytes(16).toString("hex")}`;

/** Every file a run left in `dir` (results, failed rows, partials), except the inputs the test wrote. */
async function filesIn(dir: string, inputs: readonly string[]): Promise<[string, string][]> {
  const names = (await readdir(dir)).filter((name) => !inputs.includes(join(dir, name)));
  return Promise.all(
    names.map(async (name) => [name, await readFile(join(dir, name), "utf8")] as [string, string]),
  );
}

/** Greps stdout, stderr and every file the run wrote for the canary; returns what it read. */
async function expectNoCanary(
  run: CliResult,
  dir: string,
  inputs: readonly string[],
): Promise<Map<string, string>> {
  const outputs = new Map<string, string>([
    ["stdout", run.stdout],
    ["stderr", run.stderr],
    ...(await filesIn(dir, inputs)),
  ]);
  for (const [where, text] of outputs) {
    // The assertion message names the output, never the canary itself.
    expect(text.includes(CANARY), `the token appears in ${where}`).toBe(false);
  }
  return outputs;
}

async function copySample(dir: string): Promise<string> {
  const input = join(dir, "orders.csv");
  await copyFile(join(REPO_ROOT, "samples/orders.csv"), input);
  return input;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Fast failures: no real backoff in tests. */
const FAST = ["--max-attempts", "2", "--backoff-base-ms", "1", "--backoff-max-ms", "5"];

describe("the access token never appears in any output (canary)", () => {
  it("a run with failures, --debug and --json", async () => {
    const sandbox = await startE2eSandbox({ accessToken: CANARY });
    const dir = await tempDir("bc-secrets-");
    const input = await copySample(dir);
    const run = await runCli([input, "--debug", "--json"], { env: sandboxEnv(sandbox) });

    expect(run.code, run.stderr).toBe(1);
    // The canary really was the token in use: the store accepted it and rows were applied.
    const results = await readResults(join(dir, "orders.results.csv"));
    expect(results.rows.some((row) => row.result === "updated")).toBe(true);
    expect(existsSync(join(dir, "orders.results.failed.csv"))).toBe(true);
    expect(run.stderr).toMatch(/^debug: /m);
    expect(JSON.parse(run.stdout)).toMatchObject({ rows: 16 });
    await expectNoCanary(run, dir, [input]);
  });

  it("the store rejects the token (401), with --debug", async () => {
    const sandbox = await startE2eSandbox({ accessToken: "the-store-wants-another-token" });
    const dir = await tempDir("bc-secrets-");
    const input = await copySample(dir);
    const run = await runCli([input, "--debug"], {
      env: sandboxEnv(sandbox, { BIGCOMMERCE_ACCESS_TOKEN: CANARY }),
    });
    expect(run.code).toBe(2);
    expect(stderrCodes(run.stderr)).toContain("E_CREDENTIALS_REJECTED");
    expect(sandbox.stats().byRoute.order_statuses).toBeGreaterThan(0);
    await expectNoCanary(run, dir, [input]);
  });

  it("the store answers 5xx to every write, with --debug", async () => {
    const sandbox = await startE2eSandbox({
      accessToken: CANARY,
      faults: [
        { method: "PUT", kind: "status", status: 500 },
        { method: "POST", kind: "status", status: 502 },
      ],
    });
    const dir = await tempDir("bc-secrets-");
    const input = await copySample(dir);
    const run = await runCli(
      [input, "--debug", ...FAST, "--retry-budget", "4", "--reconcile-delay-ms", "0"],
      { env: sandboxEnv(sandbox) },
    );
    expect([1, 3]).toContain(run.code);
    expect(run.stderr).toMatch(/"status":50[02]/);
    expect(sandbox.stats().writesApplied).toBe(0);
    await expectNoCanary(run, dir, [input]);
  });

  it("the connection is refused (closed port), with --debug", async () => {
    const dir = await tempDir("bc-secrets-");
    const input = await copySample(dir);
    const run = await runCli([input, "--debug", ...FAST], {
      env: {
        BIGCOMMERCE_STORE_HASH: "sandbox",
        BIGCOMMERCE_ACCESS_TOKEN: CANARY,
        BIGCOMMERCE_API_URL: `http://127.0.0.1:${await closedPort()}`,
      },
    });
    expect(run.code).toBe(2);
    expect(stderrCodes(run.stderr)).toContain("E_NETWORK");
    expect(run.stderr).toMatch(/^\s+at /m); // --debug shows the stack: it must not carry the token either
    await expectNoCanary(run, dir, [input]);
  });

  it("an invalid file, with --debug", async () => {
    const sandbox = await startE2eSandbox({ accessToken: CANARY });
    const dir = await tempDir("bc-secrets-");
    const input = join(dir, "bad.csv");
    await writeFile(input, "order_id,tracking_numbr\n12345,1Z999AA10123456784\n");
    const run = await runCli([input, "--debug"], { env: sandboxEnv(sandbox) });
    expect(run.code).toBe(2);
    expect(stderrCodes(run.stderr)).toContain("E_HEADER_UNKNOWN");
    // The message names the column, as the file spells it.
    expect(run.stderr).toContain('"tracking_numbr"');
    await expectNoCanary(run, dir, [input]);
  });

  it.each([{ source: "the environment" }, { source: "a credentials file" }])(
    "a store that echoes the token in its error bodies and headers (token from $source, redacted everywhere)",
    async ({ source }) => {
      const sandbox = await startE2eSandbox();
      const statuses = JSON.stringify(sandbox.store.listStatuses());
      const tokenOf = (req: IncomingMessage) => String(req.headers["x-auth-token"] ?? "");
      let echoed = 0;
      const echo = createServer((req, res) => {
        const token = tokenOf(req);
        if (token === CANARY) echoed++;
        res.setHeader("X-Echo-Token", token);
        if (req.url?.includes("/order_statuses")) {
          res.writeHead(200, { "Content-Type": "application/json" }).end(statuses);
        } else if (req.url?.includes("/orders/12345")) {
          res
            .writeHead(500, { "Content-Type": "text/html" })
            .end(
              `<html><head><title>Error for ${token}</title></head><body>${token}</body></html>`,
            );
        } else {
          res
            .writeHead(422, { "Content-Type": "application/json" })
            .end(
              JSON.stringify([
                { status: 422, message: `Invalid X-Auth-Token: ${token}`, details: { token } },
              ]),
            );
        }
      });
      const port = await listen(echo);
      const dir = await tempDir("bc-secrets-");
      const input = join(dir, "echo.csv");
      await writeFile(input, "order_id,staff_notes\n12345,a\n12346,b\n");
      const store = {
        BIGCOMMERCE_STORE_HASH: "echo",
        BIGCOMMERCE_ACCESS_TOKEN: CANARY,
        BIGCOMMERCE_API_URL: `http://127.0.0.1:${port}`,
      };
      const credentials = join(dir, "stores.json");
      await writeFile(
        credentials,
        JSON.stringify({
          echo: { store_hash: "echo", access_token: CANARY, api_url: store.BIGCOMMERCE_API_URL },
        }),
        { mode: 0o600 },
      );
      const args = [input, "--debug", ...FAST, "--retry-budget", "4"];
      const run =
        source === "the environment"
          ? await runCli(args, { env: store })
          : await runCli([...args, "--credentials", credentials, "--credentials-id", "echo"]);
      expect([1, 3]).toContain(run.code);
      expect(echoed).toBeGreaterThan(1);
      const outputs = await expectNoCanary(run, dir, [input, credentials]);
      // The store's own words did reach the results (so the check above had something to find).
      const results = outputs.get("echo.results.csv") ?? "";
      expect(results).toContain("Invalid X-Auth-Token");
    },
  );
});

describe("credentials files (canary)", () => {
  it("a credentials file's token is used and never shown, with --debug", async () => {
    const sandbox = await startE2eSandbox({ accessToken: CANARY });
    const dir = await tempDir("bc-secrets-");
    const input = await copySample(dir);
    const credentials = join(dir, "stores.json");
    await writeFile(
      credentials,
      JSON.stringify({
        main: {
          store_hash: sandbox.env.BIGCOMMERCE_STORE_HASH,
          access_token: CANARY,
          api_url: sandbox.url,
        },
      }),
      { mode: 0o600 },
    );
    const run = await runCli([
      input,
      "--debug",
      "--credentials",
      credentials,
      "--credentials-id",
      "main",
    ]);
    expect(run.code, run.stderr).toBe(1);
    const results = await readResults(join(dir, "orders.results.csv"));
    expect(results.rows.some((row) => row.result === "updated")).toBe(true);
    await expectNoCanary(run, dir, [input, credentials]);
  });

  it.each([
    {
      name: "not valid JSON",
      text: `{"main": {"store_hash": "s", "access_token": "${CANARY}"`,
      mode: 0o600,
      code: "E_CREDENTIALS_FILE",
    },
    {
      name: "readable by others",
      text: JSON.stringify({ main: { store_hash: "s", access_token: CANARY } }),
      mode: 0o644,
      code: "E_CREDENTIALS_PERMISSIONS",
    },
    {
      name: "missing store_hash",
      text: JSON.stringify({ main: { access_token: CANARY } }),
      mode: 0o600,
      code: "E_CREDENTIALS_FILE",
    },
  ])(
    "a credentials file $name is refused without quoting it, with --debug",
    async ({ text, mode, code }) => {
      const dir = await tempDir("bc-secrets-");
      const input = await copySample(dir);
      const credentials = join(dir, "stores.json");
      await writeFile(credentials, text);
      await chmod(credentials, mode);
      const run = await runCli([input, "--debug", "--credentials", credentials]);
      expect(run.code).toBe(2);
      expect(stderrCodes(run.stderr)).toContain(code);
      await expectNoCanary(run, dir, [input, credentials]);
    },
  );
});

describe("no flag takes the token", () => {
  // Labels, not the canary, in the test names: reporters print them.
  it.each([
    { label: "--access-token <token>", flag: ["--access-token", CANARY] },
    { label: "--access-token=<token>", flag: [`--access-token=${CANARY}`] },
    { label: "--token <token>", flag: ["--token", CANARY] },
    { label: "--accessToken <token>", flag: ["--accessToken", CANARY] },
  ])("$label is an unknown argument, and the value is not echoed", async ({ flag }) => {
    const sandbox = await startE2eSandbox({ accessToken: CANARY });
    const dir = await tempDir("bc-secrets-");
    const input = await copySample(dir);
    const run = await runCli([input, ...flag], { env: sandboxEnv(sandbox) });
    expect(run.code).toBe(2);
    expect(stderrCodes(run.stderr)).toEqual(["E_USAGE"]);
    await expectNoCanary(run, dir, [input]);
    expect(sandbox.stats().requests).toBe(0);
  });

  it("validate and check have no token flag either", async () => {
    const sandbox = await startE2eSandbox({ accessToken: CANARY });
    const dir = await tempDir("bc-secrets-");
    const input = await copySample(dir);
    for (const args of [
      ["validate", input, "--access-token", CANARY],
      ["check", "--token", CANARY],
    ]) {
      const run = await runCli(args, { env: sandboxEnv(sandbox) });
      expect(run.code, args[0]).toBe(2);
      expect(stderrCodes(run.stderr)).toEqual(["E_USAGE"]);
      await expectNoCanary(run, dir, [input]);
    }
    expect(sandbox.stats().requests).toBe(0);
  });
});

describe("transport: https, or http to loopback only", () => {
  /**
   * Runs the CLI under a preload that ends the process (exit 99) at the first attempt to resolve a
   * name or open a socket: a URL refused "before any request" must not even try to connect.
   */
  async function runGuarded(
    args: readonly string[],
    env: Record<string, string>,
  ): Promise<CliResult> {
    const dir = await tempDir("bc-secrets-guard-");
    const guard = join(dir, "no-network.mjs");
    await writeFile(
      guard,
      [
        'import dns from "node:dns";',
        'import net from "node:net";',
        "const refuse = (what) => { process.stderr.write(`NETWORK-GUARD: ` + what + `\\n`); process.exit(99); };",
        'net.Socket.prototype.connect = function () { refuse("connect"); };',
        'dns.lookup = function () { refuse("dns.lookup"); };',
        'dns.promises.lookup = function () { refuse("dns.lookup"); };',
      ].join("\n"),
    );
    // runNode checks only the secrets it is given (runCli finds the run's tokens itself).
    return runNode(["--import", pathToFileURL(guard).href, CLI_PATH, ...args], {
      env,
      secrets: [CANARY],
    });
  }

  const storeEnv = (url: string): Record<string, string> => ({
    BIGCOMMERCE_STORE_HASH: "store",
    BIGCOMMERCE_ACCESS_TOKEN: CANARY,
    BIGCOMMERCE_API_URL: url,
  });

  it("the guard itself stops a run that tries to connect (control)", async () => {
    const dir = await tempDir("bc-secrets-");
    const input = await copySample(dir);
    const run = await runGuarded([input], storeEnv("http://127.0.0.1:9"));
    expect(run.code).toBe(99);
    expect(run.stderr).toContain("NETWORK-GUARD");
  });

  it.each([
    { label: "http://example.com", url: "http://example.com" },
    { label: "http://10.0.0.1", url: "http://10.0.0.1" },
    { label: "http://127.0.0.1.example.com", url: "http://127.0.0.1.example.com" },
    { label: "http://localhost.example.com:8080", url: "http://localhost.example.com:8080" },
    { label: "ftp://127.0.0.1", url: "ftp://127.0.0.1" },
    { label: "http://user:<token>@127.0.0.1:9", url: `http://user:${CANARY}@127.0.0.1:9` },
    { label: "not a url", url: "not a url" },
  ])("BIGCOMMERCE_API_URL=$label exits 2 before any connection", async ({ url }) => {
    const dir = await tempDir("bc-secrets-");
    const input = await copySample(dir);
    const run = await runGuarded([input], storeEnv(url));
    expect(run.code, run.stderr).toBe(2);
    expect(stderrCodes(run.stderr)).toEqual(["E_USAGE"]);
    // The message names the setting to fix.
    expect(run.stderr).toContain("BIGCOMMERCE_API_URL");
    expect(run.stderr).not.toContain("NETWORK-GUARD");
    await expectNoCanary(run, dir, [input]);
  });

  it("--api-url, `check` and a credentials file entry are checked the same way", async () => {
    const dir = await tempDir("bc-secrets-");
    const input = await copySample(dir);
    const credentials = join(dir, "stores.json");
    await writeFile(
      credentials,
      JSON.stringify({
        eu: { store_hash: "eu", access_token: CANARY, api_url: "http://10.0.0.1" },
      }),
      { mode: 0o600 },
    );
    const env = storeEnv("https://api.bigcommerce.com");
    for (const args of [
      [input, "--api-url", "http://example.com"],
      ["check", "--api-url", "http://example.com"],
      [input, "--credentials", credentials],
    ]) {
      const run = await runGuarded(args, env);
      expect(run.code, `${args.join(" ")}: ${run.stderr}`).toBe(2);
      expect(stderrCodes(run.stderr)).toEqual(["E_USAGE"]);
      // The message names the setting to fix.
      expect(run.stderr).toContain("BIGCOMMERCE_API_URL");
      expect(run.stderr).not.toContain("NETWORK-GUARD");
      await expectNoCanary(run, dir, [input, credentials]);
    }
  });

  it.each(["http://127.0.0.1", "http://localhost", "http://[::1]", "http://127.0.0.2"])(
    "%s passes the check (the run then fails to connect to a closed port)",
    async (base) => {
      const dir = await tempDir("bc-secrets-");
      const input = await copySample(dir);
      const run = await runCli([input, ...FAST, "--max-attempts", "1"], {
        env: storeEnv(`${base}:${await closedPort()}`),
      });
      expect(run.code).toBe(2);
      // Refused by the store's (closed) port, not by the URL check (E_USAGE).
      const codes = stderrCodes(run.stderr);
      expect(codes).toHaveLength(1);
      expect(["E_NETWORK", "E_TIMEOUT"]).toContain(codes[0]);
      await expectNoCanary(run, dir, [input]);
    },
  );
});

describe("a token pasted where it does not belong is redacted", () => {
  it("the environment's token as an argument: the usage error says [REDACTED]", async () => {
    const canary = "canary-pasted-9f3e2a71";
    const run = await runCli(["orders.csv", canary], { env: { BIGCOMMERCE_ACCESS_TOKEN: canary } });
    expect(run.code).toBe(2);
    expect(stderrCodes(run.stderr)).toEqual(["E_USAGE"]);
    expect(run.stderr).toContain("[REDACTED]");
    expect(`${run.stdout}${run.stderr}`).not.toContain(canary);
  });

  /** A credentials file of two stores (tokens CANARY and OTHER_CANARY), mode 0600; returns its path. */
  async function twoStores(dir: string, sandbox: Sandbox): Promise<string> {
    const credentials = join(dir, "stores.json");
    await writeFile(
      credentials,
      JSON.stringify({
        main: { store_hash: "sandbox", access_token: CANARY, api_url: sandbox.url },
        other: { store_hash: "other", access_token: OTHER_CANARY, api_url: sandbox.url },
      }),
      { mode: 0o600 },
    );
    return credentials;
  }

  /** How a run names its credentials file: arguments and environment. */
  const named = (args: string[], env: Record<string, string> = {}) => ({ args, env });

  it.each([
    { label: "--credentials FILE", how: (file: string) => named(["--credentials", file]) },
    { label: "--credentials=FILE", how: (file: string) => named([`--credentials=${file}`]) },
    {
      label: "BIGCOMMERCE_CREDENTIALS_FILE",
      how: (file: string) => named([], { BIGCOMMERCE_CREDENTIALS_FILE: file }),
    },
  ])(
    "a credentials file's tokens as arguments ($label): redacted before any store is loaded",
    async ({ how }) => {
      const sandbox = await startE2eSandbox();
      const dir = await tempDir("bc-secrets-");
      const input = await copySample(dir);
      const credentials = await twoStores(dir, sandbox);
      const { args, env } = how(credentials);
      const run = await runCli([input, ...args, CANARY, OTHER_CANARY], { env });
      expect(run.code).toBe(2);
      expect(stderrCodes(run.stderr)).toEqual(["E_USAGE"]);
      // Both tokens are named, each as [REDACTED].
      expect(run.stderr.match(/\[REDACTED\]/g)).toHaveLength(2);
      expect(sandbox.stats().requests).toBe(0);
      await expectNoCanary(run, dir, [input, credentials]);
      expect(run.stderr).not.toContain(OTHER_CANARY);
    },
  );

  it("a credentials file's token in the input's header: the header error says [REDACTED], with --debug", async () => {
    const sandbox = await startE2eSandbox();
    const dir = await tempDir("bc-secrets-");
    const input = join(dir, "pasted.csv");
    await writeFile(input, `order_id,${OTHER_CANARY}\n12345,x\n`);
    const credentials = await twoStores(dir, sandbox);
    const run = await runCli([
      input,
      "--debug",
      "--credentials",
      credentials,
      "--credentials-id",
      "main",
    ]);
    expect(run.code).toBe(2);
    expect(stderrCodes(run.stderr)).toEqual(["E_HEADER_UNKNOWN"]);
    // The column is named, as [REDACTED].
    expect(run.stderr).toContain('"[REDACTED]"');
    expect(run.stderr).not.toContain(OTHER_CANARY);
  });
});

describe("the harness greps every CLI run of the suite for its tokens (issue 5)", () => {
  /** A preload that prints what the CLI never should: the token, or the credentials file. */
  async function leakyPreload(dir: string): Promise<string> {
    const file = join(dir, "leak.mjs");
    await writeFile(
      file,
      [
        'import { readFileSync } from "node:fs";',
        'const i = process.argv.indexOf("--credentials");',
        "process.stderr.write(i > 0 ? readFileSync(process.argv[i + 1], 'utf8') : 'LEAK ' + process.env.BIGCOMMERCE_ACCESS_TOKEN + '\\n');",
      ].join("\n"),
    );
    return `--import=${pathToFileURL(file).href}`;
  }

  async function harnessError(promise: Promise<unknown>): Promise<CliHarnessError> {
    const error = await promise.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(CliHarnessError);
    return error as CliHarnessError;
  }

  /** The error shows the leak masked, never the secret itself. */
  function expectMasked(error: CliHarnessError, secret: string): void {
    expect(error.code).toBe("E_SECRET_LEAK");
    for (const text of [error.message, error.stdout, error.stderr, ...error.args]) {
      expect(text.includes(secret), "the harness error repeats the secret").toBe(false);
    }
    expect(error.stderr).toContain("[SECRET #1]");
  }

  it("cliSecrets: the environment's token and every credentials file's, long enough, except for `sandbox`", async () => {
    const dir = await tempDir("bc-secrets-");
    const good = join(dir, "good.json");
    await writeFile(
      good,
      JSON.stringify({ a: { access_token: CANARY }, b: { access_token: "short" }, c: {} }),
    );
    const broken = join(dir, "broken.json");
    await writeFile(broken, `{"x": {"access_token": "${OTHER_CANARY}", "store_hash": `);
    const env = { BIGCOMMERCE_ACCESS_TOKEN: "env-token-123456" };
    expect(cliSecrets(["in.csv"], env)).toEqual(["env-token-123456"]);
    expect(cliSecrets(["in.csv", "--credentials", good], {})).toEqual([CANARY]);
    expect(cliSecrets(["in.csv", `--credentials=${broken}`], env).sort()).toEqual(
      ["env-token-123456", OTHER_CANARY].sort(),
    );
    expect(cliSecrets(["check"], { BIGCOMMERCE_CREDENTIALS_FILE: "good.json" }, dir)).toEqual([
      CANARY,
    ]);
    expect(cliSecrets(["in.csv", "--credentials", join(dir, "missing.json")], {})).toEqual([]);
    expect(cliSecrets(["in.csv"], { BIGCOMMERCE_ACCESS_TOKEN: "wrong" })).toEqual([]);
    expect(cliSecrets(["sandbox", "--port", "0"], env)).toEqual([]);
    expect(credentialsTokens('{"a": {"access_token": "t\\u0041k"}}')).toEqual(["tAk"]);
  });

  it("runCli rejects with E_SECRET_LEAK when the environment's token is in the output, masked", async () => {
    const dir = await tempDir("bc-secrets-");
    const preload = await leakyPreload(dir);
    const error = await harnessError(
      runCli(["--version"], { env: { BIGCOMMERCE_ACCESS_TOKEN: CANARY, NODE_OPTIONS: preload } }),
    );
    expectMasked(error, CANARY);
    // Control: the same run without the preload passes (the check is not always on).
    const run = await runCli(["--version"], { env: { BIGCOMMERCE_ACCESS_TOKEN: CANARY } });
    expect(run.code).toBe(0);
  });

  it("runCli rejects with E_SECRET_LEAK when a credentials file's token is in the output, masked", async () => {
    const dir = await tempDir("bc-secrets-");
    const preload = await leakyPreload(dir);
    const credentials = join(dir, "stores.json");
    await writeFile(
      credentials,
      JSON.stringify({ main: { store_hash: "s", access_token: CANARY } }),
      { mode: 0o600 },
    );
    const error = await harnessError(
      runCli(["--version", "--credentials", credentials], { env: { NODE_OPTIONS: preload } }),
    );
    expectMasked(error, CANARY);
  });

  it("runNode checks the secrets it is given", async () => {
    const print = ["-e", `console.error("token: " + ${JSON.stringify(CANARY)})`];
    expectMasked(await harnessError(runNode(print, { secrets: [CANARY] })), CANARY);
    expect((await runNode(print)).code).toBe(0);
  });

  it.fails("a leaking run the test never awaits still fails the test (expected to fail)", async () => {
    const dir = await tempDir("bc-secrets-");
    const preload = await leakyPreload(dir);
    const spawned = spawnCli(["--version"], {
      env: { BIGCOMMERCE_ACCESS_TOKEN: CANARY, NODE_OPTIONS: preload },
    });
    await spawned.waitForOutput(/LEAK/);
    // Returns without awaiting spawned.result: the harness fails the test when it ends.
  });

  it("readResults and checkInvariants check the latest run's tokens by default", async () => {
    const sandbox = await startE2eSandbox({ accessToken: OTHER_CANARY });
    const dir = await tempDir("bc-secrets-");
    const credentials = join(dir, "stores.json");
    await writeFile(
      credentials,
      JSON.stringify({
        main: { store_hash: "sandbox", access_token: OTHER_CANARY, api_url: sandbox.url },
      }),
      { mode: 0o600 },
    );
    const input = join(dir, "one.csv");
    await writeFile(input, "order_id,staff_notes\n12345,note\n");
    const run = await runCli([input, "--credentials", credentials, "--credentials-id", "main"], {
      env: { BIGCOMMERCE_ACCESS_TOKEN: CANARY },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(lastRunSecrets()).toEqual(expect.arrayContaining([CANARY, OTHER_CANARY]));
    const file = join(dir, "one.results.csv");
    const results = await readResults(file);
    expect(checkInvariants({ inputRows: 1, results, run }).counts).toEqual({ updated: 1 });

    // The same file with a token in a cell: both checks find it, and name it by position only.
    const leaked = results.text.replace("note", OTHER_CANARY);
    await writeFile(file, leaked);
    const error = await readResults(file).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(SecretLeakError);
    expect((error as SecretLeakError).code).toBe("E_SECRET_LEAK");
    expect((error as Error).message).not.toContain(OTHER_CANARY);
    const violations = findViolations({ inputRows: 1, results: parseResults(leaked), run });
    expect(violations.map((v) => v.code)).toEqual(["SECRET_LEAK"]);
    expect(violations[0]?.message).not.toContain(OTHER_CANARY);
  });
});
