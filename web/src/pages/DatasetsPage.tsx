/** A project's datasets: list, create (database and strategy pickers), delete. */
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, p } from '../api/client';
import { keys, useDatasets } from '../api/hooks';
import type { DatasetCreateResponse, DatasetDeleteResponse, DatasetStrategiesListResponse } from '../api/types';
import { Dialog, EmptyState, ErrorNote, Loading } from '../components/ui';
import { useProjectParams } from './ProjectLayout';

function NewDatasetDialog({ ns, project, onClose }: { ns: string; project: string; onClose: () => void }) {
  const choices = useQuery({ queryKey: ['strategies', ns, project], queryFn: () => api.get<DatasetStrategiesListResponse>(p`/v1/projects/${ns}/${project}/datasets/strategies`) });
  const [name, setName] = useState('');
  const [database, setDatabase] = useState('');
  const [strategy, setStrategy] = useState('');
  const qc = useQueryClient();
  const db = database || choices.data?.databases[0] || '';
  const st = strategy || choices.data?.data_processing_strategies[0] || '';
  const create = useMutation({
    mutationFn: () => api.post<DatasetCreateResponse>(p`/v1/projects/${ns}/${project}/datasets`, { name: name.trim(), database: db, data_processing_strategy: st }),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: keys.datasets(ns, project) });
      onClose();
    },
  });
  return (
    <Dialog open title="New dataset" onClose={onClose}>
      <form
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <div>
          <label className="label" htmlFor="dataset-name">
            Name
          </label>
          <input id="dataset-name" className="input" value={name} onChange={(e) => setName(e.target.value)} autoFocus required />
        </div>
        <ErrorNote error={choices.error} />
        <div>
          <label className="label" htmlFor="dataset-database">
            Database
          </label>
          <select id="dataset-database" className="input" value={db} onChange={(e) => setDatabase(e.target.value)}>
            {choices.data?.databases.map((d) => (
              <option key={d}>{d}</option>
            ))}
          </select>
        </div>
        <div>
          <label className="label" htmlFor="dataset-strategy">
            Processing strategy
          </label>
          <select id="dataset-strategy" className="input" value={st} onChange={(e) => setStrategy(e.target.value)}>
            {choices.data?.data_processing_strategies.map((d) => (
              <option key={d}>{d}</option>
            ))}
          </select>
        </div>
        <ErrorNote error={create.error} />
        <div className="flex justify-end gap-2">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={!name.trim() || !db || !st || create.isPending}>
            Create
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function DeleteDatasetDialog({ ns, project, dataset, files, onClose }: { ns: string; project: string; dataset: string; files: number; onClose: () => void }) {
  const qc = useQueryClient();
  const del = useMutation({
    mutationFn: () => api.del<DatasetDeleteResponse>(p`/v1/projects/${ns}/${project}/datasets/${dataset}`),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: keys.datasets(ns, project) });
      onClose();
    },
  });
  return (
    <Dialog open title={`Delete dataset “${dataset}”?`} onClose={onClose}>
      <p className="text-sm">
        Its {files} file(s) and all their chunks in the database go, and a running processing task of it is cancelled.
      </p>
      <div className="mt-3">
        <ErrorNote error={del.error} />
      </div>
      <div className="mt-4 flex justify-end gap-2">
        <button type="button" className="btn" onClick={onClose} autoFocus>
          Cancel
        </button>
        <button type="button" className="btn btn-danger" onClick={() => del.mutate()} disabled={del.isPending}>
          Delete
        </button>
      </div>
    </Dialog>
  );
}

export default function DatasetsPage() {
  const { ns, project } = useProjectParams();
  const datasets = useDatasets(ns, project);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<{ name: string; files: number } | null>(null);
  const base = `/projects/${encodeURIComponent(ns)}/${encodeURIComponent(project)}/data`;
  return (
    <div className="space-y-4">
      <div className="flex items-center">
        <h2 className="mr-auto text-xl font-semibold">Datasets</h2>
        <button className="btn btn-primary" onClick={() => setCreating(true)}>
          New dataset
        </button>
      </div>
      {datasets.isLoading && <Loading what="datasets" />}
      <ErrorNote error={datasets.error} />
      {datasets.data?.datasets.length === 0 && (
        <EmptyState title="No datasets yet">
          A dataset is a set of documents processed one way into one database. Press <strong>New dataset</strong>, then upload files into it.
        </EmptyState>
      )}
      {!!datasets.data?.datasets.length && (
        <table className="w-full text-left text-sm">
          <thead className="muted border-b border-zinc-200 dark:border-zinc-800">
            <tr>
              <th className="py-2 font-medium">Name</th>
              <th className="py-2 font-medium">Files</th>
              <th className="py-2 font-medium">Database</th>
              <th className="py-2 font-medium">Strategy</th>
              <th className="py-2">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {datasets.data.datasets.map((d) => (
              <tr key={d.name} className="border-b border-zinc-100 dark:border-zinc-800">
                <td className="py-2">
                  <Link className="link font-medium" to={`${base}/${encodeURIComponent(d.name)}`}>
                    {d.name}
                  </Link>
                </td>
                <td className="py-2">{d.files.length}</td>
                <td className="py-2">{d.database}</td>
                <td className="py-2">{d.data_processing_strategy}</td>
                <td className="py-2 text-right">
                  <button className="btn" onClick={() => setDeleting({ name: d.name, files: d.files.length })} aria-label={`Delete dataset ${d.name}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {creating && <NewDatasetDialog ns={ns} project={project} onClose={() => setCreating(false)} />}
      {deleting && <DeleteDatasetDialog ns={ns} project={project} dataset={deleting.name} files={deleting.files} onClose={() => setDeleting(null)} />}
    </div>
  );
}
