/** Top bar: home link, project switcher, server health, version notice. */
import { useMatch, useNavigate, Link } from 'react-router-dom';
import { useHealth, useProjects, useVersionCheck } from '../api/hooks';
import { settings } from '../settings';

export function TopBar() {
  const match = useMatch('/projects/:ns/:project/*');
  const ns = match?.params.ns ?? 'default';
  const current = match?.params.project ?? '';
  const projects = useProjects(ns);
  const health = useHealth();
  const version = useVersionCheck();
  const navigate = useNavigate();
  const status = health.data?.status;
  const dot = status === 'healthy' ? 'bg-emerald-500' : status === 'degraded' ? 'bg-amber-500' : status ? 'bg-red-500' : 'bg-zinc-400';
  return (
    <header className="border-b border-zinc-200 bg-zinc-50 dark:border-zinc-800 dark:bg-zinc-900">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-4 px-4 py-2.5">
        <Link to="/projects" className="flex items-center gap-2 text-base font-semibold tracking-tight">
          <svg aria-hidden="true" viewBox="0 0 16 16" className="h-5 w-5">
            <circle cx="8" cy="8" r="7" className="fill-emerald-600 dark:fill-emerald-500" />
            <path d="M5 11V5h1.6v4.7H10V11z" className="fill-white" />
          </svg>
          LlamaFarm
        </Link>
        <nav aria-label="Project switcher" className="flex items-center gap-2">
          <label htmlFor="project-switcher" className="muted text-sm">
            Project
          </label>
          <select
            id="project-switcher"
            className="input w-auto py-1"
            value={current}
            onChange={(e) => navigate(e.target.value ? `/projects/${encodeURIComponent(ns)}/${encodeURIComponent(e.target.value)}` : '/projects')}
          >
            <option value="">All projects</option>
            {(projects.data?.projects ?? []).map((pr) => (
              <option key={pr.name} value={pr.name}>
                {pr.name}
              </option>
            ))}
          </select>
        </nav>
        <div className="ml-auto flex items-center gap-4 text-sm">
          {version.data?.update_available && (
            <a className="link" href={version.data.release_url} target="_blank" rel="noreferrer">
              Version {version.data.latest_version} is available
            </a>
          )}
          <span className="flex items-center gap-1.5" title={health.data?.summary ?? (health.error ? 'The server could not be reached' : 'Checking…')}>
            <span aria-hidden="true" className={`inline-block h-2.5 w-2.5 rounded-full ${dot}`} />
            <span>Server {status ?? (health.error ? 'unreachable' : '…')}</span>
          </span>
          <span className="muted">v{settings.version}</span>
          <a className="link" href="/docs">
            API docs
          </a>
        </div>
      </div>
    </header>
  );
}
