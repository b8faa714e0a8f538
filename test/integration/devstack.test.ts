import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Component, Ctx } from '../../devstack/components.js';
import { startComponents, StackError } from '../../devstack/stack.js';
import { isOurs, readPid } from '../../devstack/proc.js';
import { repoRoot } from '../../devstack/paths.js';
import { PORTS } from '../../devstack/ports.js';
import { runCli } from '../support/cli.js';

// Process supervision is tested with small real processes in a separate state
// dir, so the shared local stack is never disturbed.
let dir: string;
const saved = process.env.STACKWRIGHT_STATE_DIR;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-state-'));
  process.env.STACKWRIGHT_STATE_DIR = dir;
});
afterEach(() => {
  if (saved === undefined) delete process.env.STACKWRIGHT_STATE_DIR;
  else process.env.STACKWRIGHT_STATE_DIR = saved;
});

const ctx = {} as Ctx;
const lines: string[] = [];
const say = (l: string) => lines.push(l);

function sleeper(name: string, ports: number[] = []): Component {
  return {
    name,
    ports,
    endpoints: {},
    start: () => ({
      component: name,
      // The marker stays in this process's own command line (an exec'd shell would lose it).
      bin: process.execPath,
      args: ['-e', 'setTimeout(() => {}, 300_000)', `${name}-${path.basename(dir)}`],
      match: `${name}-${path.basename(dir)}`,
    }),
    ready: async () => true,
    readyTimeoutMs: 5000,
  };
}

function crasher(name: string): Component {
  return {
    name,
    ports: [],
    endpoints: {},
    start: () => ({
      component: name,
      bin: '/bin/sh',
      args: ['-c', `echo "boom: config invalid # ${name}"; exit 7`],
    }),
    ready: async () => false,
    readyTimeoutMs: 5000,
  };
}

describe('local stack supervision', () => {
  it('a component that fails to start: its log tail is shown and the others are stopped', async () => {
    const a = sleeper('alpha');
    await expect(startComponents([a, crasher('beta')], ctx, say)).rejects.toThrow(
      /beta failed to start: the process exited/,
    );
    expect(lines.join('\n')).toContain('boom: config invalid');
    expect(isOurs(readPid('alpha'))).toBe(false);
  });

  it('reuses a running component instead of starting a second copy', async () => {
    const a = sleeper('alpha');
    const first = await startComponents([a], ctx, say);
    const pid = readPid('alpha')?.pid;
    const second = await startComponents([a], ctx, say);
    expect(first.started).toEqual(['alpha']);
    expect(second.reused).toEqual(['alpha']);
    expect(readPid('alpha')?.pid).toBe(pid);
    process.kill(pid!, 'SIGKILL');
  });

  it('a component alive but unhealthy (stopped, not answering) is restarted; the rest is reused', async () => {
    const sick: { pid?: number } = {};
    const a = sleeper('alpha');
    const b: Component = { ...sleeper('beta'), ready: async () => readPid('beta')?.pid !== sick.pid };
    await startComponents([a, b], ctx, say);
    const alpha = readPid('alpha')!;
    const frozen = readPid('beta')!;
    sick.pid = frozen.pid;
    process.kill(frozen.pid, 'SIGSTOP');
    const r = await startComponents([a, b], ctx, say);
    expect(r).toEqual({ started: ['beta'], reused: ['alpha'], restarted: ['beta'] });
    expect(lines).toContain('beta is running but unhealthy; restarting it ...');
    expect(isOurs(frozen)).toBe(false);
    expect(readPid('alpha')).toEqual(alpha);
    const fresh = readPid('beta')!;
    expect(fresh.pid).not.toBe(frozen.pid);
    for (const p of [alpha.pid, fresh.pid]) process.kill(p, 'SIGKILL');
  }, 30_000);

  it('a port held by a foreign process: a clear error naming port and component, nothing started', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      const err = await startComponents([sleeper('alpha'), sleeper('gamma', [port])], ctx, say).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StackError);
      expect((err as Error).message).toMatch(new RegExp(`port ${port} .*in use.*gamma needs it`));
      expect(readPid('alpha')).toBeUndefined();
    } finally {
      srv.close();
    }
  });

  it('a stale pid file (dead or recycled pid) is not taken for a running component', () => {
    fs.mkdirSync(path.join(dir, 'pids'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'pids', 'alpha.pid'),
      JSON.stringify({ pid: process.pid, match: 'not-this-process', startedAt: '' }),
    );
    expect(isOurs(readPid('alpha'))).toBe(false);
    fs.writeFileSync(path.join(dir, 'pids', 'alpha.pid'), '{corrupt');
    expect(readPid('alpha')).toBeUndefined();
  });
});

describe('stackwright dev (CLI)', () => {
  it('status reports every component of the running stack as up, as JSON', async () => {
    const r = await runCli(['dev', 'status', '-o', 'json'], {
      STACKWRIGHT_STATE_DIR: saved ?? path.join(repoRoot, '.stackwright'),
    });
    const st = JSON.parse(r.stdout) as { name: string; state: string; cluster?: string }[];
    // The one-cluster stack in its order; extra clusters, then optional components, come after it.
    expect(st.slice(0, 8).map((s) => s.name)).toEqual([
      'etcd',
      'kube-apiserver',
      'kube-controller-manager',
      'kube-scheduler',
      'kwok',
      'temporal',
      'prometheus',
      'grafana-emulator',
    ]);
    for (const s of st.slice(8))
      expect(s.name).toMatch(
        s.cluster ? new RegExp(`^${s.cluster}/(kube-\\w|kwok$)`) : /^prometheus-operator$/,
      );
    expect(st.filter((s) => s.state !== 'up')).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('status of a stack that is not running: all down, exit code 4', async () => {
    const r = await runCli(['dev', 'status'], { STACKWRIGHT_STATE_DIR: dir });
    expect(r.code).toBe(4);
    expect(r.stdout.match(/ down /g)).toHaveLength(8);
  });

  it('up beside a running stack (other state dir): fails on the first taken port, starts nothing', async () => {
    const r = await runCli(['dev', 'up'], { STACKWRIGHT_STATE_DIR: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`port ${PORTS.etcdClient} on 127.0.0.1 is already in use, but etcd needs it`);
    expect(fs.existsSync(path.join(dir, 'pids'))).toBe(false);
  }, 120_000);

  it('an unknown subcommand or bad option exits 2', async () => {
    expect((await runCli(['dev', 'sideways'])).code).toBe(2);
    expect((await runCli(['dev', 'status', '-o', 'xml'])).code).toBe(2);
    for (const n of ['0', 'two'])
      expect((await runCli(['dev', 'up', '--clusters', n], { STACKWRIGHT_STATE_DIR: dir })).code).toBe(2);
  });
});
