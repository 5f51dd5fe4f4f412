/**
 * Validation of a project config: the JSON Schema (ajv) and then the cross-references that save checks
 * (decision 0003): `default_*` names, each dataset's database and strategy, unique names.
 * Errors name their path, e.g. `rag.databases[0].type: must be one of LanceDBStore, ChromaStore, ...`.
 */
import { Ajv } from 'ajv';
import { ProjectConfigSchema, type ProjectConfig } from './schema.js';
import { issuesFromAjvErrors, summarizeIssues, type ConfigIssue } from './config-issues.js';

export { pointerToPath, summarizeIssues, type ConfigIssue } from './config-issues.js';

const ajv = new Ajv({ allErrors: true, strict: false });
const validateSchema = ajv.compile<ProjectConfig>(ProjectConfigSchema as object);

export class ConfigValidationError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(summarizeIssues(issues));
    this.name = 'ConfigValidationError';
  }
}

/** Schema validation only. */
export function schemaIssues(config: unknown): ConfigIssue[] {
  if (validateSchema(config)) return [];
  return issuesFromAjvErrors(validateSchema.errors ?? []);
}

function duplicates(names: string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const n of names) (seen.has(n) ? dup : seen).add(n);
  return [...dup];
}

/** Cross-reference checks (only meaningful on a schema-valid config). */
export function referenceIssues(c: ProjectConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const models = c.runtime.models ?? [];
  for (const d of duplicates(models.map((m) => m.name))) issues.push({ path: 'runtime.models', message: `duplicate model name '${d}'` });
  if (c.runtime.default_model !== undefined && c.runtime.models && !models.some((m) => m.name === c.runtime.default_model)) {
    issues.push({ path: 'runtime.default_model', message: `'${c.runtime.default_model}' is not a configured model (available: ${models.map((m) => m.name).join(', ') || 'none'})` });
  }
  const dbs = c.rag?.databases ?? [];
  const strategies = c.rag?.data_processing_strategies ?? [];
  for (const d of duplicates(dbs.map((x) => x.name))) issues.push({ path: 'rag.databases', message: `duplicate database name '${d}'` });
  for (const d of duplicates(strategies.map((x) => x.name))) issues.push({ path: 'rag.data_processing_strategies', message: `duplicate strategy name '${d}'` });
  if (c.rag?.default_database !== undefined && !dbs.some((d) => d.name === c.rag?.default_database)) {
    issues.push({ path: 'rag.default_database', message: `'${c.rag.default_database}' is not a configured database (valid names: ${dbs.map((d) => d.name).join(', ') || 'none'})` });
  }
  dbs.forEach((db, i) => {
    const emb = (db.embedding_strategies ?? []).map((s) => s.name);
    const ret = (db.retrieval_strategies ?? []).map((s) => s.name);
    for (const d of duplicates(emb)) issues.push({ path: `rag.databases[${i}].embedding_strategies`, message: `duplicate name '${d}'` });
    for (const d of duplicates(ret)) issues.push({ path: `rag.databases[${i}].retrieval_strategies`, message: `duplicate name '${d}'` });
    if (db.default_embedding_strategy !== undefined && !emb.includes(db.default_embedding_strategy)) {
      issues.push({ path: `rag.databases[${i}].default_embedding_strategy`, message: `'${db.default_embedding_strategy}' is not one of its embedding strategies (${emb.join(', ') || 'none'})` });
    }
    if (db.default_retrieval_strategy !== undefined && !ret.includes(db.default_retrieval_strategy)) {
      issues.push({ path: `rag.databases[${i}].default_retrieval_strategy`, message: `'${db.default_retrieval_strategy}' is not one of its retrieval strategies (${ret.join(', ') || 'none'})` });
    }
  });
  const datasets = c.datasets ?? [];
  for (const d of duplicates(datasets.map((x) => x.name))) issues.push({ path: 'datasets', message: `duplicate dataset name '${d}'` });
  datasets.forEach((ds, i) => {
    if (!dbs.some((d) => d.name === ds.database)) issues.push({ path: `datasets[${i}].database`, message: `'${ds.database}' is not a configured database (valid names: ${dbs.map((d) => d.name).join(', ') || 'none'})` });
    if (!strategies.some((s) => s.name === ds.data_processing_strategy)) {
      issues.push({ path: `datasets[${i}].data_processing_strategy`, message: `'${ds.data_processing_strategy}' is not a configured data processing strategy (valid names: ${strategies.map((x) => x.name).join(', ') || 'none'})` });
    }
  });
  return issues;
}

/** Full validation as used on save; returns the typed config or throws ConfigValidationError. */
export function validateConfig(config: unknown): ProjectConfig {
  const issues = schemaIssues(config);
  if (issues.length) throw new ConfigValidationError(issues);
  const c = config as ProjectConfig;
  const refs = referenceIssues(c);
  if (refs.length) throw new ConfigValidationError(refs);
  return c;
}
