/** Request/response schemas shared by routes (TypeBox → JSON Schema → validation + OpenAPI). */
import Type from 'typebox';
import { RESOURCE_NAME_PATTERN } from '../core/names.js';

export const ErrorResponse = Type.Object(
  { detail: Type.Union([Type.String(), Type.Array(Type.Object({ loc: Type.Array(Type.Union([Type.String(), Type.Number()])), msg: Type.String(), type: Type.String() }, { additionalProperties: true }))]) },
  { $id: 'ErrorResponse', description: 'Every error: a string, or the 422 list form' },
);

export const ResourceName = (description: string) => Type.String({ pattern: RESOURCE_NAME_PATTERN, description });

export const NamespaceParams = Type.Object({ namespace: ResourceName('Namespace') });
export const ProjectParams = Type.Object({ namespace: ResourceName('Namespace'), project: ResourceName('Project name') });

export const FreeObject = Type.Record(Type.String(), Type.Unknown());

/** Standard error responses to list in a route's schema. */
export function errors(...codes: number[]): Record<number, typeof ErrorResponse> {
  return Object.fromEntries(codes.map((c) => [c, ErrorResponse]));
}
