/**
 * Routes (real URLs; each page is its own chunk) inside the shell: top bar, key dialog, error boundary. A data
 * router, so the config editor can block navigation away from unsaved changes.
 */
import { lazy, Suspense } from 'react';
import { createBrowserRouter, Navigate, Outlet } from 'react-router-dom';
import { TopBar } from './components/TopBar';
import { ApiKeyDialog } from './components/ApiKeyDialog';
import { ErrorBoundary } from './components/ErrorBoundary';
import { Loading } from './components/ui';

const ProjectsPage = lazy(() => import('./pages/ProjectsPage'));
const ProjectLayout = lazy(() => import('./pages/ProjectLayout'));
const DashboardPage = lazy(() => import('./pages/DashboardPage'));
const ConfigPage = lazy(() => import('./pages/ConfigPage'));
const DatasetsPage = lazy(() => import('./pages/DatasetsPage'));
const DatasetPage = lazy(() => import('./pages/DatasetPage'));
const ChunkInspectorPage = lazy(() => import('./pages/ChunkInspectorPage'));

function NotFound() {
  return (
    <div className="card">
      <h1 className="text-lg font-semibold">Page not found</h1>
      <p className="muted mt-1 text-sm">
        Nothing lives at this address. <a className="link" href="/projects">Go to the projects</a>.
      </p>
    </div>
  );
}

function Shell() {
  return (
    <div className="min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:p-2 dark:focus:bg-zinc-900">
        Skip to content
      </a>
      <TopBar />
      <main id="main" className="mx-auto max-w-6xl px-4 py-6">
        <ErrorBoundary>
          <Suspense fallback={<Loading what="page" />}>
            <Outlet />
          </Suspense>
        </ErrorBoundary>
      </main>
      <ApiKeyDialog />
    </div>
  );
}

export const router = createBrowserRouter([
  {
    element: <Shell />,
    children: [
      { path: '/', element: <Navigate to="/projects" replace /> },
      { path: '/projects', element: <ProjectsPage /> },
      {
        path: '/projects/:ns/:project',
        element: <ProjectLayout />,
        children: [
          { index: true, element: <DashboardPage /> },
          { path: 'config', element: <ConfigPage /> },
          { path: 'data', element: <DatasetsPage /> },
          { path: 'data/:dataset', element: <DatasetPage /> },
          { path: 'data/:dataset/files/:hash', element: <ChunkInspectorPage /> },
        ],
      },
      { path: '*', element: <NotFound /> },
    ],
  },
]);
