import { z } from 'zod';

/** A status condition of a Kubernetes object, as read: the fields readiness and its messages use. */
export const ConditionSchema = z.object({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
});
