import axios from 'axios';
import { FAULTS_PATH, type FaultRule, type FaultRuleInput } from './faults.js';

/** Test-side handle on an emulator's fault injection endpoint (admin Basic auth). */
export interface EmulatorFaults {
  add(rule: FaultRuleInput): Promise<FaultRule>;
  list(): Promise<FaultRule[]>;
  /** Drops one rule by id. */
  remove(id: number): Promise<void>;
  clear(): Promise<void>;
}

export function emulatorFaults(url: string, admin: { user: string; password: string }): EmulatorFaults {
  const http = axios.create({
    baseURL: url.replace(/\/+$/, ''),
    timeout: 10_000,
    auth: { username: admin.user, password: admin.password },
    validateStatus: () => true,
  });
  const expectOk = <T>(res: { status: number; data: unknown }, what: string): T => {
    if (res.status !== 200) {
      throw new Error(`emulator faults: ${what} answered ${res.status}: ${JSON.stringify(res.data)}`);
    }
    return res.data as T;
  };
  return {
    add: async (rule) => expectOk<FaultRule>(await http.post(FAULTS_PATH, rule), 'add'),
    list: async () => expectOk<FaultRule[]>(await http.get(FAULTS_PATH), 'list'),
    remove: async (id) => {
      expectOk(await http.delete(`${FAULTS_PATH}/${id}`), `remove ${id}`);
    },
    clear: async () => {
      expectOk(await http.delete(FAULTS_PATH), 'clear');
    },
  };
}

/**
 * Whether the Grafana at `url` is an emulator with fault injection that accepts
 * these admin credentials (a real Grafana, or an emulator started from older
 * code, answers something else).
 */
export async function supportsFaults(
  url: string,
  admin: { user: string; password: string },
): Promise<boolean> {
  try {
    const res = await axios.get(`${url.replace(/\/+$/, '')}${FAULTS_PATH}`, {
      auth: { username: admin.user, password: admin.password },
      timeout: 5_000,
      validateStatus: () => true,
      maxRedirects: 0,
    });
    return res.status === 200 && Array.isArray(res.data);
  } catch {
    return false;
  }
}
