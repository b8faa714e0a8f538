import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client, Connection } from '@temporalio/client';
import { repoRoot } from '../../devstack/paths.js';
import { stackWorkflowId, WORKFLOW_TASK_QUEUE, type StackRef } from '../../domain/stack-ref.js';
import { statusQuery } from '../../workflows/definitions.js';
import { requireEnv } from '../support/env.js';
import { ensureTemporalNamespace } from '../support/temporal-namespace.js';

// The worker as it runs in a container: a real process (worker/run.ts) against
// the local Temporal, with its metrics endpoint, signal handling and exit codes.
// It runs in a Temporal namespace of its own, so it never takes tasks meant for
// other suites' workers on the shared task queues.

const NAMESPACE = 'stackwright-worker-it';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-process-'));
const children: ChildProcess[] = [];
let connection: Connection;

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `node --import tsx <script>` from the repo root, with env on top of the test's environment. */
function run(script: string, env: Record<string, string>, args: string[] = []): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: repoRoot,
    env: { ...process.env, TEMPORAL_NAMESPACE: NAMESPACE, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exit };
}

const worker = (env: Record<string, string>) => run('worker/run.ts', env);

async function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function until<T>(what: string, r: Run, f: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (r.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`no ${what} (exit ${r.child.exitCode}):\n${r.stderr()}\n${r.stdout().slice(-3000)}`);
    }
    await new Promise((res) => setTimeout(res, 250));
  }
}

const running = (r: Run) =>
  until('"stackwright worker running" log line', r, async () =>
    r.stdout().includes('"msg":"stackwright worker running"') ? true : undefined,
  );

/** SIGTERM, then a graceful exit with code 0 within a few seconds. */
async function stopGracefully(r: Run): Promise<void> {
  r.child.kill('SIGTERM');
  const { code, signal } = await within(5_000, r.exit, 'graceful shutdown');
  expect({ code, signal, stderr: r.stderr() }).toEqual({ code: 0, signal: null, stderr: '' });
  expect(r.stdout()).toContain('"msg":"stackwright worker stopped"');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  connection = await Connection.connect({ address: requireEnv('TEMPORAL_ADDRESS') });
  await ensureTemporalNamespace(connection, NAMESPACE);
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await connection?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('worker process', () => {
  it('serves Temporal SDK metrics and stops gracefully on SIGTERM', async () => {
    const port = await freePort();
    const r = worker({ STACKWRIGHT_ROLES: 'grafana', STACKWRIGHT_METRICS_ADDRESS: `127.0.0.1:${port}` });
    await running(r);
    const metrics = await until('grafana pollers in /metrics', r, async () => {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      const text = await res.text();
      return res.ok && /temporal_num_pollers\{[^}]*task_queue="grafana"/.test(text) ? text : undefined;
    });
    expect(metrics).toMatch(/^# TYPE temporal_num_pollers gauge$/m);
    expect(metrics).toContain(`namespace="${NAMESPACE}"`);
    expect(metrics).toMatch(/temporal_request\{[^}]*operation="DescribeNamespace"/);
    // Structured JSON logs only on stdout.
    for (const line of r.stdout().trim().split('\n')) expect(() => JSON.parse(line) as unknown).not.toThrow();
    await stopGracefully(r);
  });

  it.each([
    [{ STACKWRIGHT_ROLES: 'grafana,k8s' }, /→ at STACKWRIGHT_ROLES\[1\]/],
    [{ TEMPORAL_ADDRESS: 'temporal.example.com' }, /must be host:port\n {2}→ at TEMPORAL_ADDRESS/],
    [
      {
        STACKWRIGHT_ROLES: 'grafana',
        TEMPORAL_TLS_CLIENT_CERT_PATH: '/nonexistent/tls.crt',
        TEMPORAL_TLS_CLIENT_KEY_PATH: '/x',
      },
      /^stackwright worker: TEMPORAL_TLS_CLIENT_CERT_PATH .*: cannot read \/nonexistent\/tls\.crt/,
    ],
    [
      { STACKWRIGHT_ROLES: 'kubernetes', KUBECONFIG: '/nonexistent/kubeconfig' },
      /^stackwright worker: KUBECONFIG: /,
    ],
  ])('exits 2 with the message on stderr for bad configuration %j', async (env, message) => {
    const r = worker(env);
    const { code } = await within(15_000, r.exit, 'exit');
    expect(code).toBe(2);
    expect(r.stderr()).toMatch(message);
    expect(r.stderr()).not.toMatch(/^\s+at /m); // no stack trace
    expect(r.stdout()).toBe('');
  });

  it('exits 1 with one line on stderr when Temporal is unreachable', async () => {
    const r = worker({ STACKWRIGHT_ROLES: 'grafana', TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` });
    const { code } = await within(30_000, r.exit, 'exit');
    expect(code).toBe(1);
    expect(r.stderr()).toMatch(
      /^stackwright worker: failed: cannot connect to Temporal at 127\.0\.0\.1:\d+ \(TEMPORAL_ADDRESS\): .+\n$/,
    );
  });

  it('exits 1 naming STACKWRIGHT_METRICS_ADDRESS when the metrics port is taken', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = busy.address() as net.AddressInfo;
      const r = worker({ STACKWRIGHT_ROLES: 'grafana', STACKWRIGHT_METRICS_ADDRESS: `127.0.0.1:${port}` });
      expect((await within(15_000, r.exit, 'exit')).code).toBe(1);
      expect(r.stderr()).toMatch(
        new RegExp(
          `^stackwright worker: failed: .*STACKWRIGHT_METRICS_ADDRESS=127\\.0\\.0\\.1:${port}.*in use`,
        ),
      );
    } finally {
      busy.close();
    }
  });

  it('stackwright operator exits 1 when its worker dies, instead of running on with the watcher alone', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = busy.address() as net.AddressInfo;
      // The watcher part would run fine (the local stack is up); the worker part cannot start.
      const r = run(
        'cli/cli.ts',
        {
          STACKWRIGHT_METRICS_ADDRESS: `127.0.0.1:${port}`,
          STACKWRIGHT_HTTP_ADDRESS: '127.0.0.1:0',
          STACKWRIGHT_WATCH_NAMESPACES: `sw-op-${randomUUID().slice(0, 6)}`,
        },
        ['operator'],
      );
      expect((await within(60_000, r.exit, 'exit')).code).toBe(1);
      expect(r.stderr()).toMatch(/the worker failed: .*STACKWRIGHT_METRICS_ADDRESS/);
    } finally {
      busy.close();
    }
  }, 90_000);

  it('runs workflows from a bundle built by scripts/build-workflow-bundle.ts', async () => {
    const bundle = path.join(tmp, 'workflow-bundle.js');
    const build = run('scripts/build-workflow-bundle.ts', {}, [bundle]);
    expect(await within(60_000, build.exit, 'bundling')).toEqual({ code: 0, signal: null });
    expect(build.stdout()).toContain(`wrote ${bundle}`);

    const r = worker({ STACKWRIGHT_ROLES: 'workflows', STACKWRIGHT_WORKFLOW_BUNDLE: bundle });
    await running(r);
    expect(r.stdout()).toContain(`"workflowBundle":"${bundle}"`);
    expect(r.stdout()).not.toMatch(/webpack/i); // loaded, not bundled at start

    // A stack workflow without a spec: the worker runs its first task and answers the status query.
    const ref: StackRef = {
      cluster: 'bundle-it',
      namespace: 'ns',
      name: `s-${randomUUID().slice(0, 8)}`,
      uid: '',
    };
    const client = new Client({ connection, namespace: NAMESPACE });
    const handle = await client.workflow.start('stackWorkflow', {
      taskQueue: WORKFLOW_TASK_QUEUE,
      workflowId: stackWorkflowId(ref),
      args: [{ ref }],
    });
    try {
      const view = await until('status query answer', r, () => handle.query(statusQuery), 20_000);
      expect(view).toMatchObject({ ref, phase: 'Pending', paused: false });
    } finally {
      await handle.terminate('worker-process test done');
    }
    await stopGracefully(r);
  });
});
