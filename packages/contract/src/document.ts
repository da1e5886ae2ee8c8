import type { AccessLevel, Session } from '../generated/openapi.js';
import { readFileSync } from 'node:fs';

/** The bundled OpenAPI document, as generated from openapi/ by `pnpm generate`. */
export const openapiDocument = JSON.parse(
  readFileSync(new URL('../generated/openapi.json', import.meta.url), 'utf8'),
) as OpenApiDocument;

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, PathItem>;
  components: { schemas: Record<string, unknown> } & Record<string, unknown>;
  [key: string]: unknown;
}

export const httpMethods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;
export type HttpMethod = (typeof httpMethods)[number];

export interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  style?: string;
  explode?: boolean;
  schema: Record<string, unknown>;
}

export interface MediaTypeObject {
  schema?: Record<string, unknown>;
}

export interface ResponseObject {
  description: string;
  content?: Record<string, MediaTypeObject>;
}

export interface OperationObject {
  operationId: string;
  parameters?: ParameterObject[];
  requestBody?: { required?: boolean; content: Record<string, MediaTypeObject> };
  responses: Record<string, ResponseObject>;
  security?: Array<Record<string, string[]>>;
  'x-access-level'?: string[];
  [key: string]: unknown;
}

export type PathItem = { parameters?: ParameterObject[] } & Partial<Record<HttpMethod, OperationObject>>;

/**
 * The seed reference page's example session, as the contract gives it for `getSession` (the
 * numbers as numbers); demo data and tests take it from here rather than copy it.
 */
export const seedSessionExample = (
  openapiDocument.paths['/sbc/session/{id}']?.get?.responses['200']?.content?.['application/json'] as { example: Session }
).example;

/** The access levels of tokens, lowest to highest, as the contract's `AccessLevel` schema lists them. */
export const accessLevels = (openapiDocument.components.schemas['AccessLevel'] as { enum: readonly AccessLevel[] }).enum;
