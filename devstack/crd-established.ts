import { execFileSync } from 'node:child_process';
import { run } from './components.js';

// `kubectl wait --for=condition=Established` fails at once, instead of waiting,
// on a CRD the apiextensions controller has not written a status for yet
// ("accessor error: <nil> is of the type <nil>"): right after the create, on a
// fast machine. That answer means "not yet"; anything else is a real failure.
const NOT_YET = /accessor error|NotFound|not found/;
const RETRY_MS = 250;

const waitArgs = (kubeconfig: string, targets: readonly string[], timeoutS: number) => [
  '--kubeconfig',
  kubeconfig,
  'wait',
  '--for=condition=Established',
  `--timeout=${timeoutS}s`,
  ...targets,
];

/** Waits until every CRD named (`crd/<name>`, or `-f <dir>`) is Established. */
export async function waitCrdsEstablished(
  kubectl: string,
  kubeconfig: string,
  targets: readonly string[],
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
    try {
      await run(kubectl, waitArgs(kubeconfig, targets, left), undefined, left * 1000 + 10_000);
      return;
    } catch (e) {
      if (!NOT_YET.test(String(e)) || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }
}

/** The same, blocking (for synchronous test setup). */
export function waitCrdsEstablishedSync(
  kubectl: string,
  kubeconfig: string,
  targets: readonly string[],
  timeoutMs = 30_000,
): void {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
    try {
      execFileSync(kubectl, waitArgs(kubeconfig, targets, left), { stdio: 'pipe' });
      return;
    } catch (e) {
      const stderr = String((e as { stderr?: unknown }).stderr ?? e);
      if (!NOT_YET.test(stderr) || Date.now() > deadline) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, RETRY_MS);
    }
  }
}
