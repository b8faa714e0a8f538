import fs from 'node:fs';
import YAML from 'yaml';

const b64 = (file: string) => fs.readFileSync(file).toString('base64');

/** A self-contained kubeconfig (certificates embedded) for one client identity. */
export function writeKubeconfig(
  file: string,
  opts: { server: string; caCert: string; cert: string; key: string; user: string },
): void {
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'stackwright-dev',
        cluster: { server: opts.server, 'certificate-authority-data': b64(opts.caCert) },
      },
    ],
    users: [
      {
        name: opts.user,
        user: { 'client-certificate-data': b64(opts.cert), 'client-key-data': b64(opts.key) },
      },
    ],
    contexts: [{ name: 'stackwright-dev', context: { cluster: 'stackwright-dev', user: opts.user } }],
    'current-context': 'stackwright-dev',
  };
  fs.writeFileSync(file, YAML.stringify(doc), { mode: 0o600 });
}
