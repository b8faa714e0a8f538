import axios, { type AxiosInstance } from 'axios';
import {
  emulatorRequestCounts,
  type EmulatorRequestCounts,
} from '../../devstack/grafana/request-count-client.js';
import type { RequestCountSnapshot } from '../../devstack/grafana/request-counts.js';
import { pool } from './clock.js';
import type { BenchEnv } from './env.js';
import { TimedOut } from './kube.js';

interface ListedDatasource {
  uid: string;
  name: string;
  url: string;
}

/** The bench's own view of the Grafana emulator (admin login): clean state, convergence, request counts. */
export class BenchGrafana {
  readonly http: AxiosInstance;
  readonly counts: EmulatorRequestCounts;
  /** Requests the bench itself made since the last counter reset (subtracted from what contenders cost). */
  ownRequests = 0;

  constructor(env: BenchEnv) {
    this.http = axios.create({
      baseURL: env.vars.GRAFANA_URL.replace(/\/+$/, ''),
      timeout: 30_000,
      auth: { username: env.admin.user, password: env.admin.password },
      validateStatus: () => true,
    });
    this.counts = emulatorRequestCounts(env.vars.GRAFANA_URL, env.admin);
  }

  async list(): Promise<ListedDatasource[]> {
    this.ownRequests++;
    const res = await this.http.get('/api/datasources');
    if (res.status !== 200)
      throw new Error(`Grafana list datasources: ${res.status} ${JSON.stringify(res.data)}`);
    return res.data as ListedDatasource[];
  }

  /** A clean Grafana state: no datasources at all in the org. */
  async deleteAll(): Promise<number> {
    const all = await this.list();
    await pool(all, 10, async (d) => {
      this.ownRequests++;
      await this.http.delete(`/api/datasources/uid/${encodeURIComponent(d.uid)}`);
    });
    return all.length;
  }

  async resetCounts(): Promise<void> {
    await this.counts.reset();
    this.ownRequests = 0;
  }

  /** Requests the contender made since the reset: everything Grafana received minus the bench's own. */
  async contenderRequests(): Promise<{ total: number; snapshot: RequestCountSnapshot }> {
    const snapshot = await this.counts.read();
    return { total: snapshot.total - this.ownRequests, snapshot };
  }
}

/**
 * Polls Grafana's list (every `everyMs`) and records when each expected
 * datasource first exists with the expected url: the convergence curve of the
 * chart, and "all converged" for P2.
 */
export class Convergence {
  readonly at = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  readonly startedAt = Date.now();

  constructor(
    private readonly grafana: BenchGrafana,
    /** uid → url (uid known up front), or name → url when `byName`. */
    private readonly expected: Map<string, string>,
    private readonly byName = false,
    private readonly everyMs = 250,
  ) {}

  start(): this {
    this.timer = setInterval(() => void this.poll(), this.everyMs);
    return this;
  }

  async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const now = Date.now();
      for (const d of await this.grafana.list()) {
        const key = this.byName ? d.name : d.uid;
        if (!this.at.has(key) && this.expected.get(key) === d.url) this.at.set(key, now);
      }
    } catch {
      // a slow or failed poll only delays the curve
    } finally {
      this.busy = false;
    }
  }

  get complete(): boolean {
    return this.at.size >= this.expected.size;
  }

  async done(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (!this.complete) {
      if (Date.now() > deadline)
        throw new TimedOut(
          `${this.expected.size - this.at.size} of ${this.expected.size} datasources not converged in ${timeoutMs / 1000}s`,
        );
      await new Promise((r) => setTimeout(r, this.everyMs));
    }
    return Math.max(...this.at.values());
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** [seconds since t0, datasources converged] steps, for the chart. */
  curve(t0: number): [number, number][] {
    const times = [...this.at.values()].sort((a, b) => a - b);
    return [[0, 0], ...times.map((t, i): [number, number] => [(t - t0) / 1000, i + 1])];
  }
}
