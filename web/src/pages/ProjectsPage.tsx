/** Projects: list with search, "New project" from a template, "Try an example", delete with a confirmation. */
import { useMemo, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, p } from '../api/client';
import { keys, useProjects } from '../api/hooks';
import type { ExampleImportProjectResponse, ExamplesListResponse, ProjectCreateResponse } from '../api/types';
import { Dialog, EmptyState, ErrorNote, Loading } from '../components/ui';
import { DeleteProjectDialog } from '../components/DeleteProjectDialog';

const TEMPLATES = [
  { id: 'default', label: 'Default', hint: 'Chat with a local model plus a document database' },
  { id: 'rag', label: 'RAG', hint: 'Document search first: parsers, chunking and retrieval ready to use' },
  { id: 'server', label: 'Server', hint: 'A model served over the OpenAI-compatible API, no documents' },
];

function NewProjectDialog({ ns, open, onClose }: { ns: string; open: boolean; onClose: () => void }) {
  const [name, setName] = useState('');
  const [template, setTemplate] = useState('default');
  const qc = useQueryClient();
  const navigate = useNavigate();
  const create = useMutation({
    mutationFn: () => api.post<ProjectCreateResponse>(p`/v1/projects/${ns}`, { name: name.trim(), config_template: template }),
    onSuccess: async (res) => {
      await qc.invalidateQueries({ queryKey: keys.projects(ns) });
      onClose();
      navigate(`/projects/${encodeURIComponent(ns)}/${encodeURIComponent(res.project.name)}`);
    },
  });
  return (
    <Dialog open={open} title="New project" onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
        className="space-y-4"
      >
        <div>
          <label className="label" htmlFor="project-name">
            Name
          </label>
          <input id="project-name" className="input" value={name} onChange={(e) => setName(e.target.value)} autoFocus required aria-describedby="project-name-hint" />
          <p id="project-name-hint" className="muted mt-1 text-xs">
            Letters, digits, _ and -, starting with a letter or digit.
          </p>
        </div>
        <fieldset>
          <legend className="label">Template</legend>
          <div className="space-y-2">
            {TEMPLATES.map((t) => (
              <label key={t.id} className="flex cursor-pointer items-start gap-2 rounded-md border border-zinc-200 p-2 text-sm dark:border-zinc-700">
                <input type="radio" name="template" value={t.id} checked={template === t.id} onChange={() => setTemplate(t.id)} className="mt-0.5" />
                <span>
                  <span className="font-medium">{t.label}</span>
                  <span className="muted block">{t.hint}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
        <ErrorNote error={create.error} />
        <div className="flex justify-end gap-2">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={!name.trim() || create.isPending}>
            {create.isPending ? 'Creating…' : 'Create'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function ExamplesDialog({ ns, open, onClose }: { ns: string; open: boolean; onClose: () => void }) {
  const examples = useQuery({ queryKey: ['examples'], queryFn: () => api.get<ExamplesListResponse>('/v1/examples'), enabled: open });
  const [names, setNames] = useState<Record<string, string>>({});
  const qc = useQueryClient();
  const navigate = useNavigate();
  const imp = useMutation({
    mutationFn: (v: { id: string; name: string }) => api.post<ExampleImportProjectResponse>(p`/v1/examples/${v.id}/import-project`, { namespace: ns, name: v.name, process: true }),
    onSuccess: async (res) => {
      await qc.invalidateQueries({ queryKey: keys.projects(ns) });
      onClose();
      navigate(`/projects/${encodeURIComponent(res.namespace)}/${encodeURIComponent(res.project)}/data`);
    },
  });
  return (
    <Dialog open={open} title="Try an example" onClose={onClose} wide>
      {examples.isLoading && <Loading what="examples" />}
      <ErrorNote error={examples.error} />
      {examples.data && examples.data.examples.length === 0 && <EmptyState title="No examples are installed with this server." />}
      <ul className="grid max-h-[60vh] gap-3 overflow-auto sm:grid-cols-2">
        {examples.data?.examples.map((ex) => {
          const name = names[ex.id] ?? ex.slug ?? ex.id;
          return (
            <li key={ex.id} className="card flex flex-col gap-2">
              <h3 className="font-medium">{ex.title}</h3>
              {ex.description && <p className="muted text-sm">{ex.description}</p>}
              <p className="muted text-xs">
                {ex.dataset_count ?? 0} dataset(s){ex.data_size_human ? `, ${ex.data_size_human} of data` : ''}
              </p>
              <form
                className="mt-auto flex items-end gap-2"
                onSubmit={(e) => {
                  e.preventDefault();
                  imp.mutate({ id: ex.id, name });
                }}
              >
                <div className="flex-1">
                  <label className="label text-xs" htmlFor={`ex-${ex.id}`}>
                    Project name
                  </label>
                  <input id={`ex-${ex.id}`} className="input" value={name} onChange={(e) => setNames({ ...names, [ex.id]: e.target.value })} />
                </div>
                <button className="btn btn-primary" type="submit" disabled={imp.isPending}>
                  Import
                </button>
              </form>
            </li>
          );
        })}
      </ul>
      <div className="mt-3">
        <ErrorNote error={imp.error} />
      </div>
      <div className="mt-4 flex justify-end">
        <button type="button" className="btn" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

export default function ProjectsPage() {
  const [params, setParams] = useSearchParams();
  const ns = params.get('ns') || 'default';
  const projects = useProjects(ns);
  const [search, setSearch] = useState('');
  const [creating, setCreating] = useState(false);
  const [examples, setExamples] = useState(false);
  const [deleting, setDeleting] = useState<string | null>(null);
  const shown = useMemo(() => {
    const q = search.trim().toLowerCase();
    return (projects.data?.projects ?? []).filter((pr) => !q || pr.name.toLowerCase().includes(q)).sort((a, b) => a.name.localeCompare(b.name));
  }, [projects.data, search]);
  return (
    <div className="space-y-5">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="mr-auto text-2xl font-semibold">Projects</h1>
        <button className="btn" onClick={() => setExamples(true)}>
          Try an example
        </button>
        <button className="btn btn-primary" onClick={() => setCreating(true)}>
          New project
        </button>
      </div>
      <div className="flex flex-wrap gap-3">
        <div className="min-w-60 flex-1">
          <label htmlFor="project-search" className="sr-only">
            Search projects
          </label>
          <input id="project-search" type="search" className="input" placeholder="Search projects" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <div className="flex items-center gap-2">
          <label htmlFor="namespace" className="muted text-sm">
            Namespace
          </label>
          <input
            id="namespace"
            className="input w-40"
            defaultValue={ns}
            onKeyDown={(e) => {
              if (e.key === 'Enter') setParams({ ns: (e.target as HTMLInputElement).value.trim() || 'default' });
            }}
            onBlur={(e) => e.target.value.trim() !== ns && setParams({ ns: e.target.value.trim() || 'default' })}
          />
        </div>
      </div>
      {projects.isLoading && <Loading what="projects" />}
      <ErrorNote error={projects.error} title="Could not list the projects" />
      {projects.data && projects.data.projects.length === 0 && (
        <EmptyState title="No projects yet">
          Press <strong>New project</strong> to start from a template, or <strong>Try an example</strong> to import one with its documents.
        </EmptyState>
      )}
      {projects.data && projects.data.projects.length > 0 && shown.length === 0 && <EmptyState title={`No project matches “${search}”.`} />}
      {shown.length > 0 && (
        <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3" aria-label="Projects">
          {shown.map((pr) => {
            const cfg = pr.config as { rag?: { databases?: unknown[] }; datasets?: unknown[]; runtime?: { models?: unknown[] } };
            return (
              <li key={pr.name} className="card flex flex-col gap-2">
                <Link to={`/projects/${encodeURIComponent(ns)}/${encodeURIComponent(pr.name)}`} className="link text-base font-semibold">
                  {pr.name}
                </Link>
                <p className="muted text-sm">
                  {cfg.datasets?.length ?? 0} dataset(s) · {cfg.rag?.databases?.length ?? 0} database(s) · {cfg.runtime?.models?.length ?? 0} model(s)
                </p>
                {pr.validation_error && <p className="text-sm text-red-700 dark:text-red-300">Config problem: {pr.validation_error}</p>}
                {pr.last_modified && <p className="muted text-xs">Changed {new Date(pr.last_modified).toLocaleString()}</p>}
                <div className="mt-auto flex justify-end">
                  <button className="btn" onClick={() => setDeleting(pr.name)} aria-label={`Delete ${pr.name}`}>
                    Delete
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      <NewProjectDialog ns={ns} open={creating} onClose={() => setCreating(false)} />
      <ExamplesDialog ns={ns} open={examples} onClose={() => setExamples(false)} />
      {deleting && <DeleteProjectDialog ns={ns} project={deleting} onClose={() => setDeleting(null)} />}
    </div>
  );
}

