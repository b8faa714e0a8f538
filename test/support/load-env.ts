import { readEnvFile } from '../../devstack/env-file.js';
import { envFilePath } from '../../devstack/paths.js';

/**
 * Tests talk to the local stack that `npm test` brought up (`stackwright dev up`),
 * found through `.stackwright/env`. A variable already set in the environment
 * wins, which is how a suite is pointed at a real Grafana, Temporal or cluster.
 */
for (const [k, v] of Object.entries(readEnvFile(envFilePath()))) {
  if (process.env[k] === undefined) process.env[k] = v;
}
