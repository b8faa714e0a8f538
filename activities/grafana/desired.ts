import {
  OWNED_FIELDS,
  jsonEqual,
  type DesiredDatasource,
  type OwnedField,
} from '../../domain/desired-datasource.js';
import type { DatasourceDto } from './schemas.js';

/**
 * The fields of a datasource Stackwright owns (domain/desired-datasource.ts),
 * and how a live one drifted from them. Everything else (user, database,
 * secrets, …) is left as found.
 */
export {
  desiredDatasource,
  jsonEqual,
  type DesiredDatasource,
  type JsonValue,
  type OwnedField,
} from '../../domain/desired-datasource.js';

/** Names of the owned fields whose live value differs from the desired one. */
export function drift(current: DatasourceDto, desired: DesiredDatasource): OwnedField[] {
  return OWNED_FIELDS.filter((f) => !jsonEqual(current[f] as unknown, desired[f]));
}
