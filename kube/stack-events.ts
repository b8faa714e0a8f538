import { createHash } from 'node:crypto';
import type { EventsV1Api, EventsV1Event } from '@kubernetes/client-node';
import { API_VERSION, KIND } from '../crd/constants.js';
import type { StackEvent } from '../domain/stack-events.js';

/** Who reports the Events (events.k8s.io/v1 reportingController). */
export const REPORTING_CONTROLLER = 'stackwright.dev/operator';

export interface EventSubject {
  namespace: string;
  name: string;
  uid: string;
}

const NOTE_MAX = 1024;

/**
 * metav1.MicroTime: the apiserver insists on six fractional digits, but
 * client-node sends a Date as JSON (toISOString's three). Read back, it is the
 * server's string, which goes out again unchanged.
 */
class MicroTime extends Date {
  override toISOString(): string {
    return super.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  }
}
/** The occurrence last counted: a retried activity attempt must not count its event twice. */
const OCCURRENCE = 'stackwright.dev/occurrence';
const httpCode = (e: unknown) => (e as { code?: unknown } | null)?.code;

/**
 * Records `event` on the MonitoringStack. Like client-go's event recorder, an
 * Event that repeats (same regarding object, type, reason, action and note) is
 * not a new object: its series count and lastObservedTime go up, so a step that
 * keeps failing the same way is one line in `kubectl describe` ("x5 over 3m").
 * The Event's name is derived from that key, so concurrent or retried records
 * meet on one object; a conflict is re-read and counted again. `occurrence`
 * (e.g. the activity's workflow run and activity id) makes a retry a no-op.
 */
export async function recordStackEvent(
  api: EventsV1Api,
  subject: EventSubject,
  event: StackEvent,
  opts: { reportingInstance: string; occurrence?: string; now?: () => Date },
): Promise<'created' | 'counted' | 'unchanged'> {
  const now = () => new MicroTime((opts.now?.() ?? new Date()).getTime());
  const annotations = opts.occurrence ? { [OCCURRENCE]: opts.occurrence } : undefined;
  const note = event.note.length > NOTE_MAX ? `${event.note.slice(0, NOTE_MAX - 1)}…` : event.note;
  const hash = createHash('sha256')
    .update([subject.uid, event.type, event.reason, event.action, note].join('\0'))
    .digest('hex')
    .slice(0, 16);
  const name = `${subject.name.slice(0, 200)}.${hash}`;
  const namespace = subject.namespace;
  for (let attempt = 0; ; attempt++) {
    let existing: EventsV1Event | undefined;
    try {
      existing = await api.readNamespacedEvent({ name, namespace });
    } catch (e) {
      if (httpCode(e) !== 404) throw e;
    }
    try {
      if (!existing) {
        await api.createNamespacedEvent({
          namespace,
          body: {
            apiVersion: 'events.k8s.io/v1',
            kind: 'Event',
            metadata: {
              name,
              namespace,
              labels: { 'app.kubernetes.io/managed-by': 'stackwright' },
              ...(annotations && { annotations }),
            },
            eventTime: now(),
            type: event.type,
            reason: event.reason,
            action: event.action,
            note,
            reportingController: REPORTING_CONTROLLER,
            reportingInstance: opts.reportingInstance.slice(0, 128),
            regarding: {
              apiVersion: API_VERSION,
              kind: KIND,
              namespace,
              name: subject.name,
              uid: subject.uid,
            },
          },
        });
        return 'created';
      }
      if (opts.occurrence && existing.metadata?.annotations?.[OCCURRENCE] === opts.occurrence)
        return 'unchanged';
      // Only the series (and metadata) may change: the API keeps the other fields of an Event immutable.
      existing.metadata = {
        ...existing.metadata,
        annotations: { ...existing.metadata?.annotations, ...annotations },
      };
      existing.series = { count: (existing.series?.count ?? 1) + 1, lastObservedTime: now() };
      await api.replaceNamespacedEvent({ name, namespace, body: existing });
      return 'counted';
    } catch (e) {
      // Someone else created or counted it first: read again and count on top.
      if (httpCode(e) === 409 && attempt < 4) continue;
      throw e;
    }
  }
}
