/**
 * Runs the BUILT command line (`node dist/cli.js`, built by `npm run build` before vitest in
 * `npm test`) as a child process, the way users run it (issues 2, 4, 5). nock cannot reach a child
 * process, so end-to-end tests point it at a sandbox store on 127.0.0.1 (see e2e.ts).
 * Every CLI run is a canary test too (issue 5): its stdout and stderr must not hold the access
 * tokens it was given (cliSecrets), or the run rejects with E_SECRET_LEAK.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { onTestFinished } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import {
  checkInvariants,
  MIN_SECRET_LENGTH,
  maskSecrets,
  readResults,
  recordRunSecrets,
  sandboxEnv,
  tempDir,
  whereSecretsAppear,
  writeCsv,
} from "./e2e.js";

// One import for end-to-end tests: the files, results and invariant helpers live in e2e.ts.
export * from "./e2e.js";

/** The package root (absolute, no trailing separator). */
export const REPO_ROOT: string = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** The built command line. */
export const CLI_PATH: string = join(REPO_ROOT, "dist", "cli.js");

/** Default for `timeoutMs`: generous, so a slow 2-core CI box never kills a healthy run. */
export const DEFAULT_TIMEOUT_MS = 60_000;

export type OutputStream = "stdout" | "stderr";

export interface CliResult {
  /** Exit code; null when the child was ended by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** Added to the child's minimal environment (see childEnv). */
  env?: Record<string, string>;
  /** @default REPO_ROOT */
  cwd?: string;
  /** After this many ms the child is sent SIGKILL and the result rejects with E_CLI_TIMEOUT. @default 60000 */
  timeoutMs?: number;
  /** Written to the child's stdin, which is then closed. @default stdin is /dev/null */
  stdin?: string | Buffer;
  /**
   * Strings that must appear in neither stdout nor stderr: a match rejects the run with
   * E_SECRET_LEAK. spawnCli and runCli add the run's access tokens themselves (see cliSecrets).
   * @default []
   */
  secrets?: readonly string[];
}

/** Failures of the harness itself (not of the CLI under test), with a stable `code`. */
export class CliHarnessError extends Error {
  /**
   * `E_CLI_TIMEOUT`, `E_CLI_NOT_BUILT`, `E_CLI_SPAWN`, `E_CLI_WAIT_TIMEOUT`, `E_CLI_EXITED`, and
   * `E_SECRET_LEAK` (a secret in the output). Known secrets are masked in every field and message.
   */
  readonly code: string;
  readonly args: readonly string[];
  /** Output captured so far. */
  readonly stdout: string;
  readonly stderr: string;

  constructor(
    code: string,
    message: string,
    context: { args: readonly string[]; stdout: string; stderr: string; cause?: unknown },
  ) {
    super(
      `${message}\n  command: node ${context.args.join(" ")}\n  stderr: ${excerpt(context.stderr)}\n  stdout: ${excerpt(context.stdout)}`,
      context.cause === undefined ? undefined : { cause: context.cause },
    );
    this.name = "CliHarnessError";
    this.code = code;
    this.args = context.args;
    this.stdout = context.stdout;
    this.stderr = context.stderr;
  }
}

/** The last 4000 characters: the end of a run's output is where the reason is. */
function excerpt(text: string): string {
  if (text === "") return "(empty)";
  const tail = text.length > 4000 ? `…${text.slice(-4000)}` : text;
  return tail.replaceAll("\n", "\n    ");
}

/** Inherited from the test process when set: PATH to find tools, HOME, and the locale and zone. */
const INHERITED = ["PATH", "HOME", "LANG", "TZ"] as const;

/**
 * The child's environment: a minimal clean one plus `extra`. Nothing else is inherited; above all
 * no BIGCOMMERCE_* variable of the developer's shell (a test must never reach a real store), and no
 * NODE_OPTIONS (vitest's loaders and inspector flags would change the child).
 */
export function childEnv(
  extra: Record<string, string> = {},
  parent: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = parent[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...extra };
}

export interface SpawnedCli {
  readonly child: ChildProcess;
  /**
   * Settles when the child has exited and its output is complete. Rejects with E_SECRET_LEAK when
   * a secret (see CliOptions.secrets, cliSecrets) appears in stdout or stderr.
   */
  readonly result: Promise<CliResult>;
  /** Output so far. */
  output(stream?: OutputStream): string;
  /**
   * Resolves once the stream's output so far (already-received output counts) matches `pattern`.
   * Rejects with E_CLI_EXITED when the child exits first, E_CLI_WAIT_TIMEOUT after `timeoutMs`.
   * @param stream @default "stderr" (the CLI's progress and messages go there; stdout has results or JSON)
   * @param timeoutMs @default 30000
   */
  waitForOutput(pattern: RegExp, stream?: OutputStream, timeoutMs?: number): Promise<void>;
}

/**
 * Starts `node …nodeArgs` with the harness's environment, timeout and output capture. The CLI
 * helpers below use it; self-tests use it with small scripts (`-e`). Checks the output for
 * `options.secrets` only.
 * The child is killed when the current test finishes, if it is still running.
 */
export function spawnNode(nodeArgs: readonly string[], options: CliOptions = {}): SpawnedCli {
  return start(nodeArgs, options, () => []);
}

/**
 * A promise that knows whether anyone subscribed to it (await, then, catch, finally): a leak the
 * test has seen, and perhaps expected, is not reported again when the test ends (afterTest).
 */
class WatchedPromise<T> extends Promise<T> {
  // Promises derived with then() are plain ones.
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  watched = false;

  // biome-ignore lint/suspicious/noThenProperty: a Promise subclass; it only records the subscription.
  override then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.watched = true;
    return super.then(onFulfilled, onRejected);
  }
}

/**
 * spawnNode, with `runSecrets()` checked too: called when the run starts, and again when it ends
 * (with the result, unless the child could not start).
 */
function start(
  nodeArgs: readonly string[],
  options: CliOptions,
  runSecrets: (run?: CliResult) => readonly string[],
): SpawnedCli {
  const args = [...nodeArgs];
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const given = (options.secrets ?? []).filter((secret) => secret !== "");
  let secrets = unique([...given, ...runSecrets()]);
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: childEnv(options.env),
    stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  const chunks: Record<OutputStream, string> = { stdout: "", stderr: "" };
  /** A harness error whose message and fields show no secret (a test report must not leak it). */
  const harnessError = (code: string, message: string, cause?: unknown): CliHarnessError =>
    new CliHarnessError(code, message, {
      args: args.map((arg) => maskSecrets(arg, secrets)),
      stdout: maskSecrets(chunks.stdout, secrets),
      stderr: maskSecrets(chunks.stderr, secrets),
      ...(cause === undefined ? {} : { cause }),
    });
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const listener of listeners) listener();
  };
  for (const stream of ["stdout", "stderr"] as const) {
    // setEncoding keeps a multi-byte character split across chunks in one piece.
    child[stream]?.setEncoding("utf8");
    child[stream]?.on("data", (text: string) => {
      chunks[stream] += text;
      notify();
    });
  }
  if (options.stdin !== undefined) {
    child.stdin?.on("error", () => {}); // EPIPE when the child exits without reading
    child.stdin?.end(options.stdin);
  }

  let exited = false;
  let leak: CliHarnessError | undefined;
  const settled = new Promise<CliResult>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      exited = true;
      notify();
      reject(harnessError("E_CLI_SPAWN", `Could not start node: ${error.message}`, error));
    });
    // "close", not "exit": it fires once stdout and stderr are fully read.
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      exited = true;
      const run: CliResult = { code, signal, stdout: chunks.stdout, stderr: chunks.stderr };
      // Read again: a credentials file may have been written or changed during the run.
      secrets = unique([...secrets, ...runSecrets(run)]);
      const found = whereSecretsAppear(
        [
          ["stdout", chunks.stdout],
          ["stderr", chunks.stderr],
        ],
        secrets,
      );
      if (found.length > 0) {
        leak = harnessError(
          "E_SECRET_LEAK",
          `A secret appears in the output (issue 5): ${found.join("; ")} (shown masked below)${timedOut ? "; the command was also killed after the timeout" : ""}`,
        );
      }
      notify();
      if (leak) {
        reject(leak);
        return;
      }
      if (timedOut) {
        reject(
          harnessError(
            "E_CLI_TIMEOUT",
            `The command did not finish within ${timeoutMs} ms and was killed (SIGKILL)`,
          ),
        );
        return;
      }
      resolve(run);
    });
  });
  settled.catch(() => {});
  const result = new WatchedPromise<CliResult>((resolve, reject) => {
    settled.then(resolve, reject);
  });
  // A test that does not await the result must not produce an unhandled rejection (the base
  // class's then() does not count as watching); afterTest still reports a leak.
  Promise.prototype.then.call(result, undefined, () => {});
  afterTest(child, settled, () => (result.watched ? undefined : leak));

  const waitForOutput = (
    pattern: RegExp,
    stream: OutputStream = "stderr",
    waitMs = 30_000,
  ): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      // A /g or /y pattern keeps lastIndex between test() calls; a copy without them does not.
      const matcher = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ""));
      let timer: NodeJS.Timeout | undefined;
      const stop = (): void => {
        listeners.delete(check);
        clearTimeout(timer);
      };
      const check = (): void => {
        if (matcher.test(chunks[stream])) {
          stop();
          resolve();
        } else if (exited) {
          stop();
          reject(
            harnessError(
              "E_CLI_EXITED",
              `The command exited before its ${stream} matched ${pattern}`,
            ),
          );
        }
      };
      timer = setTimeout(() => {
        stop();
        reject(
          harnessError(
            "E_CLI_WAIT_TIMEOUT",
            `The command's ${stream} did not match ${pattern} within ${waitMs} ms`,
          ),
        );
      }, waitMs);
      listeners.add(check);
      check();
    });

  return {
    child,
    result,
    output: (stream = "stderr") => chunks[stream],
    waitForOutput,
  };
}

/** Runs `node …nodeArgs` to the end. */
export function runNode(nodeArgs: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return spawnNode(nodeArgs, options).result;
}

/**
 * Starts the built CLI, for tests that act during the run (signals). Its output is checked for
 * the run's access tokens (cliSecrets) and `options.secrets`.
 */
export function spawnCli(args: readonly string[], options: CliOptions = {}): SpawnedCli {
  assertBuilt();
  const cwd = options.cwd ?? REPO_ROOT;
  // The latest tokens become the default secrets of readResults and checkInvariants.
  return start([CLI_PATH, ...args], options, (run) => {
    const secrets = [...(options.secrets ?? []), ...cliSecrets(args, options.env ?? {}, cwd)];
    recordRunSecrets(secrets, run);
    return secrets;
  });
}

/**
 * Runs the built CLI to the end. Rejects only for harness failures (not built, timeout) and for
 * an access token in its output (E_SECRET_LEAK).
 */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  try {
    return spawnCli(args, options).result;
  } catch (error) {
    return Promise.reject(error);
  }
}

// ---- Secrets of a CLI run (issue 5: "a canary token test greps every output of the suite") ----

/** The command that prints a store's settings, token included, by design (its export lines). */
const PRINTS_ITS_TOKEN: ReadonlySet<string> = new Set(["sandbox"]);

/**
 * The access tokens a CLI run is given: BIGCOMMERCE_ACCESS_TOKEN of `env`, and every access_token
 * of the credentials files it names (`--credentials FILE`, `--credentials=FILE`,
 * BIGCOMMERCE_CREDENTIALS_FILE; relative to `cwd`), even from a file the CLI refuses (bad JSON,
 * open permissions). Tokens shorter than MIN_SECRET_LENGTH are left out. None for the `sandbox`
 * command. Never throws: an unreadable file has no tokens.
 */
export function cliSecrets(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  cwd: string = REPO_ROOT,
): string[] {
  const command = args.find((arg) => !arg.startsWith("-"));
  if (command !== undefined && PRINTS_ITS_TOKEN.has(command)) return [];
  const files: string[] = [];
  args.forEach((arg, i) => {
    if (arg === "--credentials" && args[i + 1] !== undefined) files.push(args[i + 1] as string);
    else if (arg.startsWith("--credentials=")) files.push(arg.slice("--credentials=".length));
  });
  const fromEnv = env.BIGCOMMERCE_CREDENTIALS_FILE;
  if (fromEnv) files.push(fromEnv);
  const tokens = [env.BIGCOMMERCE_ACCESS_TOKEN ?? ""];
  for (const file of files) {
    try {
      tokens.push(...credentialsTokens(readFileSync(resolve(cwd, file), "utf8")));
    } catch {
      // Missing or unreadable: the CLI cannot have read a token from it either.
    }
  }
  return unique(tokens.filter((token) => token.length >= MIN_SECRET_LENGTH));
}

/**
 * Every access_token of a credentials file's text: of each entry when it is JSON, and anything
 * that looks like `"access_token": "…"` when it is not (a broken file still holds real tokens).
 */
export function credentialsTokens(text: string): string[] {
  const tokens: string[] = [];
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === "object") {
      for (const entry of Object.values(parsed)) {
        const token: unknown = (entry as { access_token?: unknown } | null)?.access_token;
        if (typeof token === "string") tokens.push(token);
      }
    }
  } catch {
    // Not JSON: the pattern below still finds the tokens.
  }
  for (const match of text.matchAll(/"access_token"\s*:\s*"((?:[^"\\]|\\.)*)"/g)) {
    const raw = match[1] ?? "";
    try {
      tokens.push(JSON.parse(`"${raw}"`) as string);
    } catch {
      tokens.push(raw);
    }
  }
  return unique(tokens.filter((token) => token !== ""));
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** Throws E_CLI_NOT_BUILT when dist/cli.js is missing, rather than a baffling MODULE_NOT_FOUND. */
export function assertBuilt(): void {
  if (!existsSync(CLI_PATH)) {
    throw new CliHarnessError(
      "E_CLI_NOT_BUILT",
      `${CLI_PATH} does not exist: run \`npm run build\` first (\`npm test\` does)`,
      { args: [CLI_PATH], stdout: "", stderr: "" },
    );
  }
}

/** How long afterTest waits for a killed child to close before giving up on its leak check. */
const CLOSE_WAIT_MS = 5_000;

/**
 * When the running test finishes: kill the child if it still runs (a failed assertion must not
 * leak it), then fail the test if its output held a secret that the test never saw (it did not
 * await the result).
 */
function afterTest(
  child: ChildProcess,
  settled: Promise<CliResult>,
  unseenLeak: () => CliHarnessError | undefined,
): void {
  try {
    onTestFinished(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await Promise.race([
        settled.catch(() => {}),
        delay(CLOSE_WAIT_MS, undefined, { ref: false }),
      ]);
      const error = unseenLeak();
      if (error) throw error;
    });
  } catch {
    // Not inside a test (beforeAll, module scope): the timeout is the backstop.
  }
}

/**
 * Writes `rows` under `header` to a file, runs the built CLI on it against `store` (results to a
 * file beside it), checks the run's invariants (exit code `expectCode`), and returns the results
 * with the requests the store handled during the run.
 */
export async function runRows(
  store: Sandbox,
  header: string[],
  rows: string[][],
  args: readonly string[] = [],
  expectCode = 0,
) {
  const dir = await tempDir("bc-rows-");
  const file = await writeCsv(join(dir, "in.csv"), header, rows);
  const output = join(dir, "out.csv");
  const before = store.stats().requestLog.length;
  const cli = await runCli([file, "-o", output, ...args], { env: sandboxEnv(store) });
  const results = await readResults(output);
  checkInvariants({
    inputRows: rows.length,
    results,
    sandbox: store,
    run: cli,
    expectCode,
    input: { header, rows },
  });
  return { results, cli, file, output, requests: store.stats().requestLog.slice(before) };
}
