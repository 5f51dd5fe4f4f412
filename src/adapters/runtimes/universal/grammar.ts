/**
 * Structured output on the universal runtime (issue 18 item 6): `response_format` `json_object` → node-llama-cpp's
 * JSON grammar, `json_schema` → its JSON-schema grammar, so decoding can only produce text of that shape. The
 * request layer has already checked the format (422); what is left here is node-llama-cpp's own refusal of a
 * schema (also a 422) and the one combination it cannot do: a grammar together with tools.
 */
import type { Llama, LlamaGrammar } from 'node-llama-cpp';
import { badRequest, unprocessable } from '../../../core/errors.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The grammar a request's `response_format` asks for; undefined for none or `text`. */
export async function responseFormatGrammar(llama: Llama, responseFormat: unknown, hasTools: boolean): Promise<LlamaGrammar | undefined> {
  if (!isObject(responseFormat) || (responseFormat.type !== 'json_object' && responseFormat.type !== 'json_schema')) return undefined;
  if (hasTools) throw badRequest(`response_format '${responseFormat.type}' cannot be combined with tools on the universal runtime`);
  if (responseFormat.type === 'json_object') return llama.getGrammarFor('json');
  const schema = isObject(responseFormat.json_schema) ? responseFormat.json_schema.schema : undefined;
  if (!isObject(schema)) throw unprocessable([{ loc: ['body', 'response_format', 'json_schema', 'schema'], msg: 'json_schema.schema should be a JSON Schema object', type: 'value_error' }]);
  try {
    return await llama.createGrammarForJsonSchema(schema as Parameters<Llama['createGrammarForJsonSchema']>[0]);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw unprocessable([{ loc: ['body', 'response_format', 'json_schema', 'schema'], msg: `the schema cannot be enforced: ${msg}`, type: 'value_error' }]);
  }
}
