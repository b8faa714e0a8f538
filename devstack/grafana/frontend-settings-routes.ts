import { ok } from './responses.js';
import type { Route } from './router.js';
import { EMULATOR_COMMIT, EMULATOR_VERSION } from './version.js';

/**
 * `GET /api/frontend/settings` (trailing slash optional): the settings Grafana's
 * UI boots from, served to any signed-in caller with no permission check.
 * Clients such as grafana-operator read the server version from
 * `buildInfo.version` here. Only the fields a client can rely on are emulated.
 */
export function frontendSettingsRoutes(): Route[] {
  return [
    {
      methods: ['GET'],
      pattern: '/api/frontend/settings',
      handler: (ctx) => {
        const host = ctx.headers.host ?? 'localhost';
        return ok({
          appUrl: `http://${host}/`,
          appSubUrl: '',
          allowOrgCreate: false,
          anonymousEnabled: false,
          featureToggles: {},
          buildInfo: {
            version: EMULATOR_VERSION,
            versionString: `Grafana emulator v${EMULATOR_VERSION} (${EMULATOR_COMMIT})`,
            commit: EMULATOR_COMMIT,
            edition: 'Open Source',
            env: 'production',
            latestVersion: '',
            hasUpdate: false,
            hideVersion: false,
            buildstamp: 0,
          },
        });
      },
    },
  ];
}
