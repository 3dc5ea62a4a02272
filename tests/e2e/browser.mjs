// Shared set-up for the end-to-end tests: Debian's Chromium driven by playwright-core.
// The served app's address comes from FISHBOWL_URL (set by `cargo xtask test`).
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const URL = process.env.FISHBOWL_URL ?? 'http://127.0.0.1:8080/';
export const SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');
mkdirSync(SHOTS, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    // playwright-core gives every launch a fresh temporary profile of its own.
  });
}

// Opens the app and collects uncaught page errors, which every test asserts are absent.
export async function openApp(browser) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(URL);
  await page.locator('#objects').waitFor();
  return { page, errors };
}

export async function applyManifest(page, text) {
  await page.locator('#manifest').fill(text);
  await page.locator('#apply').click();
}
