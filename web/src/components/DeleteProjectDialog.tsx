/** Delete a project after a confirmation that names what goes: config, files, vectors, sessions, events. */
import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import { api, p } from '../api/client';
import { keys, useDatasets } from '../api/hooks';
import type { ProjectDeleteResponse } from '../api/types';
import { Dialog, ErrorNote } from './ui';

export function DeleteProjectDialog({ ns, project, onClose }: { ns: string; project: string; onClose: () => void }) {
  const datasets = useDatasets(ns, project);
  const [typed, setTyped] = useState('');
  const qc = useQueryClient();
  const navigate = useNavigate();
  const del = useMutation({
    mutationFn: () => api.del<ProjectDeleteResponse>(p`/v1/projects/${ns}/${project}`),
    onSuccess: async () => {
      qc.removeQueries({ queryKey: keys.project(ns, project) });
      await qc.invalidateQueries({ queryKey: keys.projects(ns) });
      onClose();
      navigate('/projects');
    },
  });
  const list = datasets.data?.datasets ?? [];
  const files = list.reduce((a, d) => a + d.files.length, 0);
  return (
    <Dialog open title={`Delete project “${project}”?`} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          del.mutate();
        }}
      >
        <p className="text-sm">This removes, for good:</p>
        <ul className="my-2 list-disc pl-5 text-sm">
          <li>its configuration (llamafarm.yaml)</li>
          <li>
            {list.length} dataset(s) with {files} uploaded file(s)
          </li>
          <li>all vectors and chunks in its databases</li>
          <li>its chat sessions and event logs</li>
        </ul>
        <label className="label mt-3" htmlFor="confirm-name">
          Type the project name to confirm
        </label>
        <input id="confirm-name" className="input" value={typed} onChange={(e) => setTyped(e.target.value)} autoFocus autoComplete="off" />
        <div className="mt-3">
          <ErrorNote error={del.error} />
        </div>
        <div className="mt-4 flex justify-end gap-2">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-danger" disabled={typed !== project || del.isPending}>
            Delete
          </button>
        </div>
      </form>
    </Dialog>
  );
}
