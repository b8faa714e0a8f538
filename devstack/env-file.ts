import fs from 'node:fs';

/**
 * The `.stackwright/env` file: KEY='value' lines that a shell can `source`
 * (each line is also `export`ed) and that tests load into process.env.
 */
export function writeEnvFile(file: string, vars: Record<string, string>): void {
  const lines = Object.entries(vars).map(([k, v]) => `export ${k}='${v.replaceAll("'", "'\\''")}'`);
  fs.writeFileSync(file, `# Written by 'stackwright dev up'. Source it: . ${file}\n${lines.join('\n')}\n`, {
    mode: 0o600,
  });
}

export function readEnvFile(file: string): Record<string, string> {
  if (!fs.existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^(?:export\s+)?([A-Z_][A-Z0-9_]*)='((?:[^']|'\\'')*)'$/.exec(line.trim());
    if (m?.[1] !== undefined && m[2] !== undefined) out[m[1]] = m[2].replaceAll("'\\''", "'");
  }
  return out;
}
