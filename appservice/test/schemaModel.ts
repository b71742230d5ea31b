import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { get_dmmf } from "@prisma/prisma-schema-wasm";

/** What schema.prisma says the database holds, read with Prisma's own parser (its DMMF). */

const SCHEMA = fileURLToPath(new URL("../prisma/schema.prisma", import.meta.url));

export interface DmmfField {
  name: string;
  kind: string;
  type: string;
  isRequired: boolean;
  isId: boolean;
  isUnique: boolean;
  hasDefaultValue: boolean;
  dbName?: string | null;
}
export interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
  primaryKey: { fields: string[] } | null;
}
export interface DmmfIndex {
  model: string;
  type: "id" | "unique" | "normal" | "fulltext";
  fields: { name: string }[];
}

export interface ExpectedColumn {
  name: string;
  /** Prisma's scalar type (String, Int, …), for the caller to map to its database's type. */
  prismaType: string;
  notnull: boolean;
  pk: boolean;
  hasDefault: boolean;
}

export interface ExpectedIndex {
  unique: boolean;
  columns: string[];
}

export async function datamodel(): Promise<{ models: DmmfModel[]; indexes: DmmfIndex[] }> {
  const dmmf = JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: await readFile(SCHEMA, "utf8") }))) as {
    datamodel: { models: DmmfModel[]; indexes: DmmfIndex[] };
  };
  return dmmf.datamodel;
}

export function tableName(model: DmmfModel): string {
  return model.dbName ?? model.name;
}

/** The model's columns in declaration order. */
export function expectedColumns(model: DmmfModel): ExpectedColumn[] {
  return model.fields
    .filter((field) => field.kind === "scalar" || field.kind === "enum")
    .map((field) => ({
      name: field.dbName ?? field.name,
      prismaType: field.kind === "enum" ? "String" : field.type,
      notnull: field.isRequired,
      pk: field.isId || (model.primaryKey?.fields.includes(field.name) ?? false),
      hasDefault: field.hasDefaultValue && !field.isId,
    }));
}

/** The model's indexes besides its primary key: @unique fields, @@unique and @@index. */
export function expectedIndexes(model: DmmfModel, indexes: DmmfIndex[]): ExpectedIndex[] {
  const uniqueFields = model.fields
    .filter((field) => field.isUnique)
    .map((field) => ({ unique: true, columns: [field.dbName ?? field.name] }));
  const modelIndexes = indexes
    .filter((index) => index.model === model.name && (index.type === "unique" || index.type === "normal"))
    .filter(
      (index) =>
        !(
          index.type === "unique" &&
          index.fields.length === 1 &&
          uniqueFields.some((u) => u.columns[0] === index.fields[0]?.name)
        ),
    )
    .map((index) => ({ unique: index.type === "unique", columns: index.fields.map((field) => field.name) }));
  return [...uniqueFields, ...modelIndexes];
}

export const indexKey = (index: ExpectedIndex) => `${index.unique}:${index.columns.join(",")}`;
