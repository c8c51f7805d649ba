/**
 * Issue 14: the command printed after a stop is pasted into a shell as is, so every argument must
 * come back exactly: checked against a real POSIX shell.
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { resumeCommand, shellQuote } from "../../src/output/resume-command.js";

/** The arguments a POSIX shell reads from `command` (its first word, the program, dropped). */
function shellWords(command: string): string[] {
  const out = execFileSync("sh", ["-c", `set -- ${command}; shift; printf '%s\\0' "$@"`], {
    encoding: "utf8",
  });
  return out.split("\0").slice(0, -1);
}

describe("shellQuote", () => {
  it.each([
    "plain.csv",
    "my orders.csv",
    "it's.csv",
    "a'b'c",
    "$HOME/x.csv",
    "`date`.csv",
    "semi;colon",
    "star*.csv",
    "Order Number=order_id,Tracking=tracking_number",
    "tab\there",
    "new\nline",
    "",
    "émoji 🚚.csv",
  ])("%j reads back unchanged through sh", (arg) => {
    expect(shellWords(`prog ${shellQuote(arg)}`)).toEqual([arg]);
  });
});

describe("resumeCommand", () => {
  it("repeats the input, -o and the flags that matter, then --resume", () => {
    const command = resumeCommand({
      input: "in box/orders 1.csv",
      output: "out dir/results.csv",
      map: ["Order Number=order_id", "@my map.txt"],
      credentials: "stores file.json",
      credentialsId: "eu-store",
      encoding: "windows-1252",
      delimiter: "semicolon",
      allowExtraColumns: true,
      excel: true,
      concurrency: 8,
      timeout: 30,
      grace: 5,
      reserve: 20,
    });
    expect(command?.startsWith("bc-order-batch ")).toBe(true);
    const words = shellWords(command as string);
    expect(words[0]).toBe("in box/orders 1.csv");
    expect(words.at(-1)).toBe("--resume");
    const pairs = new Map<string, string[]>();
    for (let i = 1; i < words.length - 1; i++) {
      const flag = words[i] as string;
      const next = words[i + 1];
      if (next !== undefined && !next.startsWith("--") && flag.startsWith("-")) {
        pairs.set(flag, [...(pairs.get(flag) ?? []), next]);
        i++;
      } else pairs.set(flag, []);
    }
    expect(Object.fromEntries(pairs)).toEqual({
      "-o": ["out dir/results.csv"],
      "--map": ["Order Number=order_id", "@my map.txt"],
      "--credentials": ["stores file.json"],
      "--credentials-id": ["eu-store"],
      "--encoding": ["windows-1252"],
      "--delimiter": ["semicolon"],
      "--allow-extra-columns": [],
      "--excel": [],
      "--concurrency": ["8"],
      "--grace": ["5"],
      "--reserve": ["20"],
    });
  });

  it("a dry run resumes as a dry run", () => {
    expect(shellWords(resumeCommand({ input: "o.csv", dryRun: true }) as string)).toEqual([
      "o.csv",
      "--dry-run",
      "--resume",
    ]);
  });

  it("resumes with the same way of reading orders", () => {
    expect(shellWords(resumeCommand({ input: "o.csv", reads: "per-order" }) as string)).toEqual([
      "o.csv",
      "--reads",
      "per-order",
      "--resume",
    ]);
  });

  it("an input named like a flag stays the input", () => {
    expect(shellWords(resumeCommand({ input: "-x.csv" }) as string)[0]).toBe("./-x.csv");
  });

  it("none when the results went to stdout (nothing to resume from)", () => {
    expect(resumeCommand({ input: "o.csv", output: "-" })).toBeUndefined();
  });
});
