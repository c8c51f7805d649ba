// Vitest global set-up: the end-to-end tests run the built CLI (dist/), so a `npx vitest run`
// after editing src/ must not silently test the previous build. Rebuild when any file under src/
// is newer than the build's stamp (or there is no build yet); `npm test` has just built, so there
// this costs one directory walk.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    if (mtime > newest) newest = mtime;
  }
  return newest;
}

/** The oldest output the build must have made: the CLI entry and the library entry. */
function buildMtime(): number {
  const outputs = ["dist/cli.js", "dist/index.js"].map((file) => join(root, file));
  if (!outputs.every((file) => existsSync(file))) return 0;
  return Math.min(...outputs.map((file) => statSync(file).mtimeMs));
}

export default function setup(): void {
  const sources = Math.max(
    newestMtime(join(root, "src")),
    statSync(join(root, "tsconfig.build.json")).mtimeMs,
  );
  if (buildMtime() >= sources) return;
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  // A failing build fails the run here, with tsc's own messages.
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], {
    cwd: root,
    stdio: "inherit",
  });
}
