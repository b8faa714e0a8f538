import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ToolchainError } from './tools.js';

/**
 * Certificates for the local Kubernetes control plane, made with the openssl CLI:
 * one CA, the apiserver's serving cert, a client cert per control-plane identity,
 * and the service-account signing key. Regenerated as a whole when any file is
 * missing (a half-written PKI is never trusted).
 */
export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  apiserverCert: string;
  apiserverKey: string;
  saKey: string;
  saPub: string;
  client: Record<ClientName, { cert: string; key: string }>;
}

export type ClientName = 'admin' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok';

// Subjects: the CN is the user, O the group; RBAC's bootstrap policy binds
// system:kube-controller-manager and system:kube-scheduler to their roles.
const CLIENTS: Record<ClientName, string> = {
  admin: '/O=system:masters/CN=stackwright-admin',
  'kube-controller-manager': '/CN=system:kube-controller-manager',
  'kube-scheduler': '/CN=system:kube-scheduler',
  // kwok plays every fake node's kubelet; masters keeps the dev stack simple.
  kwok: '/O=system:masters/CN=kwok',
};

const APISERVER_SANS = [
  'DNS:localhost',
  'DNS:kubernetes',
  'DNS:kubernetes.default',
  'DNS:kubernetes.default.svc',
  'DNS:kubernetes.default.svc.cluster.local',
  'IP:127.0.0.1',
  'IP:10.0.0.1',
];

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { code?: string; stderr?: Buffer };
    if (err.code === 'ENOENT')
      throw new ToolchainError(
        'openssl is not installed (the local stack makes its certificates with it): sudo apt-get install -y openssl',
        { cause: e },
      );
    throw new Error(`openssl ${args[0]} failed: ${err.stderr?.toString() ?? String(e)}`, { cause: e });
  }
}

function leaf(dir: string, name: string, subject: string, ext: string): void {
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`], dir);
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`], dir);
  fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial'].concat([
      '-days',
      '3650',
      '-sha256',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    ]),
    dir,
  );
  fs.rmSync(path.join(dir, `${name}.csr`));
  fs.rmSync(path.join(dir, `${name}.ext`));
}

/** Where a PKI's files are (whether or not they exist yet). */
export function pkiFiles(dir: string): Pki {
  return {
    dir,
    caCert: path.join(dir, 'ca.crt'),
    caKey: path.join(dir, 'ca.key'),
    apiserverCert: path.join(dir, 'apiserver.crt'),
    apiserverKey: path.join(dir, 'apiserver.key'),
    saKey: path.join(dir, 'sa.key'),
    saPub: path.join(dir, 'sa.pub'),
    client: Object.fromEntries(
      Object.keys(CLIENTS).map((n) => [
        n,
        { cert: path.join(dir, `${n}.crt`), key: path.join(dir, `${n}.key`) },
      ]),
    ) as Pki['client'],
  };
}

export const pkiComplete = (dir: string): boolean => fs.existsSync(path.join(dir, '.complete'));

export function ensurePki(dir: string, caName = 'stackwright-dev-ca'): Pki {
  const pki = pkiFiles(dir);
  const complete = path.join(dir, '.complete');
  if (fs.existsSync(complete)) return pki;

  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  openssl(
    ['req', '-x509', '-new', '-key', 'ca.key', '-subj', `/CN=${caName}`, '-days', '3650', '-sha256']
      .concat([
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ])
      .concat(['-out', 'ca.crt']),
    dir,
  );
  leaf(
    dir,
    'apiserver',
    '/CN=kube-apiserver',
    `keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${APISERVER_SANS.join(',')}\n`,
  );
  for (const [name, subject] of Object.entries(CLIENTS)) {
    leaf(
      dir,
      name,
      subject,
      'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
    );
  }
  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key'], dir);
  openssl(['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  fs.writeFileSync(complete, new Date().toISOString());
  return pki;
}
