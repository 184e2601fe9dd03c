// The newest values of a file of changes, one row per entity: what the file
// worker writes beside a file for a joining device (writeLatestFile in
// sync/change-file.ts), and what the device reads back (bulk-load.ts).
//   entities (entity_type, entity_id, attributes, new_values): the entity's
//     attribute names and their newest values in the file, each a JSON array
//     of text, in attribute order; rows in entity order.
//   sets (entity_type, attributes, entities): how many entities of each type
//     have each list of attributes, so that the rows of one list can be
//     written by one statement (bulk-rows.ts).

import type { EntityToWrite } from './materialize';

export const LATEST_ENTITIES_TABLE = 'entities';
export const LATEST_SETS_TABLE = 'sets';

/** entity_type, entity_id, attributes, new_values of LATEST_ENTITIES_TABLE. */
export type LatestEntityRow = [entityType: string, entityId: string, attributes: string, newValues: string];

/** The statements that make both tables from `newestPerAttribute`: a query of each attribute's newest value, in entity order. */
export function latestTablesSql(newestPerAttribute: string): string {
  return `CREATE TABLE ${LATEST_ENTITIES_TABLE} (entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, attributes TEXT NOT NULL, new_values TEXT NOT NULL);
    INSERT INTO ${LATEST_ENTITIES_TABLE} SELECT entity_type, entity_id, json_group_array(attribute), json_group_array(new_value)
      FROM (${newestPerAttribute}) GROUP BY 1, 2;
    CREATE TABLE ${LATEST_SETS_TABLE} AS SELECT entity_type, attributes, count(*) AS entities FROM ${LATEST_ENTITIES_TABLE} GROUP BY 1, 2;`;
}

export function entityOfLatestRow([type, id, attributes, values]: LatestEntityRow): EntityToWrite {
  const names = JSON.parse(attributes) as string[];
  const newest = JSON.parse(values) as Array<string | null>;
  return { type, id, latest: names.map((attribute, i) => ({ attribute, value: newest[i]! })) };
}
