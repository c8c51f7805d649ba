// The README's install commands on a fresh clone: `npm ci` builds dist/ (it runs the `prepare`
// script, https://docs.npmjs.com/cli/v11/using-npm/scripts#life-cycle-scripts), then
// `npm install -g .` links a working binary. Run in a copy of the repository without dist/,
// against a private global prefix; the copy borrows this checkout's installed packages (a link),
// so the test runs the prepare step itself rather than a whole `npm ci`.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/cli.js";
import { tempDir } from "../helpers/e2e.js";

const run = promisify(execFile);
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

describe("install from a fresh clone", () => {
  it("prepare (run by npm ci) builds dist/, and npm install -g . puts a working bc-order-batch on the PATH", async () => {
    const dir = await tempDir("bc-install-");
    const clone = join(dir, "clone");
    await mkdir(clone);
    for (const name of [
      "package.json",
      "package-lock.json",
      "tsconfig.json",
      "tsconfig.build.json",
      "src",
      "samples",
    ]) {
      await cp(join(REPO_ROOT, name), join(clone, name), { recursive: true });
    }
    const env = {
      ...process.env,
      npm_config_prefer_offline: "true",
      npm_config_audit: "false",
      npm_config_fund: "false",
    };
    await symlink(join(REPO_ROOT, "node_modules"), join(clone, "node_modules"), "dir");
    expect(existsSync(join(clone, "dist"))).toBe(false);
    await run(npm, ["run", "prepare"], { cwd: clone, env, timeout: 120_000 });
    expect(existsSync(join(clone, "dist", "cli.js"))).toBe(true);
    const prefix = join(dir, "global");
    await run(npm, ["install", "-g", "--prefix", prefix, "."], {
      cwd: clone,
      env,
      timeout: 120_000,
    });
    const version = await run(join(prefix, "bin", "bc-order-batch"), ["--version"], { env });
    const pkg = (await import(join(REPO_ROOT, "package.json"), { with: { type: "json" } })) as {
      default: { version: string };
    };
    expect(version.stdout.trim()).toBe(pkg.default.version);
  }, 180_000);
});
