import { loadState, saveState, type DatasourceRecord, type EmulatorState } from './state.js';

/**
 * In-memory, org-scoped view of the state file. Handlers validate first and
 * mutate last, then call persist(): a request that fails changes nothing, and
 * every successful mutation is on disk before the response is sent.
 */
export class Store {
  private constructor(
    readonly file: string,
    readonly state: EmulatorState,
  ) {}

  static open(file: string): Store {
    const store = new Store(file, loadState(file));
    store.persist(); // fail early if the location is not writable; also records filled-in seed ids
    return store;
  }

  persist(): void {
    saveState(this.file, this.state);
  }

  nextId(kind: keyof EmulatorState['nextIds']): number {
    return this.state.nextIds[kind]++;
  }

  hasOrg(orgId: number): boolean {
    return this.state.orgs.some((o) => o.id === orgId);
  }

  datasources(orgId: number): DatasourceRecord[] {
    return this.state.datasources.filter((d) => d.orgId === orgId);
  }

  dsByUid(orgId: number, uid: string): DatasourceRecord | undefined {
    return this.state.datasources.find((d) => d.orgId === orgId && d.uid === uid);
  }

  /** Exact (case-sensitive) match, like the (org_id, name) unique index on SQLite/Postgres. */
  dsByName(orgId: number, name: string): DatasourceRecord | undefined {
    return this.state.datasources.find((d) => d.orgId === orgId && d.name === name);
  }

  dsById(orgId: number, id: number): DatasourceRecord | undefined {
    return this.state.datasources.find((d) => d.orgId === orgId && d.id === id);
  }

  removeDatasource(ds: DatasourceRecord): void {
    this.state.datasources = this.state.datasources.filter((d) => d !== ds);
  }
}
