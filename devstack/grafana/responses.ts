import crypto from 'node:crypto';

/** A handler's answer: status plus JSON body (or raw text). */
export interface Reply {
  status: number;
  body: unknown;
  /** Send `body` as text/plain instead of JSON. */
  text?: boolean;
  headers?: Record<string, string>;
}

/** Thrown by handlers to answer with an error body; shapes follow spec §0. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(typeof body.message === 'string' ? body.message : `HTTP ${status}`);
  }
}

export const ok = (body: unknown, status = 200): Reply => ({ status, body });

/** `{"message"}`; `traced` adds `traceID: ""`, as Grafana does when an underlying error was logged. */
export const fail = (status: number, message: string, traced = false): HttpError =>
  new HttpError(status, traced ? { message, traceID: '' } : { message });

/** Structured ("errutil") error. */
export const failCoded = (status: number, message: string, messageId: string): HttpError =>
  new HttpError(status, { message, messageId, statusCode: status, traceID: '' });

/** RBAC middleware denial. */
export const accessDenied = (permission: string): HttpError =>
  new HttpError(403, {
    title: 'Access denied',
    message: `You'll need additional permissions to perform this action. Permissions needed: ${permission}`,
    accessErrorId: `ACE${crypto
      .randomInt(0, 10 ** 10)
      .toString()
      .padStart(10, '0')}`,
  });

export const badRequestData = (): HttpError => fail(400, 'bad request data', true);
