// The console: a person types kubectl commands and reads what real kubectl would print.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launch, openApp, SHOTS } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function run(page, line) {
  const before = await page.locator('#console-log .entry').count();
  await page.locator('#console-input').fill(line);
  await page.locator('#console-input').press('Enter');
  await page.locator('#console-log .entry').nth(before).waitFor();
  return page.locator('#console-log .entry').nth(before);
}

test('kubectl in the console applies the editor text and lists it like kubectl', async () => {
  const { page, errors } = await openApp(browser);
  // The editor holds the sample Deployment; the console applies it as manifest.yaml.
  let entry = await run(page, 'kubectl apply -f manifest.yaml');
  assert.equal((await entry.locator('.stdout').textContent()).trim(), 'deployment.apps/web created');

  entry = await run(page, 'kubectl get deployments');
  const table = await entry.locator('.stdout').textContent();
  const [header, row] = table.trimEnd().split('\n');
  assert.match(header, /^NAME\s{3,}READY\s{3}UP-TO-DATE\s{3}AVAILABLE\s{3}AGE$/);
  assert.match(row, /^web\s+0\/3\s+0\s+0\s+0s$/);

  entry = await run(page, 'kubectl get pods');
  assert.equal((await entry.locator('.stderr').textContent()).trim(), 'No resources found in default namespace.');

  entry = await run(page, 'kubectl get nodes');
  assert.match(await entry.locator('.stdout').textContent(), /node-1\s+Ready\s+<none>/);

  entry = await run(page, 'kubectl get deploy web -o yaml');
  assert.match(await entry.locator('.stdout').textContent(), /maxSurge: 25%/);
  await page.screenshot({ path: join(SHOTS, 'console.png'), fullPage: true });

  entry = await run(page, 'kubectl frobnicate');
  assert.equal(await entry.getAttribute('class'), 'entry failed');
  assert.match(await entry.locator('.stderr').textContent(), /unknown command "frobnicate" for "kubectl"/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('advancing the clock runs the controllers and ages what the console lists', async () => {
  const { page, errors } = await openApp(browser);
  await run(page, 'kubectl apply -f manifest.yaml');
  await run(page, 'advance 2m3s');
  let entry = await run(page, 'kubectl get deploy');
  assert.match(await entry.locator('.stdout').textContent(), /web\s+3\/3\s+3\s+3\s+2m3s/);
  entry = await run(page, 'kubectl get pods -o wide');
  const rows = (await entry.locator('.stdout').textContent()).trimEnd().split('\n').slice(1);
  assert.equal(rows.length, 3);
  for (const row of rows) {
    assert.match(row, /^web-[4-9bcdf]{1,10}-[bcdfghjklmnpqrstvwxz2456789]{5}\s+1\/1\s+Running\s+0\s+\S+\s+10\.244\.\d+\.\d+\s+node-\d/);
  }
  await page.screenshot({ path: join(SHOTS, 'pods-running.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('why shows the scheduler decision: each node filtered, the scores, the node chosen', async () => {
  const { page, errors } = await openApp(browser);
  await run(page, 'kubectl apply -f manifest.yaml');
  await run(page, 'advance 5s');
  let entry = await run(page, 'kubectl get pods -o name');
  const pod = (await entry.locator('.stdout').textContent()).trim().split('\n')[0];
  assert.match(pod, /^pod\/web-/);
  entry = await run(page, `why ${pod}`);
  const text = await entry.locator('.stdout').textContent();
  assert.match(text, /^Pod default\/web-\S+: scheduling attempt 1 at t\+/);
  for (const node of ['node-1', 'node-2', 'node-3']) {
    assert.match(text, new RegExp(`\\n  ${node}  passed every filter\\n`));
  }
  assert.match(text, /\n  PLUGIN\s+WEIGHT\s+node-1\s+node-2\s+node-3\n/);
  assert.match(text, /\n  NodeResourcesFit\s+1(\s+\d+){3}\n/);
  entry = await run(page, 'kubectl get pods -o wide');
  const chosen = text.match(/\nSelected: (node-\d) \(highest total;/)[1];
  assert.match(await entry.locator('.stdout').textContent(), new RegExp(`${pod.slice(4)}\\s.*\\s${chosen}\\s`));
  await page.screenshot({ path: join(SHOTS, 'why.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});
