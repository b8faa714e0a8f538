import { beforeEach, describe, expect, it } from '@jest/globals';
import type { CustomObjectsApi, EventsV1Api, EventsV1Event } from '@kubernetes/client-node';
import pino from 'pino';
import { FINALIZER } from '../../crd/constants.js';
import type { StackRef } from '../../domain/stack-ref.js';
import type { DesiredSpec, TeardownRequest } from '../../workflows/definitions.js';
import { WatcherMetrics } from '../../watcher/metrics.js';
import { Reconciler, teardownRequest } from '../../watcher/reconciler.js';
import { WatchedStackSchema, type WatchedStack } from '../../watcher/stack-object.js';
import type { StackWorkflows } from '../../watcher/stack-workflows.js';

// The reconciler's decisions against fakes of the apiserver and of Temporal.

type Raw = {
  metadata: WatchedStack['metadata'];
  spec: unknown;
  status?: {
    conditions?: { type: string; status: string; reason: string; message: string }[];
    phase?: string;
  };
};

const validSpec = {
  exposure: { url: 'http://prom.example:9090' },
  grafana: { instance: 'default' },
};
const invalidSpec = { ...validSpec, prometheus: { replicas: -1 } };

/** The apiserver for one object: resourceVersion checks, 409s and 404s as the real one answers. */
class FakeApi {
  obj: Raw | undefined;
  writes: { op: 'patch' | 'status'; body: Record<string, unknown> }[] = [];
  private rv = 1;

  constructor(obj: Raw) {
    this.obj = structuredClone(obj);
  }

  private check(body: { metadata?: { resourceVersion?: string } }) {
    if (!this.obj) throw Object.assign(new Error('not found'), { code: 404 });
    const rv = body.metadata?.resourceVersion;
    if (rv !== undefined && rv !== this.obj.metadata.resourceVersion)
      throw Object.assign(new Error('conflict'), { code: 409 });
  }
  private bump() {
    this.obj!.metadata.resourceVersion = String(++this.rv + 100);
    return structuredClone(this.obj);
  }
  /** Someone else writes (a newer version exists). */
  touch() {
    this.bump();
  }

  readonly api = {
    patchNamespacedCustomObject: async (req: {
      body: { metadata: { resourceVersion?: string; finalizers: string[] } };
    }) => {
      this.writes.push({ op: 'patch', body: req.body });
      this.check(req.body);
      this.obj!.metadata.finalizers = req.body.metadata.finalizers;
      const written = this.bump();
      // Like the apiserver: no finalizers left on a deleted object, and it is gone.
      if (this.obj!.metadata.deletionTimestamp && this.obj!.metadata.finalizers?.length === 0)
        this.obj = undefined;
      return written;
    },
    replaceNamespacedCustomObjectStatus: async (req: {
      body: { metadata: { resourceVersion: string }; status: Raw['status'] };
    }) => {
      this.writes.push({ op: 'status', body: req.body });
      this.check(req.body);
      this.obj!.status = req.body.status;
      return this.bump();
    },
    getNamespacedCustomObject: async () => {
      this.check({});
      return structuredClone(this.obj);
    },
  } as unknown as CustomObjectsApi;
}

/** Temporal as seen through StackWorkflows: one stack workflow, running or not, for some uid. */
class FakeWorkflows {
  running = false;
  uid: string | undefined;
  generation = 0;
  /** waitClosed reports "still running" this many times before the workflow ends. */
  closesAfter = 1;
  calls: (['handOver', number, string] | ['teardown', TeardownRequest, string | undefined])[] = [];

  /** What visibility lists at the start of a term; an Error: the list fails. */
  listed: Map<string, { uid: string; generation: number }> | Error = new Map();

  readonly api = {
    listHeld: async () => {
      if (this.listed instanceof Error) throw this.listed;
      return this.listed;
    },
    state: async (_ref: StackRef, withUid: boolean) =>
      this.running ? { running: true, ...(withUid && { uid: this.uid }) } : { running: false },
    // As the real one: a start when none runs; else the workflow's validator judges uid, then generation.
    handOver: async (ref: StackRef, desired: DesiredSpec) => {
      if (this.running && this.uid !== ref.uid)
        return { otherIncarnation: `this workflow serves CR uid ${this.uid}, not ${ref.uid}` };
      this.calls.push(['handOver', desired.generation, ref.uid]);
      if (this.running && desired.generation <= this.generation) return 'unchanged';
      const wasRunning = this.running;
      this.running = true;
      this.uid = ref.uid;
      this.generation = desired.generation;
      return wasRunning ? 'signalled' : 'started';
    },
    teardown: async (_ref: StackRef, request: TeardownRequest) => {
      this.calls.push(['teardown', request, this.uid]);
      return this.running;
    },
    waitClosed: async () => {
      if (--this.closesAfter > 0) return false;
      this.running = false;
      return true;
    },
  } as unknown as StackWorkflows;
}

function stack(over: Partial<Raw['metadata']> = {}, spec: unknown = validSpec, status?: Raw['status']): Raw {
  return {
    metadata: {
      name: 'web',
      namespace: 'team-a',
      uid: 'uid-1',
      generation: 1,
      resourceVersion: '100',
      ...over,
    },
    spec,
    ...(status && { status }),
  };
}

/** events.k8s.io as the apiserver keeps it: by name, created once, then counted. */
class FakeEvents {
  readonly byName = new Map<string, EventsV1Event>();
  readonly api = {
    readNamespacedEvent: async ({ name }: { name: string }) => {
      const e = this.byName.get(name);
      if (!e) throw Object.assign(new Error('not found'), { code: 404 });
      return structuredClone(e);
    },
    createNamespacedEvent: async ({ body }: { body: EventsV1Event }) => {
      this.byName.set(body.metadata!.name!, structuredClone(body));
      return body;
    },
    replaceNamespacedEvent: async ({ name, body }: { name: string; body: EventsV1Event }) => {
      this.byName.set(name, structuredClone(body));
      return body;
    },
  } as unknown as EventsV1Api;
}

let metrics: WatcherMetrics;
let fakeWf: FakeWorkflows;
let events: FakeEvents;
const signal = new AbortController().signal;
const reconcilerFor = (api: FakeApi) =>
  new Reconciler({
    cluster: 'c1',
    custom: api.api,
    events: events.api,
    workflows: fakeWf.api,
    metrics,
    logger: pino({ level: 'silent' }),
    teardownWaitMs: 10,
    concurrency: 4,
  });
/** What the informer would hand over: the object as currently stored. */
const current = (api: FakeApi): WatchedStack => WatchedStackSchema.parse(api.obj);

beforeEach(() => {
  metrics = new WatcherMetrics();
  fakeWf = new FakeWorkflows();
  events = new FakeEvents();
});

describe('Reconciler: hand-over', () => {
  it('adds the finalizer (guarded by resourceVersion), then hands generation 1 over', async () => {
    const api = new FakeApi(stack());
    await reconcilerFor(api).reconcile(current(api), signal);
    expect(api.writes[0]).toEqual({
      op: 'patch',
      body: { metadata: { resourceVersion: '100', finalizers: [FINALIZER] } },
    });
    expect(fakeWf.calls).toEqual([['handOver', 1, 'uid-1']]);
    expect(metrics.get('stackwright_watcher_workflows_started_total')).toBe(1);
  });

  it('a 409 on the finalizer patch waits for the next event; nothing is handed over', async () => {
    const api = new FakeApi(stack());
    const stale = current(api);
    api.touch();
    await expect(reconcilerFor(api).reconcile(stale, signal)).resolves.toBeUndefined();
    expect(fakeWf.calls).toEqual([]);
  });

  it('hands each generation over once: repeated and status-only events are skipped', async () => {
    const api = new FakeApi(stack({ finalizers: [FINALIZER] }));
    const r = reconcilerFor(api);
    await r.reconcile(current(api), signal);
    await r.reconcile(current(api), signal); // re-listed
    api.obj!.status = { phase: 'Ready' };
    api.touch(); // the saga's status write: same generation
    await r.reconcile(current(api), signal);
    api.obj!.metadata.generation = 2;
    api.touch();
    await r.reconcile(current(api), signal);
    expect(fakeWf.calls).toEqual([
      ['handOver', 1, 'uid-1'],
      ['handOver', 2, 'uid-1'],
    ]);
    expect(metrics.get('stackwright_watcher_workflows_signalled_total')).toBe(1);
  });

  it('a running workflow of an older CR incarnation is torn down first, then the new one starts', async () => {
    fakeWf.running = true;
    fakeWf.uid = 'uid-old';
    fakeWf.closesAfter = 2;
    const api = new FakeApi(stack({ finalizers: [FINALIZER] }));
    const r = reconcilerFor(api);
    expect(await r.reconcile(current(api), signal)).toEqual({ requeueAfterMs: expect.any(Number) });
    expect(fakeWf.calls).toEqual([['teardown', { deletionPolicy: 'Delete' }, 'uid-old']]);
    // Closed now: asked again at once, and this CR's workflow starts.
    expect(await r.reconcile(current(api), signal)).toEqual({ requeueAfterMs: 0 });
    await r.reconcile(current(api), signal);
    expect(fakeWf.calls.at(-1)).toEqual(['handOver', 1, 'uid-1']);
    expect(metrics.get('stackwright_watcher_teardowns_total')).toBe(1);
    expect(metrics.get('stackwright_watcher_workflows_started_total')).toBe(1);
  });

  it('a watcher that restarts finds the generation already handed over: unchanged, no second start', async () => {
    const api = new FakeApi(stack({ finalizers: [FINALIZER] }));
    await reconcilerFor(api).reconcile(current(api), signal);
    await reconcilerFor(api).reconcile(current(api), signal); // fresh caches, as after a restart
    expect(metrics.get('stackwright_watcher_workflows_started_total')).toBe(1);
    expect(metrics.get('stackwright_watcher_workflows_unchanged_total')).toBe(1);
  });

  it('a term that starts among running workflows hands over only what they do not hold yet', async () => {
    fakeWf.running = true;
    fakeWf.uid = 'uid-1';
    fakeWf.generation = 2;
    fakeWf.listed = new Map([
      ['team-a/web', { uid: 'uid-1', generation: 2 }],
      ['team-a/old', { uid: 'uid-0', generation: 5 }],
      ['team-a/behind', { uid: 'uid-1', generation: 1 }],
    ]);
    const held = new FakeApi(stack({ finalizers: [FINALIZER], generation: 2 }));
    const r = reconcilerFor(held);
    r.start();
    await r.reconcile(current(held), signal);
    await r.reconcile(current(held), signal); // re-listed: still nothing to do
    expect(fakeWf.calls).toEqual([]);
    expect(metrics.get('stackwright_watcher_workflows_known_total')).toBe(1);
    // The listing is used once: the next generation is handed over as usual.
    held.obj!.metadata.generation = 3;
    held.touch();
    await r.reconcile(current(held), signal);
    expect(fakeWf.calls).toEqual([['handOver', 3, 'uid-1']]);

    // Listed for another CR incarnation, or an older generation: handed over (and judged there).
    for (const [name, uid, generation] of [
      ['old', 'uid-2', 1],
      ['behind', 'uid-1', 2],
    ] as const) {
      const api = new FakeApi(stack({ name, uid, generation, finalizers: [FINALIZER] }));
      fakeWf.running = false;
      await r.reconcile(current(api), signal);
      expect(fakeWf.calls.at(-1)).toEqual(['handOver', generation, uid]);
    }
    expect(metrics.get('stackwright_watcher_workflows_known_total')).toBe(1);
  });

  it('a visibility list that fails costs only RPCs: every stack is handed over', async () => {
    fakeWf.listed = new Error('deadline exceeded');
    const api = new FakeApi(stack({ finalizers: [FINALIZER] }));
    const r = reconcilerFor(api);
    r.start();
    await r.reconcile(current(api), signal);
    expect(fakeWf.calls).toEqual([['handOver', 1, 'uid-1']]);
    expect(metrics.get('stackwright_watcher_workflows_known_total')).toBe(0);
  });

  it('works on at most `concurrency` stacks at once; a teardown being waited for holds no place', async () => {
    let inFlight = 0;
    let peak = 0;
    const slow = {
      handOver: async () => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return 'started' as const;
      },
    } as unknown as StackWorkflows;
    const apis = Array.from(
      { length: 10 },
      (_, i) => new FakeApi(stack({ name: `s${i}`, finalizers: [FINALIZER] })),
    );
    const r = new Reconciler({
      cluster: 'c1',
      custom: apis[0]!.api,
      events: events.api,
      workflows: slow,
      metrics,
      logger: pino({ level: 'silent' }),
      teardownWaitMs: 10,
      concurrency: 3,
    });
    await Promise.all(apis.map((a) => r.reconcile(current(a), signal)));
    expect(peak).toBe(3);
    expect(metrics.get('stackwright_watcher_workflows_started_total')).toBe(10);

    // One place, taken by a stack whose teardown is being waited for: another stack still gets through.
    let closeTeardown!: () => void;
    const waiting = {
      state: async () => ({ running: true, uid: 'uid-1' }),
      teardown: async () => true,
      waitClosed: () => new Promise<boolean>((resolve) => (closeTeardown = () => resolve(true))),
      handOver: async () => 'started' as const,
    } as unknown as StackWorkflows;
    const gone = new FakeApi(stack({ name: 'gone', finalizers: [FINALIZER], deletionTimestamp: 'now' }));
    const other = new FakeApi(stack({ name: 'other', finalizers: [FINALIZER] }));
    const one = new Reconciler({
      cluster: 'c1',
      custom: gone.api,
      events: events.api,
      workflows: waiting,
      metrics,
      logger: pino({ level: 'silent' }),
      teardownWaitMs: 10,
      concurrency: 1,
    });
    const deleting = one.reconcile(current(gone), signal);
    await new Promise((r) => setTimeout(r, 5));
    await one.reconcile(current(other), signal);
    expect(metrics.get('stackwright_watcher_workflows_started_total')).toBe(11);
    closeTeardown();
    await deleting;
    expect(gone.obj).toBeUndefined();
  });
});

describe('Reconciler: invalid spec', () => {
  it('writes Failed + InvalidSpec (zod message) with observedGeneration; no workflow; once per generation', async () => {
    const api = new FakeApi(stack({ finalizers: [FINALIZER], generation: 3 }, invalidSpec));
    const r = reconcilerFor(api);
    await r.reconcile(current(api), signal);
    expect(fakeWf.calls).toEqual([]);
    const status = api.obj!.status as Record<string, unknown> & { conditions: Record<string, unknown>[] };
    expect(status).toMatchObject({ phase: 'Failed', observedGeneration: 3 });
    expect(status.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'InvalidSpec',
          status: 'True',
          reason: 'InvalidSpec',
          observedGeneration: 3,
          message: expect.stringMatching(/spec\.prometheus\.replicas/),
        }),
        expect.objectContaining({ type: 'Ready', status: 'False', reason: 'InvalidSpec' }),
      ]),
    );
    // Its own status event, and a fresh watcher seeing the same generation: no second write.
    await r.reconcile(current(api), signal);
    await reconcilerFor(api).reconcile(current(api), signal);
    expect(api.writes.filter((w) => w.op === 'status')).toHaveLength(1);
    expect(metrics.get('stackwright_watcher_invalid_specs_total')).toBe(1);
    // And one Warning Event on the CR, for kubectl describe.
    expect([...events.byName.values()]).toEqual([
      expect.objectContaining({
        type: 'Warning',
        reason: 'InvalidSpec',
        action: 'ValidateSpec',
        reportingController: 'stackwright.dev/operator',
        note: expect.stringMatching(/spec\.prometheus\.replicas/),
        regarding: expect.objectContaining({ kind: 'MonitoringStack', name: 'web', uid: 'uid-1' }),
      }),
    ]);
  });

  it('a valid generation after an invalid one clears InvalidSpec, then hands over', async () => {
    const api = new FakeApi(stack({ finalizers: [FINALIZER] }, invalidSpec));
    const r = reconcilerFor(api);
    await r.reconcile(current(api), signal);
    api.obj!.spec = validSpec;
    api.obj!.metadata.generation = 2;
    api.touch();
    await r.reconcile(current(api), signal);
    const conditions = (api.obj!.status?.conditions ?? []).filter((c) => c.type === 'InvalidSpec');
    expect(conditions).toEqual([expect.objectContaining({ status: 'False', reason: 'SpecValid' })]);
    expect(api.obj!.status).not.toHaveProperty('lastError');
    expect(fakeWf.calls).toEqual([['handOver', 2, 'uid-1']]);
  });
});

describe('Reconciler: deletion', () => {
  const deleting = {
    finalizers: ['other.example/keep', FINALIZER],
    deletionTimestamp: '2026-01-01T00:00:00Z',
  };

  it('no workflow (never started, or ended): removes only our finalizer', async () => {
    const api = new FakeApi(stack(deleting, invalidSpec));
    await reconcilerFor(api).reconcile(current(api), signal);
    expect(fakeWf.calls).toEqual([]);
    expect(api.obj?.metadata.finalizers).toEqual(['other.example/keep']);
    expect(metrics.get('stackwright_watcher_finalizers_removed_total')).toBe(1);
  });

  it('its workflow running: teardown with the deletion policy and spec; finalizer off only once it ended', async () => {
    fakeWf.running = true;
    fakeWf.uid = 'uid-1';
    fakeWf.closesAfter = 2;
    const api = new FakeApi(
      stack({ ...deleting, finalizers: [FINALIZER] }, { ...validSpec, deletionPolicy: 'Orphan' }),
    );
    const r = reconcilerFor(api);
    expect(await r.reconcile(current(api), signal)).toEqual({ requeueAfterMs: expect.any(Number) });
    expect(api.obj?.metadata.finalizers).toEqual([FINALIZER]);
    api.touch(); // the teardown wrote status meanwhile: the finalizer patch must use a fresh resourceVersion
    await r.reconcile(current(api), signal);
    expect(fakeWf.calls).toEqual([
      ['teardown', expect.objectContaining({ deletionPolicy: 'Orphan', spec: expect.any(Object) }), 'uid-1'],
      ['teardown', expect.objectContaining({ deletionPolicy: 'Orphan' }), 'uid-1'],
    ]);
    expect(api.obj).toBeUndefined(); // last finalizer gone: deleted
    expect(metrics.get('stackwright_watcher_teardowns_total')).toBe(1);
  });

  it('a deleting CR without our finalizer is left alone', async () => {
    const api = new FakeApi(stack({ ...deleting, finalizers: ['other.example/keep'] }));
    await reconcilerFor(api).reconcile(current(api), signal);
    expect(api.writes).toEqual([]);
    expect(fakeWf.calls).toEqual([]);
  });

  it('teardownRequest: the parsed spec, or the raw policy of an unparsable one', () => {
    const s = (spec: unknown) => WatchedStackSchema.parse(stack({}, spec));
    expect(teardownRequest(s({ ...validSpec, deletionPolicy: 'Orphan' }))).toMatchObject({
      deletionPolicy: 'Orphan',
      spec: { grafana: { instance: 'default' } },
    });
    expect(teardownRequest(s({ ...invalidSpec, deletionPolicy: 'Orphan' }))).toEqual({
      deletionPolicy: 'Orphan',
    });
    expect(teardownRequest(s(invalidSpec))).toEqual({ deletionPolicy: 'Delete' });
  });
});
