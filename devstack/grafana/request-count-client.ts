import axios from 'axios';
import { REQUESTS_PATH, type RequestCountSnapshot } from './request-counts.js';

/** Bench-side handle on an emulator's request counter (admin Basic auth). */
export interface EmulatorRequestCounts {
  read(): Promise<RequestCountSnapshot>;
  /** Returns the counts up to now and starts again from zero. */
  reset(): Promise<RequestCountSnapshot>;
}

export function emulatorRequestCounts(
  url: string,
  admin: { user: string; password: string },
): EmulatorRequestCounts {
  const http = axios.create({
    baseURL: url.replace(/\/+$/, ''),
    timeout: 10_000,
    auth: { username: admin.user, password: admin.password },
    validateStatus: () => true,
  });
  const call = async (method: 'get' | 'delete'): Promise<RequestCountSnapshot> => {
    const res = await http.request({ method, url: REQUESTS_PATH });
    if (res.status !== 200) {
      throw new Error(
        `emulator request counts: ${method} answered ${res.status}: ${JSON.stringify(res.data)}`,
      );
    }
    return res.data as RequestCountSnapshot;
  };
  return { read: () => call('get'), reset: () => call('delete') };
}
