// What a person sees: type a manifest, press Apply, read the result and the object list.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launch, openApp, applyManifest, SHOTS } from './browser.mjs';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
spec:
  replicas: 2
  selector:
    matchLabels: {app: frontend}
  template:
    metadata:
      labels: {app: frontend}
    spec:
      containers:
      - name: web
        image: nginx:1.27
`;

// A mapping value where a plain scalar already stands: a syntax error on line 4.
const BROKEN = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings: broken
data:
  a: "1"
`;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the page loads the core and lists the bootstrapped cluster', async () => {
  const { page, errors } = await openApp(browser);
  assert.equal(await page.locator('header h1').textContent(), 'Fishbowl');
  const namespaces = await page.locator('#objects tr[data-kind="Namespace"]').count();
  assert.equal(namespaces, 4, 'default, kube-node-lease, kube-public, kube-system');
  assert.ok(await page.locator('#objects tr[data-kind="Node"]').count() >= 1);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a typed Deployment is applied and listed', async () => {
  const { page, errors } = await openApp(browser);
  await applyManifest(page, DEPLOYMENT);
  const out = page.locator('#apply-output li');
  await out.first().waitFor();
  assert.equal((await out.first().textContent()).trim(), 'deployment.apps/frontend created');
  const row = page.locator('#objects tr[data-kind="Deployment"][data-name="frontend"]');
  assert.equal(await row.count(), 1);
  assert.match(await row.textContent(), /frontend/);
  await page.screenshot({ path: join(SHOTS, 'apply-deployment.png'), fullPage: true });

  await applyManifest(page, DEPLOYMENT);
  assert.equal((await out.first().textContent()).trim(), 'deployment.apps/frontend unchanged');
  assert.deepEqual(errors, []);
  await page.close();
});

test('broken YAML shows an error with its line number, not a crash', async () => {
  const { page, errors } = await openApp(browser);
  const before = await page.locator('#objects tbody tr').count();
  await applyManifest(page, BROKEN);
  const err = page.locator('#apply-output li.error');
  await err.waitFor();
  const text = await err.textContent();
  assert.match(text, /line 4, column \d+/);
  assert.match(text, /error parsing manifest\.yaml: error converting YAML to JSON: yaml: line 4: mapping values are not allowed in this context/);
  assert.equal(await page.locator('#objects tbody tr').count(), before, 'nothing was written');
  await page.screenshot({ path: join(SHOTS, 'broken-yaml.png'), fullPage: true });

  // The app is still alive: a good manifest goes through afterwards.
  await applyManifest(page, DEPLOYMENT);
  await page.locator('#objects tr[data-name="frontend"]').waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});

test('the interface switches to Simplified Chinese', async () => {
  const { page, errors } = await openApp(browser);
  await page.locator('button.lang[lang="zh-CN"]').click();
  await page.locator('#objects-heading').getByText('集群中的对象').waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
  assert.equal((await page.locator('#apply').textContent()).trim(), '应用（apply）');
  await page.screenshot({ path: join(SHOTS, 'chinese.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});
