import { z } from 'zod';
import { foldKeys, parseJson } from './http-io.js';
import { badRequestData } from './responses.js';

/**
 * Request bodies of POST/PUT /api/datasources. Go's decoder turns JSON null
 * into the zero value and rejects wrong types, so nullish fields default and a
 * type mismatch is a 400 `bad request data`. `readOnly`, `orgId` and `id` are
 * not part of the command and are dropped.
 */
const str = z
  .string()
  .nullish()
  .transform((v) => v ?? '');
const bool = z
  .boolean()
  .nullish()
  .transform((v) => v ?? false);

const fields = {
  name: str,
  type: str,
  access: str,
  url: str,
  database: str,
  user: str,
  basicAuth: bool,
  basicAuthUser: str,
  withCredentials: bool,
  isDefault: bool,
  jsonData: z.record(z.string(), z.unknown()).nullish(),
  /** null keeps everything; a key with "" (or null) clears that secret. */
  secureJsonData: z
    .record(
      z.string(),
      z
        .string()
        .nullable()
        .transform((v) => v ?? ''),
    )
    .nullish(),
  uid: str,
};

export const createCommand = z.object(fields);
export const updateCommand = z.object({
  ...fields,
  version: z
    .number()
    .int()
    .nullish()
    .transform((v) => v ?? 0),
});

export type CreateCommand = z.infer<typeof createCommand>;
export type UpdateCommand = z.infer<typeof updateCommand>;

const FIELD_NAMES = [...Object.keys(fields), 'version'];

export function parseCommand<T extends z.ZodType>(schema: T, bodyText: string): z.infer<T> {
  const body = parseJson(bodyText);
  const parsed = schema.safeParse(foldKeys(body, FIELD_NAMES));
  if (!parsed.success) throw badRequestData();
  return parsed.data;
}
