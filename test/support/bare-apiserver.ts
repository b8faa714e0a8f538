import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { kubeApiserverArgs } from '../../devstack/kube-apiserver-args.js';
import { writeKubeconfig } from '../../devstack/kubeconfig.js';
import { probeHttp } from '../../devstack/net.js';
import { repoRoot, statePath } from '../../devstack/paths.js';
import { ensurePki } from '../../devstack/pki.js';

/**
 * A second, real kube-apiserver: the local stack's binary, certificates and etcd,
 * with its own etcd prefix, so it is a separate cluster with nothing installed
 * but the MonitoringStack CRD (in particular, no prometheus-operator CRDs). No
 * controller-manager runs for it: enough for a saga that must stop before
 * creating anything.
 */
export async function startBareApiserver(): Promise<{ kubeconfig: string; stop: () => Promise<void> }> {
  const out = execFileSync('bash', [path.join(repoRoot, 'scripts', 'build-tools.sh'), '--check', 'k8s'], {
    encoding: 'utf8',
  });
  const dir = /^k8s=(.+)$/m.exec(out)?.[1];
  if (!dir) throw new Error('the Kubernetes binaries are not built: run npm run dev -- up');
  const pki = ensurePki(statePath('pki'));
  const port = await freePort();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-bare-apiserver-'));
  const log = fs.openSync(path.join(tmp, 'kube-apiserver.log'), 'a');
  const child: ChildProcess = spawn(
    path.join(dir, 'kube-apiserver'),
    kubeApiserverArgs({
      etcdPrefix: `/${path.basename(tmp)}`,
      port,
      certDir: tmp,
      pki,
      serviceClusterIpRange: '10.0.1.0/24',
    }),
    { stdio: ['ignore', log, log] },
  );
  fs.closeSync(log);
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 120_000;
  const pem = (f: string) => fs.readFileSync(f);
  for (;;) {
    const ok = await probeHttp({
      url: `https://127.0.0.1:${port}/readyz`,
      ca: pem(pki.caCert),
      cert: pem(pki.client.admin.cert),
      key: pem(pki.client.admin.key),
    });
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the second kube-apiserver did not start; see ${tmp}/kube-apiserver.log`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const kubeconfig = path.join(tmp, 'kubeconfig');
  writeKubeconfig(kubeconfig, {
    server: `https://127.0.0.1:${port}`,
    caCert: pki.caCert,
    ...pki.client.admin,
    user: 'stackwright-admin',
  });
  return { kubeconfig, stop };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
