import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import axios, { type AxiosInstance } from 'axios';
import { z } from 'zod';
import { httpFailure } from '../errors.js';
import type { Env, GrafanaInstanceConfig } from './config.js';
import { authorizationHeader } from './credentials.js';

export interface GrafanaRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path under the instance URL, e.g. `/api/datasources`. */
  path: string;
  orgId: number;
  body?: unknown;
  /** What is being done, for messages: "create datasource sw-…". */
  operation: string;
}

export interface GrafanaResponse {
  status: number;
  /** Parsed JSON when the body is JSON (whatever the Content-Type says), else the raw text. */
  body: unknown;
  /** Grafana's `message`, else the start of a text body, else the status. */
  message: string;
  retryAfter: string | null;
}

const errorBody = z.object({ message: z.string() });

/**
 * One Grafana instance over HTTP. Never throws on a status: callers decide what
 * a 404 or 409 means in their context and hand the rest to `failure`. Network
 * errors become retryable failures here, so no axios error (which carries the
 * request headers, Authorization included) ever leaves this module.
 */
export class GrafanaClient {
  private readonly http: AxiosInstance;

  constructor(
    readonly instance: GrafanaInstanceConfig,
    private readonly env: Env,
  ) {
    const ca = instance.tls?.caFile ? readCa(instance) : undefined;
    this.http = axios.create({
      baseURL: instance.url,
      timeout: instance.timeoutSeconds * 1000,
      // A redirect means a wrong URL (Grafana redirects non-API paths to /login); report it, do not follow.
      maxRedirects: 0,
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: (data: unknown) => data,
      httpAgent: new http.Agent({ keepAlive: true }),
      httpsAgent: new https.Agent({
        keepAlive: true,
        ...(ca ? { ca } : {}),
        rejectUnauthorized: !instance.tls?.insecureSkipVerify,
      }),
    });
  }

  get name(): string {
    return this.instance.name;
  }

  async request(req: GrafanaRequest): Promise<GrafanaResponse> {
    const authorization = await authorizationHeader(this.instance, this.env);
    try {
      const res = await this.http.request<unknown>({
        method: req.method,
        url: req.path,
        ...(req.body !== undefined ? { data: req.body } : {}),
        headers: {
          Authorization: authorization,
          'X-Grafana-Org-Id': String(req.orgId),
          Accept: 'application/json',
        },
        signal: activityCancellation(),
      });
      const body = parseBody(res.data);
      const header = res.headers['retry-after'] as unknown;
      return {
        status: res.status,
        body,
        message: messageOf(body, res.status, res.statusText),
        retryAfter: typeof header === 'string' ? header : null,
      };
    } catch (err) {
      throw this.failure(req.operation, { message: networkMessage(err) });
    }
  }

  /**
   * The shared HTTP classification (activities/errors.ts) with the instance
   * named in the message: "create datasource x: Grafana 'default' answered 401: …".
   */
  failure(
    operation: string,
    res: { status?: number; message: string; retryAfter?: string | null },
    alsoRetryable: number[] = [],
  ): ApplicationFailure {
    const f = httpFailure({ system: 'grafana', operation, ...res, alsoRetryable });
    const prefix = `${operation}: Grafana `;
    const message = f.message.startsWith(prefix)
      ? `${prefix}'${this.name}' ${f.message.slice(prefix.length)}`
      : f.message;
    return ApplicationFailure.create({
      message,
      type: f.type ?? undefined,
      nonRetryable: f.nonRetryable ?? undefined,
      details: [{ system: 'grafana', instance: this.name, status: res.status ?? null }],
      ...(f.nextRetryDelay !== undefined && f.nextRetryDelay !== null
        ? { nextRetryDelay: f.nextRetryDelay }
        : {}),
    });
  }

  /** A body we rely on, validated; unknown fields are ignored, a wrong shape is a clear failure. */
  parse<S extends z.ZodType>(schema: S, res: GrafanaResponse, operation: string): z.output<S> {
    const parsed = schema.safeParse(res.body);
    if (parsed.success) return parsed.data;
    // Retrying will not change what this server is: most likely the URL points at something else.
    throw ApplicationFailure.nonRetryable(
      `${operation}: Grafana '${this.name}' answered ${res.status} with an unexpected body ` +
        `(is ${this.instance.url} a Grafana?):\n${z.prettifyError(parsed.error)}`,
      'GrafanaUnexpectedResponse',
    );
  }
}

function readCa(instance: GrafanaInstanceConfig): Buffer {
  const file = instance.tls?.caFile ?? '';
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`Grafana '${instance.name}': cannot read tls.caFile ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** JSON whatever the Content-Type (`application/json; charset=UTF-8` included), else the text. */
function parseBody(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  if (data.trim() === '') return undefined;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return data;
  }
}

function messageOf(body: unknown, status: number, statusText: string): string {
  const parsed = errorBody.safeParse(body);
  if (parsed.success && parsed.data.message !== '') return parsed.data.message;
  if (typeof body === 'string' && body.trim() !== '') return body.trim().replace(/\s+/g, ' ').slice(0, 300);
  return statusText || `HTTP ${status}`;
}

/** The error's code and text only: an axios error also carries the request config and its headers. */
function networkMessage(err: unknown): string {
  if (axios.isAxiosError(err)) {
    if (axios.isCancel(err)) return 'request cancelled (activity cancelled)';
    return [err.code, err.message].filter(Boolean).join(' ');
  }
  return err instanceof Error ? err.message : String(err);
}

/** Abort in-flight requests when Temporal cancels the activity; nothing outside an activity. */
function activityCancellation(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}
