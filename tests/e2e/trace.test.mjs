// The packet trace panel: a person traces a TCP connection between pods on two nodes, reads
// the hops grouped by machine, steps to the VXLAN encapsulation to see the outer headers, and
// downloads the frames as a pcap file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { launch, openApp, applyManifest, SHOTS } from './browser.mjs';

const PODS = `apiVersion: v1
kind: Pod
metadata: {name: a}
spec: {nodeName: node-1, containers: [{name: web, image: "nginx:1.27"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: c}
spec: {nodeName: node-2, containers: [{name: web, image: "nginx:1.27"}]}
`;

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

// Two running pods, a on node-1 and c on node-2; returns c's IP as `kubectl get pods -o wide` shows it.
async function twoPods(page) {
  await applyManifest(page, PODS);
  await run(page, 'advance 30s');
  const entry = await run(page, 'kubectl get pod c -o wide');
  const ip = (await entry.locator('.stdout').textContent()).match(/Running\s+\d+\s+\S+\s+(10\.244\.\d+\.\d+)\s+node-2/)?.[1];
  assert.ok(ip, 'pod c runs on node-2 with a pod IP');
  return ip;
}

const hops = (page) => page.locator('#trace-hops tr.hop');

test('a cross-node trace is shown hop by hop, grouped by machine, with the VXLAN wrapping', async () => {
  const { page, errors } = await openApp(browser);
  assert.match(await page.locator('section.trace .hint').first().textContent(), /trace pod\/NAME IP:PORT/);
  const ip = await twoPods(page);
  const entry = await run(page, `trace pod/a ${ip}:80`);
  assert.match(await entry.locator('.stdout').textContent(), /three-way handshake complete/);

  // Every hop is listed, grouped by machine: the packet leaves node-1 and crosses to node-2.
  const count = await hops(page).count();
  assert.ok(count > 20, `${count} hops`);
  assert.equal((await page.locator('#trace-position').textContent()).trim(), `${count} hops`);
  const machines = await page.locator('#trace-hops tbody.machine').evaluateAll((els) => els.map((e) => e.dataset.machine));
  assert.equal(machines[0], 'node-1');
  assert.ok(machines.includes('node-2'));
  assert.match(await page.locator('#trace-hops tbody.machine').nth(1).locator('.crossing').textContent(), /from node-1, across the underlay/);
  const encap = page.locator('#trace-hops tbody[data-machine="node-1"] tr[data-stage="encapsulate"]').first();
  assert.match(await encap.textContent(), /flannel\.1.*VXLAN VNI 1/);
  const encapIndex = Number(await encap.getAttribute('data-index'));
  assert.equal(await page.locator('#trace-hops tbody[data-machine="node-2"] tr[data-stage="decapsulate"]').count() > 0, true);
  assert.equal(await page.locator('#trace-hops tr[data-stage="deliver"]').last().locator('.device').textContent(), 'eth0');
  assert.match(await page.locator('#trace-outcome').textContent(), /^Result: connected to .*\(three-way handshake complete\)$/);

  // Stepping: the first "Next hop" shows only the first hop and its headers.
  await page.locator('#trace-next').click();
  assert.equal(await hops(page).count(), 1);
  assert.equal((await page.locator('#trace-position').textContent()).trim(), `hop 1 of ${count}`);
  assert.match(await page.locator('#trace-headers li').first().textContent(), /^ip 10\.244\.\d+\.\d+ > 10\.244\.\d+\.\d+ ttl 64/);
  assert.equal(await page.locator('#trace-prev').isDisabled(), true);

  // Step with the keyboard up to the encapsulation: the outer IP/UDP/VXLAN headers come first.
  await page.locator('#trace-next').focus();
  for (let i = 0; i < encapIndex; i++) await page.keyboard.press('Enter');
  assert.equal(await hops(page).count(), encapIndex + 1);
  assert.equal(await page.locator('#trace-hops tr.selected').getAttribute('data-stage'), 'encapsulate');
  const lines = await page.locator('#trace-headers li').evaluateAll((els) => els.map((e) => e.dataset.proto));
  assert.deepEqual(lines.slice(0, 3), ['ip', 'udp', 'vxlan']);
  assert.match(await page.locator('#trace-headers li[data-proto="vxlan"]').textContent(), /vxlan vni 1/);
  assert.match(await page.locator('#trace-headers li[data-proto="udp"]').textContent(), /udp \d+ > 8472/);
  assert.equal(await page.locator('#trace-headers li.changed').count(), 3, 'the three outer headers are new');
  assert.equal(await page.locator('#trace-headers .inner-mark').count(), 1);
  await page.screenshot({ path: join(SHOTS, 'trace-encapsulate.png'), fullPage: true });

  // Back one hop, then every hop again with the selection kept.
  await page.locator('#trace-prev').click();
  assert.equal(await page.locator('#trace-hops tr.selected').getAttribute('data-stage'), 'transmit');
  await page.locator('#trace-all').click();
  assert.equal(await hops(page).count(), count);
  assert.equal(await page.locator('#trace-all').getAttribute('aria-pressed'), 'true');
  assert.equal(await page.locator('#trace-hops tr.selected').count(), 1);

  // Clicking a row on node-2 after decapsulation shows the TTL it forwarded with.
  await page.locator('#trace-hops tbody[data-machine="node-2"] tr[data-stage="forward"]').first().click();
  assert.match(await page.locator('#trace-headers li.changed').first().textContent(), /ttl 62/);

  // Another command keeps the panel where it is; a new trace starts it over.
  await run(page, 'kubectl get pods');
  assert.equal(await page.locator('#trace-hops tr.selected').count(), 1);
  await run(page, `trace pod/a ${ip}:81`);
  assert.equal(await page.locator('#trace-hops tr.selected').count(), 0);
  assert.match(await page.locator('#trace-outcome').getAttribute('class'), /refused/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the trace panel reads in Simplified Chinese', async () => {
  const { page, errors } = await openApp(browser);
  const ip = await twoPods(page);
  await run(page, `trace pod/a ${ip}:80`);
  await page.locator('button.lang[lang="zh-CN"]').click();
  await page.locator('#trace-heading').getByText('数据包追踪').waitFor();
  assert.equal((await page.locator('#trace-next').textContent()).trim(), '下一跳 →');
  assert.match(await page.locator('#trace-outcome').textContent(), /^结果：/);
  assert.match(await page.locator('#trace-hops tr[data-stage="encapsulate"] .gloss').first().textContent(), /封装/);
  const encapIndex = Number(await page.locator('#trace-hops tr[data-stage="encapsulate"]').first().getAttribute('data-index'));
  await page.locator('#trace-hops tr.hop').nth(encapIndex).click();
  assert.match(await page.locator('#trace-headers h3').textContent(), new RegExp(`第 ${encapIndex + 1} 跳的报文头`));
  await page.screenshot({ path: join(SHOTS, 'trace-chinese.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('pcap in the console offers the last trace as a download', async () => {
  const { page, errors } = await openApp(browser);
  const ip = await twoPods(page);
  await run(page, `trace pod/a ${ip}:80`);
  const [download, entry] = await Promise.all([page.waitForEvent('download'), run(page, 'pcap captures/trace.pcap')]);
  assert.match(await entry.locator('.stdout').textContent(), /^wrote \d+ frame\(s\), \d+ bytes, to captures\/trace\.pcap/);
  assert.equal(download.suggestedFilename(), 'trace.pcap');
  const bytes = await readFile(await download.path());
  assert.equal(bytes.readUInt32LE(0), 0xa1b2c3d4, 'a classic libpcap file');
  const size = Number((await entry.locator('.stdout').textContent()).match(/(\d+) bytes/)[1]);
  assert.equal(bytes.length, size);

  // The same file again is offered again.
  const [again] = await Promise.all([page.waitForEvent('download'), run(page, 'pcap captures/trace.pcap node-1/flannel.1')]);
  assert.equal(again.suggestedFilename(), 'trace.pcap');
  assert.deepEqual(errors, []);
  await page.close();
});
