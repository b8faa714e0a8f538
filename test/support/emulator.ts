import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startGrafanaEmulator, type GrafanaEmulator } from '../../devstack/grafana/server.js';

/**
 * An in-process Grafana emulator on an ephemeral port, seeded with one Admin
 * service account holding `token`; brute-force protection off so tests may
 * fail logins freely. Its state directory goes when it closes.
 */
export async function startSeededEmulator(
  admin: { user: string; password: string },
  token: string,
): Promise<GrafanaEmulator & { stateFile: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grafana-emulator-'));
  const stateFile = path.join(dir, 'state.json');
  fs.writeFileSync(
    stateFile,
    JSON.stringify({
      serviceAccounts: [{ id: 2, name: 'ci', role: 'Admin' }],
      tokens: [{ serviceAccountId: 2, name: 'ci-1', key: token }],
    }),
  );
  const emulator = await startGrafanaEmulator({
    host: '127.0.0.1',
    port: 0,
    stateFile,
    adminUser: admin.user,
    adminPassword: admin.password,
    bruteForceProtection: false,
  });
  return {
    ...emulator,
    stateFile,
    close: async () => {
      await emulator.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
