import axios from 'axios';

/** One POST /api/datasources per workflow, as Stackwright's createFirst upsert makes. */
export function floorActivities(grafanaUrl: string, token: string, url: string) {
  const http = axios.create({ baseURL: grafanaUrl, headers: { Authorization: `Bearer ${token}` } });
  return {
    async createDatasource(uid: string): Promise<void> {
      await http.post('/api/datasources', {
        uid,
        name: `floor ${uid}`,
        type: 'prometheus',
        access: 'proxy',
        url,
      });
    },
    async noop(): Promise<void> {},
  };
}
export type FloorActivities = ReturnType<typeof floorActivities>;
