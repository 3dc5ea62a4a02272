// Services in the packet trace: a person applies a Deployment and a Service, traces from a pod
// to the Service's ClusterIP, and sees netfilter on the client's node DNAT it to a pod (the
// kube-proxy rules it matched behind a disclosure), the reply's DNAT undone, and a Service
// without endpoints rejecting the packet.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launch, openApp, applyManifest, SHOTS } from './browser.mjs';

const APP = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.27", ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: nobody}
spec:
  selector: {app: nothing}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec: {containers: [{name: c, image: "busybox:1.36", command: [sleep, "3600"]}]}
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

const stdout = async (entry) => (await entry.locator('.stdout').textContent()) ?? '';

// Applies the app and runs it for 30 s; returns the Services' cluster IPs, the web pods' IPs
// and the client's node, as kubectl prints them.
async function cluster(page) {
  await applyManifest(page, APP);
  await run(page, 'advance 30s');
  const svc = await stdout(await run(page, 'kubectl get svc'));
  const clusterIp = (name) => svc.match(new RegExp(`^${name}\\s+ClusterIP\\s+(10\\.\\d+\\.\\d+\\.\\d+)\\s`, 'm'))?.[1];
  const pods = await stdout(await run(page, 'kubectl get pods -o wide'));
  const webIps = [...pods.matchAll(/^web-\S+\s+1\/1\s+Running\s+\d+\s+\S+\s+(10\.244\.\d+\.\d+)\s/gm)].map((m) => m[1]);
  const clientNode = pods.match(/^client\s+1\/1\s+Running\s+\d+\s+\S+\s+10\.244\.\d+\.\d+\s+(node-\d+)/m)?.[1];
  const c = { web: clusterIp('web'), nobody: clusterIp('nobody'), webIps, clientNode };
  assert.ok(c.web && c.nobody && c.clientNode && webIps.length === 2, JSON.stringify(c));
  return c;
}

test('a trace to a ClusterIP shows the DNAT to a pod on the client\'s node', async () => {
  const { page, errors } = await openApp(browser);
  const note = await page.locator('.simplified').textContent();
  assert.match(note, /netfilter on every node: iptables tables and chains, conntrack and NAT/);
  assert.match(note, /kube-proxy runs in iptables mode \(ClusterIP, NodePort, LoadBalancer, masquerade\); `network proxy-mode ipvs` or `userspace` restarts it/);
  assert.match(note, /times in traces are illustrative/);
  assert.match(await page.locator('section.trace .hint').first().textContent(), /trace pod\/NAME CLUSTER-IP:PORT/);
  const c = await cluster(page);
  const entry = await run(page, `trace pod/client ${c.web}:80`);
  assert.match(await stdout(entry), /three-way handshake complete/);

  // Delivered, to one of the Deployment's pods.
  const outcome = await page.locator('#trace-outcome').textContent();
  const reached = outcome.match(/^Result: connected to (10\.244\.\d+\.\d+):80 \(three-way handshake complete\)$/)?.[1];
  assert.ok(c.webIps.includes(reached), `${outcome} (web pods: ${c.webIps})`);
  assert.match(await page.locator('#trace-outcome').getAttribute('class'), /delivered/);

  // The first packet's netfilter row on the client's node: PREROUTING, conntrack NEW, DNAT.
  const dnat = page.locator(`#trace-hops tbody[data-machine="${c.clientNode}"] tr.hop.nf-nat[data-stage="netfilter"]`).first();
  assert.equal((await dnat.locator('.nf-hook').textContent()).trim(), 'PREROUTING');
  assert.equal((await dnat.locator('.nf-ct-state').textContent()).trim(), 'NEW');
  assert.equal((await dnat.locator('.nat-badge').textContent()).trim(), 'DNAT');
  assert.ok(await dnat.locator('.nat-badge').isVisible());
  assert.equal(await dnat.locator('.nat-from').textContent(), `${c.web}:80`);
  assert.equal(await dnat.locator('.nat-to').textContent(), `${reached}:80`);

  // The TRACE lines, in a row of their own under the hop, wait behind the disclosure until the
  // hop is the selected step.
  const rules = page.locator(`#trace-hops tr.hop-rules[data-for="${await dnat.getAttribute('data-index')}"] details.nf-rules`);
  assert.equal(await rules.evaluate((d) => d.open), false);
  assert.equal(await rules.locator('li').first().isVisible(), false);
  await dnat.click();
  assert.equal(await rules.evaluate((d) => d.open), true);
  const lines = await rules.locator('li').allTextContents();
  assert.ok(lines.some((l) => /^nat:PREROUTING:rule:1 -j KUBE-SERVICES/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /^nat:KUBE-SERVICES:rule:\d+ -j KUBE-SVC-[A-Z2-7]{16} \/\* default\/web cluster IP \*\/$/.test(l)), lines.join('\n'));
  assert.match(lines.at(-1), new RegExp(`^nat:KUBE-SEP-[A-Z2-7]{16}:rule:\\d+ -j DNAT --to-destination ${reached.replaceAll('.', '\\.')}:80`));
  assert.match((await rules.locator('summary').textContent()).trim(), new RegExp(`^-j TRACE: ${lines.length} lines$`));

  // The header stack shows the rewritten packet with the new destination marked.
  assert.equal((await page.locator('#trace-headers .nat-note').textContent()).trim(), `DNAT at this hop: destination ${c.web}:80 → ${reached}:80`);
  assert.deepEqual(await page.locator('#trace-headers li[data-proto="ip"] mark.field-changed').allTextContents(), [reached]);
  assert.match(await page.locator('#trace-headers li[data-proto="ip"]').textContent(), new RegExp(`^ip 10\\.244\\.\\d+\\.\\d+ > ${reached.replaceAll('.', '\\.')} ttl 64`));
  await page.screenshot({ path: join(SHOTS, 'trace-service-dnat.png'), fullPage: true });

  // Selecting another hop folds the TRACE lines again.
  await page.locator('#trace-next').click();
  assert.equal(await rules.evaluate((d) => d.open), false);

  // The SYN-ACK gets the ClusterIP back as its source on the client's node.
  const undo = page.locator(`#trace-hops tbody[data-machine="${c.clientNode}"] tr.hop.nf-nat .nat.reply`).first();
  assert.equal((await undo.locator('.nat-badge').textContent()).trim(), 'undo DNAT');
  assert.equal(await undo.locator('.nat-to').textContent(), `${c.web}:80`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a Service without endpoints rejects the packet, and the row reads as a drop', async () => {
  const { page, errors } = await openApp(browser);
  const c = await cluster(page);
  await run(page, `trace pod/client ${c.nobody}:80`);
  assert.match(await page.locator('#trace-outcome').getAttribute('class'), /refused/);
  const drop = page.locator(`#trace-hops tbody[data-machine="${c.clientNode}"] tr.hop.nf-stop`).first();
  assert.equal(await drop.getAttribute('data-stage'), 'drop');
  assert.equal((await drop.locator('.nf-verdict').textContent()).trim(), 'REJECT');
  assert.equal((await drop.locator('.nf-reject-with').textContent()).trim(), 'icmp-port-unreachable');
  assert.equal(await drop.locator('.nat-badge').count(), 0);
  const bg = await drop.evaluate((tr) => getComputedStyle(tr).backgroundColor);
  assert.equal(bg, 'rgb(255, 235, 233)', 'the drop colour');
  await drop.click();
  const rules = page.locator(`#trace-hops tr.hop-rules[data-for="${await drop.getAttribute('data-index')}"] details.nf-rules`);
  assert.match(await rules.locator('li').last().textContent(), /^filter:KUBE-SERVICES:rule:1 -j REJECT --reject-with icmp-port-unreachable/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the netfilter row reads in Simplified Chinese', async () => {
  const { page, errors } = await openApp(browser);
  const c = await cluster(page);
  await run(page, `trace pod/client ${c.web}:80`);
  await page.locator('button.lang[lang="zh-CN"]').click();
  await page.locator('#trace-heading').getByText('数据包追踪').waitFor();
  assert.match(await page.locator('.simplified').textContent(), /kube-proxy 以 iptables 模式运行/);
  const dnat = page.locator(`#trace-hops tbody[data-machine="${c.clientNode}"] tr.hop.nf-nat[data-stage="netfilter"]`).first();
  assert.equal((await dnat.locator('.nf-hook').textContent()).trim(), 'PREROUTING', 'hook names stay as the kernel prints them');
  assert.equal((await dnat.locator('.nf-ct .gloss').textContent()).trim(), '新连接');
  assert.match(await dnat.locator('.nf-hook').getAttribute('title'), /路由决策/);
  await dnat.click();
  const rules = page.locator(`#trace-hops tr.hop-rules[data-for="${await dnat.getAttribute('data-index')}"] details.nf-rules`);
  assert.match((await rules.locator('summary').textContent()).trim(), /^-j TRACE：\d+ 条记录$/);
  assert.match((await page.locator('#trace-headers .nat-note').textContent()).trim(), new RegExp(`^本跳做了 DNAT：目的地址 ${c.web.replaceAll('.', '\\.')}:80 → 10\\.244\\.`));
  const undo = page.locator(`#trace-hops tr.hop .nat.reply .nat-badge`).first();
  assert.equal((await undo.textContent()).trim(), '还原 DNAT');
  await page.screenshot({ path: join(SHOTS, 'trace-service-chinese.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('in IPVS mode the trace shows IPVS scheduling the connection on the client\'s node', async () => {
  const { page, errors } = await openApp(browser);
  const c = await cluster(page);
  const mode = await run(page, 'network proxy-mode ipvs');
  assert.match(await stdout(mode), /kube-proxy mode ipvs/);
  await run(page, 'advance 1s');
  await run(page, `trace pod/client ${c.web}:80`);
  const outcome = await page.locator('#trace-outcome').textContent();
  const reached = outcome.match(/^Result: connected to (10\.244\.\d+\.\d+):80 \(three-way handshake complete\)$/)?.[1];
  assert.ok(c.webIps.includes(reached), `${outcome} (web pods: ${c.webIps})`);
  // The IPVS hop on the client's node names the virtual server, the scheduler and the real server.
  const ipvs = page.locator(`#trace-hops tbody[data-machine="${c.clientNode}"] tr.hop[data-stage="ipvs"]`).first();
  assert.ok(await ipvs.isVisible());
  assert.match(await ipvs.textContent(), new RegExp(`IPVS TCP ${c.web.replaceAll('.', '\\.')}:80 rr: new connection, scheduled to ${reached.replaceAll('.', '\\.')}:80 \\(Masq\\)`));
  // No netfilter DNAT on the way in: the nat table only marks and accepts.
  assert.equal(await page.locator(`#trace-hops tbody[data-machine="${c.clientNode}"] tr.hop.nf-nat[data-stage="netfilter"] .nat:not(.reply)`).count(), 0);
  // The reply gets the service address back from IPVS.
  const undo = page.locator(`#trace-hops tbody[data-machine="${c.clientNode}"] tr.hop.nf-nat .nat.reply`).first();
  assert.equal((await undo.locator('.nat-badge').textContent()).trim(), 'undo IPVS');
  assert.equal(await undo.locator('.nat-to').textContent(), `${c.web}:80`);
  await ipvs.click();
  await page.screenshot({ path: join(SHOTS, 'trace-service-ipvs.png'), fullPage: true });
  const list = await stdout(await run(page, `node ${c.clientNode} -- ipvsadm -Ln -t ${c.web}:80`));
  assert.match(list, new RegExp(`^TCP  ${c.web.replaceAll('.', '\\.')}:80 rr$`, 'm'));
  assert.deepEqual(errors, []);
  await page.close();
});
