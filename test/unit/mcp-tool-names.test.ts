/** The names MCP tools get in the OpenAI tools list: kept when unique, prefixed by server on a clash, valid always. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exposeToolNames, sanitizeToolName } from '../../src/services/mcp-client/tool-names.js';

const tools = (...names: string[]) => names.map((name) => ({ name }));
const names = (out: { name: string; server: string; tool: { name: string } }[]) => out.map((t) => `${t.server}:${t.tool.name}→${t.name}`);

test('unique names are kept; names that clash across servers are all prefixed with their server', () => {
  const out = exposeToolNames([
    { server: 'calc', tools: tools('add', 'lookup_capital') },
    { server: 'math', tools: tools('add', 'mul') },
  ]);
  assert.deepEqual(names(out), ['calc:add→calc__add', 'calc:lookup_capital→lookup_capital', 'math:add→math__add', 'math:mul→mul']);
});

test('invalid characters become _, names are cut to 64, and remaining clashes get numbered deterministically', () => {
  assert.equal(sanitizeToolName('files.read/all'), 'files_read_all');
  assert.equal(sanitizeToolName(''), 'tool');
  assert.equal(sanitizeToolName('x'.repeat(80)).length, 64);
  const out = exposeToolNames([{ server: 's', tools: tools('a.b', 'a_b', 'dup', 'dup') }]);
  assert.deepEqual(out.map((t) => t.name), ['a_b', 'a_b_2', 'dup', 'dup_2']);
  const long = exposeToolNames([{ server: 's', tools: tools('y'.repeat(70), `${'y'.repeat(64)}z`) }]);
  assert.deepEqual(long.map((t) => t.name), ['y'.repeat(64), `${'y'.repeat(62)}_2`]);
  for (const t of [...out, ...long]) assert.match(t.name, /^[a-zA-Z0-9_-]{1,64}$/);
  // Same input, same names.
  assert.deepEqual(exposeToolNames([{ server: 's', tools: tools('a.b', 'a_b', 'dup', 'dup') }]), out);
});
