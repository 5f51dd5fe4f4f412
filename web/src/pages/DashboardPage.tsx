/** What a project has, its health in words, and the next step. */
import { Link } from 'react-router-dom';
import { useQuery } from '@tanstack/react-query';
import { api, p } from '../api/client';
import { useDatasets, useHealth, useProject } from '../api/hooks';
import type { EventLogsListResponse, RagHealthResponse } from '../api/types';
import { Badge, ErrorNote, Loading, statusTone } from '../components/ui';
import { useProjectParams } from './ProjectLayout';

interface RagStats {
  documents?: number;
  chunks?: number;
  bytes_on_disk?: number;
}

function Stat({ label, value }: { label: string; value: string | number }) {
  return (
    <div className="card">
      <p className="muted text-xs uppercase tracking-wide">{label}</p>
      <p className="mt-1 text-2xl font-semibold">{value}</p>
    </div>
  );
}

export default function DashboardPage() {
  const { ns, project } = useProjectParams();
  const proj = useProject(ns, project);
  const datasets = useDatasets(ns, project);
  const health = useHealth();
  const rag = useQuery({ queryKey: ['rag-health', ns, project], queryFn: () => api.get<RagHealthResponse>(p`/v1/projects/${ns}/${project}/rag/health`), retry: false });
  // /rag/stats comes with the data-loop API; without it the chunk count is left out.
  const stats = useQuery({ queryKey: ['rag-stats', ns, project], queryFn: () => api.get<RagStats>(p`/v1/projects/${ns}/${project}/rag/stats`), retry: false });
  const events = useQuery({ queryKey: ['events', ns, project], queryFn: () => api.get<EventLogsListResponse>(p`/v1/projects/${ns}/${project}/event_logs?limit=1`), retry: false });
  if (proj.isLoading) return <Loading what="project" />;
  const cfg = (proj.data?.project.config ?? {}) as { rag?: { databases?: unknown[] }; runtime?: { models?: unknown[] } };
  const list = datasets.data?.datasets ?? [];
  const files = list.reduce((a, d) => a + d.files.length, 0);
  const base = `/projects/${encodeURIComponent(ns)}/${encodeURIComponent(project)}`;
  const last = events.data?.events[0]?.timestamp ?? proj.data?.project.last_modified;
  return (
    <div className="space-y-6">
      {proj.data?.project.validation_error && <ErrorNote error={proj.data.project.validation_error} title="The configuration has a problem" />}
      <section aria-labelledby="next-step" className="card border-emerald-300 dark:border-emerald-800">
        <h2 id="next-step" className="font-semibold">
          Next step
        </h2>
        {list.length === 0 ? (
          <p className="mt-1 text-sm">
            Add a dataset and upload documents: <Link className="link" to={`${base}/data`}>go to Data</Link>.
          </p>
        ) : files === 0 ? (
          <p className="mt-1 text-sm">
            Upload documents into <Link className="link" to={`${base}/data/${encodeURIComponent(list[0].name)}`}>{list[0].name}</Link>, then press Process.
          </p>
        ) : (
          <p className="mt-1 text-sm">
            Your documents are in. Try a question with <code>lf chat</code> or the API at <a className="link" href="/docs">/docs</a>, or inspect the chunks under <Link className="link" to={`${base}/data`}>Data</Link>.
          </p>
        )}
      </section>
      <section aria-label="What this project has" className="grid grid-cols-2 gap-3 md:grid-cols-3 lg:grid-cols-6">
        <Stat label="Datasets" value={list.length} />
        <Stat label="Files" value={files} />
        <Stat label="Chunks" value={stats.data?.chunks ?? '—'} />
        <Stat label="Databases" value={cfg.rag?.databases?.length ?? 0} />
        <Stat label="Models" value={cfg.runtime?.models?.length ?? 0} />
        <Stat label="Last activity" value={last ? new Date(last).toLocaleDateString() : '—'} />
      </section>
      <section aria-labelledby="health-title" className="card space-y-3">
        <h2 id="health-title" className="font-semibold">
          Health
        </h2>
        {health.data && (
          <div className="text-sm">
            <p>
              Server <Badge tone={statusTone(health.data.status)}>{health.data.status}</Badge> <span className="muted">{health.data.summary}</span>
            </p>
            <ul className="mt-2 space-y-1">
              {health.data.components
                .filter((c) => c.status !== 'healthy')
                .map((c) => (
                  <li key={c.name}>
                    <Badge tone={statusTone(c.status)}>{c.status}</Badge> <strong>{c.name}</strong>: {c.message}
                  </li>
                ))}
            </ul>
          </div>
        )}
        {rag.data && (
          <div className="text-sm">
            <p>
              Document search <Badge tone={statusTone(rag.data.status)}>{rag.data.status}</Badge>
            </p>
            {rag.data.issues && rag.data.issues.length > 0 && (
              <ul className="mt-1 list-disc pl-5">
                {rag.data.issues.map((i) => (
                  <li key={i}>{i}</li>
                ))}
              </ul>
            )}
          </div>
        )}
        <ErrorNote error={rag.error} title="Document search health" />
      </section>
    </div>
  );
}
