/**
 * A JSON object as stored in a `jsonb` column. Its members are `any` rather than a recursive JSON type
 * because TypeORM's partial-entity types cannot follow a recursive type.
 */
export type JsonObject = Record<string, any>;
