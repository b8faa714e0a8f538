import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { logPath, pidPath } from './paths.js';

/** What `dev up` records per process so `dev down` stops exactly what it started. */
const PidRecord = z.object({
  pid: z.number().int().positive(),
  match: z.string().min(1),
  startedAt: z.string(),
});
export type PidRecord = z.infer<typeof PidRecord>;

export function readPid(component: string): PidRecord | undefined {
  try {
    const parsed = PidRecord.safeParse(JSON.parse(fs.readFileSync(pidPath(component), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Alive and still ours: the pid exists and its command line still contains the
 * marker recorded at start, so a recycled pid is never mistaken for (or killed as) ours.
 */
export function isOurs(rec: PidRecord | undefined): rec is PidRecord {
  if (!rec) return false;
  try {
    const cmdline = fs.readFileSync(`/proc/${rec.pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    return cmdline.includes(rec.match) && !isZombie(rec.pid);
  } catch {
    return false;
  }
}

function isZombie(pid: number): boolean {
  try {
    return /^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}

export interface StartSpec {
  component: string;
  bin: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** Substring of the command line that identifies this process; defaults to bin. */
  match?: string;
}

/** Starts a detached process (own session, survives the CLI) logging to logs/<component>.log. */
export function startDetached(spec: StartSpec): PidRecord {
  fs.mkdirSync(path.dirname(logPath(spec.component)), { recursive: true });
  fs.mkdirSync(path.dirname(pidPath(spec.component)), { recursive: true });
  const log = fs.openSync(logPath(spec.component), 'a');
  fs.writeSync(log, `\n=== ${new Date().toISOString()} starting: ${spec.bin} ${spec.args.join(' ')}\n`);
  const child = spawn(spec.bin, spec.args, {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    detached: true,
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  if (child.pid === undefined) throw new Error(`${spec.component}: could not start ${spec.bin}`);
  child.unref();
  const rec: PidRecord = {
    pid: child.pid,
    match: spec.match ?? spec.bin,
    startedAt: new Date().toISOString(),
  };
  fs.writeFileSync(pidPath(spec.component), JSON.stringify(rec));
  return rec;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after the grace period. Only ever signals a pid that is still ours. */
export async function stopComponent(component: string, graceMs = 10_000): Promise<'stopped' | 'not-running'> {
  const rec = readPid(component);
  if (!isOurs(rec)) {
    fs.rmSync(pidPath(component), { force: true });
    return 'not-running';
  }
  // A stopped (SIGSTOP) process acts on SIGTERM only once it runs again.
  process.kill(rec.pid, 'SIGCONT');
  process.kill(rec.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && isOurs(rec)) await sleep(100);
  if (isOurs(rec)) process.kill(rec.pid, 'SIGKILL');
  while (isOurs(rec)) await sleep(50);
  fs.rmSync(pidPath(component), { force: true });
  return 'stopped';
}

/** Last lines of a component's log, for error reports. */
export function logTail(component: string, lines = 40): string {
  try {
    return fs.readFileSync(logPath(component), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
