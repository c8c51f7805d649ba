/**
 * Runs the BUILT command line (`node dist/cli.js`, built by `npm run build` before vitest in
 * `npm test`) as a child process, the way users run it (issues 2, 4, 5). nock cannot reach a child
 * process, so end-to-end tests point it at a sandbox store on 127.0.0.1 (see e2e.ts).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { onTestFinished } from "vitest";

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
}

/** Failures of the harness itself (not of the CLI under test), with a stable `code`. */
export class CliHarnessError extends Error {
  /** `E_CLI_TIMEOUT`, `E_CLI_NOT_BUILT`, `E_CLI_SPAWN`, `E_CLI_WAIT_TIMEOUT`, `E_CLI_EXITED`. */
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
  /** Settles when the child has exited and its output is complete. */
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
 * helpers below use it; self-tests use it with small scripts (`-e`).
 * The child is killed when the current test finishes, if it is still running.
 */
export function spawnNode(nodeArgs: readonly string[], options: CliOptions = {}): SpawnedCli {
  const args = [...nodeArgs];
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: childEnv(options.env),
    stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  const chunks: Record<OutputStream, string> = { stdout: "", stderr: "" };
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
  const result = new Promise<CliResult>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      exited = true;
      notify();
      reject(
        new CliHarnessError("E_CLI_SPAWN", `Could not start node: ${error.message}`, {
          args,
          ...chunks,
          cause: error,
        }),
      );
    });
    // "close", not "exit": it fires once stdout and stderr are fully read.
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      exited = true;
      notify();
      if (timedOut) {
        reject(
          new CliHarnessError(
            "E_CLI_TIMEOUT",
            `The command did not finish within ${timeoutMs} ms and was killed (SIGKILL)`,
            { args, ...chunks },
          ),
        );
        return;
      }
      resolve({ code, signal, stdout: chunks.stdout, stderr: chunks.stderr });
    });
  });
  // A test that does not await the result must not produce an unhandled rejection.
  result.catch(() => {});
  killWhenTestEnds(child);

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
            new CliHarnessError(
              "E_CLI_EXITED",
              `The command exited before its ${stream} matched ${pattern}`,
              { args, ...chunks },
            ),
          );
        }
      };
      timer = setTimeout(() => {
        stop();
        reject(
          new CliHarnessError(
            "E_CLI_WAIT_TIMEOUT",
            `The command's ${stream} did not match ${pattern} within ${waitMs} ms`,
            { args, ...chunks },
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

/** Starts the built CLI, for tests that act during the run (signals). */
export function spawnCli(args: readonly string[], options: CliOptions = {}): SpawnedCli {
  assertBuilt();
  return spawnNode([CLI_PATH, ...args], options);
}

/** Runs the built CLI to the end. Rejects only for harness failures (not built, timeout). */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  try {
    return spawnCli(args, options).result;
  } catch (error) {
    return Promise.reject(error);
  }
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

/** Children of the running test, killed when it finishes (a failed assertion must not leak them). */
function killWhenTestEnds(child: ChildProcess): void {
  try {
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    });
  } catch {
    // Not inside a test (beforeAll, module scope): the timeout is the backstop.
  }
}
