/**
 * Relevance judgments (issue 18 item 2): a person or an agent marks a result of a query relevant (1-3) or not (0),
 * by `document_id` or `chunk_id`. One eval set per project, stored as JSONL at `lf_data/judgments.jsonl` in the
 * project's folder (so it travels with the project). Judging the same query and target again replaces the old
 * judgment. Writes are serialised per project and the file is rewritten atomically.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../core/fs-atomic.js';
import { KeyedMutex } from '../../core/mutex.js';
import { safeJoin } from '../../core/names.js';
import { badRequest, notFound } from '../../core/errors.js';
import type { DataLayout } from '../../storage/layout.js';
import type { ProjectsService } from '../projects.js';

export const MAX_JUDGMENTS = 50_000;
export const MAX_JUDGED_QUERY_CHARS = 2000;

export interface Judgment {
  id: string;
  query: string;
  document_id?: string;
  chunk_id?: string;
  /** 0 = not relevant, 1-3 = relevant (graded). */
  relevance: number;
  database?: string;
  created_at: string;
}

export interface JudgmentInput {
  query: string;
  document_id?: string | null;
  chunk_id?: string | null;
  relevance: number;
  database?: string | null;
}

/** The query as judgments match it: trimmed, inner whitespace collapsed. */
export const normaliseQuery = (q: string): string => q.trim().replace(/\s+/g, ' ');

const targetKey = (j: Pick<Judgment, 'query' | 'document_id' | 'chunk_id'>) => JSON.stringify([normaliseQuery(j.query), j.chunk_id ?? null, j.chunk_id ? null : (j.document_id ?? null)]);

const locks = new KeyedMutex();

export class JudgmentsStore {
  constructor(
    private readonly layout: DataLayout,
    private readonly projects: Pick<ProjectsService, 'exists'>,
  ) {}

  file(ns: string, project: string): string {
    return safeJoin(this.layout.projectDir(ns, project), 'lf_data', 'judgments.jsonl');
  }

  async list(ns: string, project: string, filter: { query?: string; database?: string } = {}): Promise<Judgment[]> {
    await this.requireProject(ns, project);
    const all = await this.read(ns, project);
    const q = filter.query !== undefined ? normaliseQuery(filter.query) : undefined;
    return all.filter((j) => (q === undefined || normaliseQuery(j.query) === q) && (filter.database === undefined || j.database === undefined || j.database === filter.database));
  }

  /** Adds (or replaces) a judgment; returns it and whether an older one for the same query and target was replaced. */
  async add(ns: string, project: string, input: JudgmentInput): Promise<{ judgment: Judgment; replaced: boolean }> {
    await this.requireProject(ns, project);
    const query = normaliseQuery(input.query);
    if (!query) throw badRequest('query must not be blank');
    if (query.length > MAX_JUDGED_QUERY_CHARS) throw badRequest(`query is longer than ${MAX_JUDGED_QUERY_CHARS} characters`);
    if (!input.document_id && !input.chunk_id) throw badRequest('Give document_id or chunk_id: the result the judgment is about');
    const judgment: Judgment = {
      id: `j_${randomBytes(6).toString('hex')}`,
      query,
      ...(input.document_id ? { document_id: input.document_id } : {}),
      ...(input.chunk_id ? { chunk_id: input.chunk_id } : {}),
      relevance: input.relevance,
      ...(input.database ? { database: input.database } : {}),
      created_at: new Date().toISOString(),
    };
    return locks.run(this.file(ns, project), async () => {
      const all = await this.read(ns, project);
      const key = targetKey(judgment);
      const kept = all.filter((j) => targetKey(j) !== key);
      if (kept.length >= MAX_JUDGMENTS) throw badRequest(`The project already has ${MAX_JUDGMENTS} judgments: delete some first`);
      await this.write(ns, project, [...kept, judgment]);
      return { judgment, replaced: kept.length !== all.length };
    });
  }

  /** Deletes one judgment by id (404 when unknown). */
  async delete(ns: string, project: string, id: string): Promise<Judgment> {
    await this.requireProject(ns, project);
    return locks.run(this.file(ns, project), async () => {
      const all = await this.read(ns, project);
      const found = all.find((j) => j.id === id);
      if (!found) throw notFound(`Judgment '${id}' not found`);
      await this.write(ns, project, all.filter((j) => j !== found));
      return found;
    });
  }

  /** Deletes every judgment (or those of one query); returns how many. */
  async deleteAll(ns: string, project: string, query?: string): Promise<number> {
    await this.requireProject(ns, project);
    return locks.run(this.file(ns, project), async () => {
      const all = await this.read(ns, project);
      const q = query !== undefined ? normaliseQuery(query) : undefined;
      const kept = q === undefined ? [] : all.filter((j) => normaliseQuery(j.query) !== q);
      if (kept.length !== all.length) await this.write(ns, project, kept);
      return all.length - kept.length;
    });
  }

  private async read(ns: string, project: string): Promise<Judgment[]> {
    let text: string;
    try {
      text = await readFile(this.file(ns, project), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: Judgment[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const j = JSON.parse(line) as Judgment;
        if (typeof j.query === 'string' && typeof j.relevance === 'number' && (j.document_id || j.chunk_id)) out.push(j);
      } catch {
        /* a damaged line (hand edit) is skipped, the rest still count */
      }
    }
    return out;
  }

  private async write(ns: string, project: string, list: Judgment[]): Promise<void> {
    await writeFileAtomic(this.file(ns, project), list.map((j) => JSON.stringify(j)).join('\n') + (list.length ? '\n' : ''));
  }

  private async requireProject(ns: string, project: string): Promise<void> {
    if (!(await this.projects.exists(ns, project))) throw notFound(`Project ${ns}/${project} not found`);
  }
}
