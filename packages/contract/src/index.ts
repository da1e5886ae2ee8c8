export type * from '../generated/openapi.js';
export { openapiDocument, httpMethods, seedSessionExample, accessLevels } from './document.js';
export type { OpenApiDocument, OperationObject, ParameterObject, HttpMethod } from './document.js';
export { loadContract, describeErrors } from './operations.js';
export type { Contract, OperationContract, ValidationIssue, ParameterLocation } from './operations.js';
