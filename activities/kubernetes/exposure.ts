import { z } from 'zod';
import { exposureMode, type IngressExposure, type LoadBalancerExposure } from '../../crd/index.js';
import type { StackRef } from '../../domain/stack-ref.js';
import { checkRef, parseSpec, type KubeContext } from './context.js';
import { parseResponse } from './failure.js';
import { exposureTarget, ingressManifest, loadBalancerManifest } from './exposure-manifests.js';
import { shortName, type ObjectKey } from './objects.js';
import { applyAll } from './apply-all.js';
import { exposureKeys, ingressKey, loadBalancerKey } from './stack-objects.js';
import type { ApplyExposureResult, DeleteResult, ExposureStatus, SpecInput, StackInput } from './types.js';

async function deleteAll(ctx: KubeContext, ref: StackRef, keys: ObjectKey[]): Promise<string[]> {
  const deleted: string[] = [];
  for (const key of keys) if (await ctx.objects.delete(key, ref.name)) deleted.push(shortName(key));
  return deleted;
}

/** Creates the object the exposure mode needs and deletes the one of a previous mode. */
export async function applyExposure(ctx: KubeContext, input: SpecInput): Promise<ApplyExposureResult> {
  const { ref } = input;
  checkRef(ctx, ref);
  const spec = parseSpec(ref, input.spec);
  const exposure = exposureMode(spec.exposure);
  const target = exposureTarget(ref, spec);
  switch (exposure.mode) {
    case 'url':
      return { changed: [], deleted: await deleteAll(ctx, ref, exposureKeys(ref)) };
    case 'ingress':
      return {
        changed: await applyAll(ctx, ref, [ingressManifest(ref, exposure.ingress, target)]),
        deleted: await deleteAll(ctx, ref, [loadBalancerKey(ref)]),
      };
    case 'loadBalancer':
      return {
        changed: await applyAll(ctx, ref, [loadBalancerManifest(ref, exposure.loadBalancer, target)]),
        deleted: await deleteAll(ctx, ref, [ingressKey(ref)]),
      };
  }
}

export async function deleteExposure(ctx: KubeContext, { ref }: StackInput): Promise<DeleteResult> {
  checkRef(ctx, ref);
  return { deleted: await deleteAll(ctx, ref, exposureKeys(ref)) };
}

// status.loadBalancer of an Ingress and of a Service have the same shape.
const LoadBalancerStatusSchema = z.object({
  status: z
    .object({
      loadBalancer: z
        .object({
          ingress: z
            .array(z.object({ ip: z.string().optional(), hostname: z.string().optional() }))
            .optional(),
        })
        .optional(),
    })
    .optional(),
});
const IngressSchema = LoadBalancerStatusSchema.extend({
  spec: z.object({ rules: z.array(z.object({ host: z.string().optional() })).optional() }).optional(),
});
const ServiceSchema = LoadBalancerStatusSchema.extend({
  spec: z.object({ ports: z.array(z.object({ port: z.number() })).optional() }).optional(),
});

/** The first address a controller published; IPv6 literals are bracketed for use in a URL. */
function published(o: z.output<typeof LoadBalancerStatusSchema>): string | undefined {
  for (const a of o.status?.loadBalancer?.ingress ?? []) {
    if (a.hostname) return a.hostname;
    if (a.ip) return a.ip.includes(':') ? `[${a.ip}]` : a.ip;
  }
  return undefined;
}

async function ingressStatus(
  ctx: KubeContext,
  ref: StackRef,
  ingress: IngressExposure,
): Promise<ExposureStatus> {
  const key = ingressKey(ref);
  const found = await ctx.objects.read(key);
  if (!found) return { message: `Ingress ${key.name} does not exist yet` };
  const o = parseResponse(IngressSchema, found.object, `read Ingress ${key.name}`);
  if (o.spec?.rules?.[0]?.host !== ingress.host) {
    return { message: `Ingress ${key.name} does not serve host ${ingress.host} yet` };
  }
  if (!published(o)) {
    return {
      message: `waiting for an ingress controller to admit Ingress ${key.name} (no address in its status yet)`,
    };
  }
  const scheme = ingress.tlsSecretName !== undefined ? 'https' : 'http';
  // Without the trailing "/", so the URL reads like the ones users give in exposure.url.
  const path = ingress.path.replace(/\/+$/, '');
  const externalUrl = `${scheme}://${ingress.host}${path}`;
  return { externalUrl, message: `served by Ingress ${key.name} at ${externalUrl}` };
}

async function loadBalancerStatus(
  ctx: KubeContext,
  ref: StackRef,
  lb: LoadBalancerExposure,
): Promise<ExposureStatus> {
  const key = loadBalancerKey(ref);
  const found = await ctx.objects.read(key);
  if (!found) return { message: `Service ${key.name} does not exist yet` };
  const o = parseResponse(ServiceSchema, found.object, `read Service ${key.name}`);
  if (!o.spec?.ports?.some((p) => p.port === lb.port)) {
    return { message: `Service ${key.name} does not listen on port ${lb.port} yet` };
  }
  const address = published(o);
  if (!address) {
    return { message: `waiting for a load balancer controller to give Service ${key.name} an address` };
  }
  const externalUrl = `http://${address}:${lb.port}`;
  return { externalUrl, message: `served by LoadBalancer Service ${key.name} at ${externalUrl}` };
}

/** Where Grafana reaches Prometheus, once it is known. */
export async function exposureStatus(ctx: KubeContext, input: SpecInput): Promise<ExposureStatus> {
  const { ref } = input;
  checkRef(ctx, ref);
  const exposure = exposureMode(parseSpec(ref, input.spec).exposure);
  switch (exposure.mode) {
    case 'url':
      return { externalUrl: exposure.url, message: `exposed at ${exposure.url} (given in the spec)` };
    case 'ingress':
      return ingressStatus(ctx, ref, exposure.ingress);
    case 'loadBalancer':
      return loadBalancerStatus(ctx, ref, exposure.loadBalancer);
  }
}
