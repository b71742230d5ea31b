import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";

export const ARTIFACTS_DIR = fileURLToPath(new URL("../../test-artifacts/console/", import.meta.url));

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** Debian's Chromium, headless, with nothing that talks to the network on its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
    ],
  });
}

/** A fresh page (its own sessionStorage) at desktop size. */
export async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: DESKTOP });
  return context.newPage();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}.png`), fullPage: true });
}

export function loginForm(page: Page) {
  return page.getByRole("form", { name: "Sign in" });
}

/** Signs in through the login form and waits for the signed-in layout. */
export async function signIn(
  page: Page,
  consoleUrl: string,
  user: { username: string; password: string; userId: string },
) {
  await page.goto(consoleUrl);
  await loginForm(page).getByLabel("User name").fill(user.username);
  await loginForm(page).getByLabel("Password").fill(user.password);
  await loginForm(page).getByRole("button", { name: "Sign in" }).click();
  await page.locator("header").getByText(user.userId).waitFor();
}
