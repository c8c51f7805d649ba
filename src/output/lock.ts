/**
 * One run per results file (issue 3, "two runs at once"): a run takes `<results>.lock`, created
 * atomically (`wx`: O_CREAT | O_EXCL), before it sends any request or touches the results. A
 * second run on the same results file stops at once with ResultsLockedError (E_RESULTS_LOCKED,
 * exit 2) naming the holder, instead of interleaving lines, POSTing tracking numbers twice or
 * renaming its own results over the first run's.
 *
 * This module is the one place of the library that reads `process` globals, because a lock
 * cannot work without them: `process.pid` is what the lock records, and `process.kill(pid, 0)`
 * (signal 0: checks, sends nothing) is the only way to tell a stale lock, whose run is gone, from
 * a live one. Everything else (exit codes, printing) stays in cli.ts.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { setTimeout as delay } from "node:timers/promises";
import { BatchError } from "../errors.js";
import { describeError, isStreamLike, OutputFileError } from "./write-results.js";

/** What a lock file holds (JSON). `token` tells this process's lock from a successor's. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** ISO 8601 start time of the run that holds the lock. */
  readonly started: string;
  readonly token?: string;
}

/**
 * Another run holds the results file's lock (E_RESULTS_LOCKED, exit 2). `holder` is undefined
 * when the lock file could not be read as a lock (empty or damaged).
 */
export class ResultsLockedError extends BatchError {
  readonly lockPath: string;
  readonly holder: LockHolder | undefined;

  constructor(
    message: string,
    context: { lockPath: string; holder?: LockHolder; cause?: unknown },
  ) {
    super("E_RESULTS_LOCKED", message, { cause: context.cause });
    this.lockPath = context.lockPath;
    this.holder = context.holder;
  }
}

/** `orders.results.csv` → `orders.results.csv.lock`. */
export function lockPathOf(resultsPath: string): string {
  return `${resultsPath}.lock`;
}

/** A lock this process holds; `release` is idempotent and never throws. */
export interface ResultsLock {
  readonly path: string;
  /** Set when a stale lock (its run gone) was taken over: what to tell the user. */
  readonly warning: string | undefined;
  release(): void;
}

/** Locks this process holds, so that an exit that skips `finally` (a second Ctrl-C) still frees them. */
const held = new Map<string, string>();

/** Removes `path` if it still holds `token` (never a successor's lock). */
function removeIfOurs(path: string, token: string): void {
  try {
    if (parseHolder(readFileSync(path, "utf8"))?.token === token) rmSync(path, { force: true });
  } catch {
    // Gone already, or unreadable: nothing of ours to remove.
  }
}

/**
 * Frees every lock this process holds, synchronously: for an exit that runs no `finally`
 * (cli.ts calls it before `process.exit` on a second interrupt).
 */
export function releaseHeldLocksSync(): void {
  for (const [path, token] of held) removeIfOurs(path, token);
  held.clear();
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder> | null;
    if (
      value !== null &&
      typeof value === "object" &&
      Number.isSafeInteger(value.pid) &&
      typeof value.host === "string" &&
      typeof value.started === "string"
    ) {
      return value as LockHolder;
    }
  } catch {
    // Not JSON: no holder.
  }
  return undefined;
}

/** Whether process `pid` of this host still runs. EPERM: it runs, as another user. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

function describe(holder: LockHolder): string {
  return `pid ${holder.pid} on host ${holder.host}, started ${holder.started}`;
}

/** Reads a lock file; a file caught between its creation and its write is read again shortly. */
async function readHolder(path: string): Promise<{ text: string; holder: LockHolder | undefined }> {
  let text = "";
  for (let attempt = 0; attempt < 5; attempt++) {
    text = readFileSync(path, "utf8");
    const holder = parseHolder(text);
    if (holder) return { text, holder };
    await delay(50);
  }
  return { text, holder: undefined };
}

/**
 * Takes the lock of results file `resultsPath`, or throws ResultsLockedError. A lock left by a run
 * of this host whose process is gone (kill -9, a crash, a power cut) is taken over, with a
 * `warning`; a lock of another host is never taken over (its pid cannot be checked from here).
 * Other failures to create the lock file (a missing directory, permissions) are thrown as they are.
 */
export async function acquireResultsLock(
  resultsPath: string,
  options: { readonly now?: Date } = {},
): Promise<ResultsLock> {
  const path = lockPathOf(resultsPath);
  const token = randomBytes(12).toString("hex");
  const host = hostname();
  const mine: LockHolder = {
    pid: process.pid,
    host,
    started: (options.now ?? new Date()).toISOString(),
    token,
  };
  let warning: string | undefined;
  // Two rounds at most: the first may find a stale lock and remove it.
  for (let round = 0; round < 2; round++) {
    try {
      writeFileSync(path, `${JSON.stringify(mine)}\n`, { flag: "wx", mode: 0o644 });
      held.set(path, token);
      return {
        path,
        warning,
        release: () => {
          if (held.get(path) !== token) return;
          held.delete(path);
          removeIfOurs(path, token);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    let found: { text: string; holder: LockHolder | undefined };
    try {
      found = await readHolder(path);
    } catch (error) {
      // Removed between our attempt and the read: the holder just finished; try again.
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw error;
    }
    const { holder } = found;
    if (holder === undefined) {
      throw new ResultsLockedError(
        `${resultsPath} is locked by ${path}, which does not hold a readable lock (empty or damaged); if no other run is writing ${resultsPath}, delete ${path} and run again`,
        { lockPath: path },
      );
    }
    if (holder.host !== host) {
      throw new ResultsLockedError(
        `${resultsPath} is in use by another run: ${describe(holder)} (lock file ${path}). A lock from another host is never taken over, since whether its process still runs cannot be checked from here; if that run is gone, delete ${path} and run again`,
        { lockPath: path, holder },
      );
    }
    if (holder.pid === process.pid || isAlive(holder.pid)) {
      throw new ResultsLockedError(
        `${resultsPath} is in use by another run: ${describe(holder)} (lock file ${path}). Wait for it to finish; two runs on one results file would interleave their results and could repeat requests`,
        { lockPath: path, holder },
      );
    }
    // Stale: its process is gone. Remove it only if it is still that lock (another run may have
    // taken it over a moment ago); then create ours with `wx` again, so of two runs taking over
    // at once only one gets it.
    try {
      if (readFileSync(path, "utf8") === found.text) rmSync(path, { force: true });
    } catch {
      // Gone already.
    }
    warning = `took over the lock ${path} of a run that is gone (${describe(holder)}): it ended without removing it (killed or crashed); its results may be incomplete, --resume completes them`;
  }
  throw new ResultsLockedError(
    `${resultsPath} is in use by another run (lock file ${path}, taken over by another run just now)`,
    { lockPath: path },
  );
}

/**
 * The lock of a results file, as runBatch takes it: none for a device or a pipe (`-o /dev/null`:
 * no file to interleave into, and no lock file can be made in /dev); a lock file that cannot be
 * created (a missing directory, no permission) fails the run like an unwritable results file
 * (E_OUTPUT_UNWRITABLE), before anything is sent.
 */
export async function lockResultsFile(resultsPath: string): Promise<ResultsLock | undefined> {
  try {
    if (isStreamLike(statSync(resultsPath))) return undefined;
  } catch {
    // No file yet: it gets one, hence a lock.
  }
  try {
    return await acquireResultsLock(resultsPath);
  } catch (error) {
    if (error instanceof BatchError) throw error;
    throw new OutputFileError(
      "E_OUTPUT_UNWRITABLE",
      `cannot create the lock file ${lockPathOf(resultsPath)}: ${describeError(error)}`,
      { file: resultsPath, cause: error },
    );
  }
}
