import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sleep } from './clock.js';

/** Resource use of one process, from /proc (Linux). */
export interface ProcessUsage {
  rssMb: number;
  /** Peak RSS over the process's life (VmHWM). */
  peakRssMb: number;
  cpuSeconds: number;
}

const CLK_TCK = 100; // USER_HZ on Linux

export function processUsage(pid: number): ProcessUsage | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th of those.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[11]) + Number(rest[12]);
    return {
      rssMb: Math.round(kb('VmRSS') / 1024),
      peakRssMb: Math.round(kb('VmHWM') / 1024),
      cpuSeconds: ticks / CLK_TCK,
    };
  } catch {
    return undefined; // gone
  }
}

const live = new Set<BenchProcess>();

/** On SIGINT/SIGTERM, the bench's own children are stopped (by their pids) before it exits. */
export function stopChildrenOnSignal(): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      void Promise.all([...live].map((p) => p.kill())).finally(() => process.exit(130));
    });
  }
}

/** A child process the bench started, logging to a file; stopped only by its own pid. */
export class BenchProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private last: ProcessUsage | undefined;
  private sampler: NodeJS.Timeout | undefined;
  /** Highest RSS seen by sampling (VmHWM covers the life of one pid; this covers restarts too). */
  peakRssMb = 0;

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
    readonly logFile: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    fs.mkdirSync(path.dirname(this.logFile), { recursive: true });
    const out = fs.openSync(this.logFile, 'a');
    fs.writeSync(out, `\n=== ${new Date().toISOString()} start ${this.name}\n`);
    const child = spawn(this.command, this.args, { env: this.env, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    this.child = child;
    live.add(this);
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        live.delete(this);
        resolve();
      }),
    );
    this.sampler = setInterval(() => this.sample(), 500);
    this.sampler.unref();
  }

  /** Usage now (or at the last sample before it exited). */
  usage(): ProcessUsage | undefined {
    this.sample();
    return this.last;
  }

  private sample(): void {
    const pid = this.child?.pid;
    if (pid === undefined || this.child?.exitCode !== null) return;
    const u = processUsage(pid);
    if (!u) return;
    this.last = u;
    this.peakRssMb = Math.max(this.peakRssMb, u.peakRssMb);
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.sample();
    this.child!.kill('SIGTERM');
    const done = await Promise.race([this.exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!done) this.child!.kill('SIGKILL');
    await this.exited;
    clearInterval(this.sampler);
  }

  /** SIGKILL at once, as a crash would. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.sample();
    this.child!.kill('SIGKILL');
    await this.exited;
    clearInterval(this.sampler);
  }

  /** Resolves when the log file shows `pattern` after `fromOffset`; rejects when the process exits first. */
  async waitForLog(pattern: RegExp, timeoutMs: number, fromOffset = 0): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8').slice(fromOffset) : '';
      if (pattern.test(text)) return;
      if (!this.running) throw new Error(`${this.name} exited before it was ready; see ${this.logFile}`);
      if (Date.now() > deadline)
        throw new Error(`${this.name} not ready within ${timeoutMs / 1000}s; see ${this.logFile}`);
      await sleep(200);
    }
  }

  logSize(): number {
    return fs.existsSync(this.logFile) ? fs.statSync(this.logFile).size : 0;
  }
}
