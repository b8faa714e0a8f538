/** A variable the local stack (or the user) must provide; a clear failure otherwise. */
export function requireEnv(name: string): string {
  const v = process.env[name];
  if (!v)
    throw new Error(`${name} is not set: run 'npm test' (it starts the local stack) or set ${name} yourself`);
  return v;
}
