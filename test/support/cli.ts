import { execFile } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../../devstack/paths.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `stackwright` CLI (from source, via tsx) as a separate process. */
export function runCli(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'cli', 'cli.ts'), ...args],
      { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 180_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin ?? '');
  });
}
