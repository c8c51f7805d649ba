// One table of error codes (src/codes.ts): every code the tool gives is in it, and the README's
// code tables say what the table says.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CODES } from "../../src/codes.js";
import { REPO_ROOT } from "../helpers/cli.js";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "sandbox" ? [] : sourceFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

/** Every `"E_…"` literal in the tool's own sources (the sandbox keeps codes of its own). */
function codesInSources(): Set<string> {
  const found = new Set<string>();
  for (const file of sourceFiles(join(REPO_ROOT, "src"))) {
    for (const match of readFileSync(file, "utf8").matchAll(/["'`](E_[A-Z0-9_]+)["'`]/g)) {
      found.add(match[1] as string);
    }
  }
  return found;
}

/** The codes of the README's tables: rows that start with a code in backticks. */
function codesInReadme(): Set<string> {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  return new Set([...readme.matchAll(/^\| `(E_[A-Z0-9_]+)`/gm)].map((m) => m[1] as string));
}

describe("the error code table", () => {
  it("holds every code the sources give", () => {
    const missing = [...codesInSources()].filter((code) => !(code in CODES));
    expect(missing).toEqual([]);
  });

  it("gives every code a meaning and a fix", () => {
    for (const [code, info] of Object.entries(CODES)) {
      expect(info.meaning, code).not.toBe("");
      expect(info.fix, code).not.toBe("");
    }
  });

  it("matches the README: every code there is in the table, every file and row code is there", () => {
    const readme = codesInReadme();
    expect([...readme].filter((code) => !(code in CODES))).toEqual([]);
    const documented = Object.entries(CODES)
      .filter(([, info]) => info.scope === "file" || info.scope === "row")
      .map(([code]) => code);
    expect(documented.filter((code) => !readme.has(code))).toEqual([]);
  });
});
