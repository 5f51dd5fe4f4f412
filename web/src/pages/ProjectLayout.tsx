/** A project's frame: title, tabs (Overview, Config, Data) and the page below. */
import { Suspense } from 'react';
import { NavLink, Outlet, useParams } from 'react-router-dom';
import { useProject } from '../api/hooks';
import { ErrorNote, Loading } from '../components/ui';

export function useProjectParams(): { ns: string; project: string } {
  const { ns = 'default', project = '' } = useParams();
  return { ns, project };
}

const tab = ({ isActive }: { isActive: boolean }) =>
  `border-b-2 px-3 py-2 text-sm font-medium ${isActive ? 'border-emerald-600 text-zinc-900 dark:text-white' : 'border-transparent text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-white'}`;

export default function ProjectLayout() {
  const { ns, project } = useProjectParams();
  const q = useProject(ns, project);
  const base = `/projects/${encodeURIComponent(ns)}/${encodeURIComponent(project)}`;
  return (
    <div className="space-y-5">
      <div>
        <p className="muted text-sm">{ns}</p>
        <h1 className="text-2xl font-semibold">{project}</h1>
      </div>
      <nav aria-label="Project sections" className="flex gap-1 border-b border-zinc-200 dark:border-zinc-800">
        <NavLink end to={base} className={tab}>
          Overview
        </NavLink>
        <NavLink to={`${base}/config`} className={tab}>
          Config
        </NavLink>
        <NavLink to={`${base}/data`} className={tab}>
          Data
        </NavLink>
      </nav>
      {q.error ? (
        <ErrorNote error={q.error} title="Could not open this project" />
      ) : (
        <Suspense fallback={<Loading what="page" />}>
          <Outlet />
        </Suspense>
      )}
    </div>
  );
}
