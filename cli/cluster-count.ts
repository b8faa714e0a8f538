import { InvalidArgumentError } from 'commander';
import { MAX_CLUSTERS } from '../devstack/clusters.js';

/** `--clusters <n>`: how many of the local stack's clusters (local, east, west). */
export function clusterCount(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_CLUSTERS)
    throw new InvalidArgumentError(`an integer from 1 to ${MAX_CLUSTERS}`);
  return n;
}
