/**
 * Fastify's own schema compilers (ajv for request validation, fast-json-stringify for responses), wrapped so a
 * route's schemas compile on the route's first request instead of at start. Compiling ~60 routes' schemas
 * eagerly was about a second of CPU before the first answer (the largest part of cold start); most routes of a
 * given run are never called. Behaviour is unchanged: the same compilers, options and error objects.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

type Validate = ((data: unknown) => unknown) & { errors?: unknown };
type BuildValidator = (externalSchemas: unknown, options: unknown) => (route: unknown) => Validate;
type Serialize = (data: unknown) => string;
type BuildSerializer = (externalSchemas: unknown, options: unknown) => (route: unknown) => Serialize;

const ajvCompiler = require('@fastify/ajv-compiler') as () => BuildValidator;
const { SerializerSelector } = require('@fastify/fast-json-stringify-compiler') as { SerializerSelector: () => BuildSerializer };

function lazyValidators(): BuildValidator {
  const build = ajvCompiler();
  return (externalSchemas, options) => {
    const compile = build(externalSchemas, options);
    return (route) => {
      let compiled: Validate | undefined;
      const validate: Validate = (data) => {
        compiled ??= compile(route);
        const result = compiled(data);
        validate.errors = compiled.errors;
        return result;
      };
      return validate;
    };
  };
}

function lazySerializers(): BuildSerializer {
  const build = SerializerSelector();
  return (externalSchemas, options) => {
    const compile = build(externalSchemas, options);
    return (route) => {
      let compiled: Serialize | undefined;
      return (data) => (compiled ??= compile(route))(data);
    };
  };
}

/** The `schemaController` option of the Fastify app. */
export function lazySchemaController(): { compilersFactory: { buildValidator: BuildValidator; buildSerializer: BuildSerializer } } {
  return { compilersFactory: { buildValidator: lazyValidators(), buildSerializer: lazySerializers() } };
}
