/**
 * Numbers in a request must be finite (issue #13 item 7). ajv's type coercion turns a query value like `1e309`
 * into Infinity *after* its integer check, and `JSON.parse` reads `1e309` in a body as Infinity too; such values
 * reached SQLite ("datatype mismatch", a 500). A `preHandler` hook (after validation, before any handler) answers
 * 422 in the validation list form naming the field instead.
 */
import type { FastifyInstance } from 'fastify';
import { unprocessable, type ValidationIssue } from '../core/errors.js';

/** Nodes looked at per request part at most (bodies can be large configs). */
const MAX_NODES = 20_000;

function findNonFinite(value: unknown, loc: (string | number)[], out: ValidationIssue[], budget: { left: number }): void {
  if (budget.left-- <= 0 || out.length) return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) out.push({ loc, msg: 'Input should be a finite number', type: 'finite_number' });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => findNonFinite(v, [...loc, i], out, budget));
  } else if (value && typeof value === 'object' && isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) findNonFinite(v, [...loc, k], out, budget);
  }
}

/** Objects from JSON or the query string parser (whose prototype is itself an empty null-prototype object). */
function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null;
}

export function installFiniteNumbersCheck(app: FastifyInstance): void {
  app.addHook('preHandler', async (req) => {
    const issues: ValidationIssue[] = [];
    findNonFinite(req.query, ['query'], issues, { left: MAX_NODES });
    findNonFinite(req.params, ['path'], issues, { left: MAX_NODES });
    findNonFinite(req.body, ['body'], issues, { left: MAX_NODES });
    if (issues.length) throw unprocessable(issues);
  });
}
