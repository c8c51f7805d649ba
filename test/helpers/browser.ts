/**
 * A real headless Chromium for tests that look at a page as a person would (issue 16's report).
 * The browser comes from the @sparticuz/chromium devDependency, a Chromium binary shipped inside
 * its npm package, so `npm ci` is all a fresh clone needs: nothing is downloaded at run time and
 * nothing is installed by hand. puppeteer-core drives it.
 */
import chromium from "@sparticuz/chromium";
import puppeteer, { type Browser } from "puppeteer-core";

/**
 * Flags for a machine without outside network, running as root: no sandbox (root), no GPU, and
 * none of Chromium's own background traffic (updates, sync, field trials, QUIC probes).
 */
export const CHROMIUM_FLAGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** Launches headless Chromium; close it with `browser.close()` (an afterAll). */
export async function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: await chromium.executablePath(),
    headless: true,
    args: [...new Set([...chromium.args, ...CHROMIUM_FLAGS])],
    defaultViewport: { width: 1200, height: 900, deviceScaleFactor: 1 },
  });
}
