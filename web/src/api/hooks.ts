/** TanStack Query hooks for the resources several pages share. */
import { useQuery } from '@tanstack/react-query';
import { api, p } from './client';
import type { HealthResponse, ProjectGetResponse, ProjectsListResponse, DatasetListResponse, VersionCheckResponse } from './types';

export const keys = {
  projects: (ns: string) => ['projects', ns] as const,
  project: (ns: string, project: string) => ['project', ns, project] as const,
  datasets: (ns: string, project: string) => ['datasets', ns, project] as const,
  dataset: (ns: string, project: string, d: string) => ['dataset', ns, project, d] as const,
};

export function useProjects(ns: string) {
  return useQuery({ queryKey: keys.projects(ns), queryFn: () => api.get<ProjectsListResponse>(p`/v1/projects/${ns}`) });
}

export function useProject(ns: string, project: string) {
  return useQuery({ queryKey: keys.project(ns, project), queryFn: () => api.get<ProjectGetResponse>(p`/v1/projects/${ns}/${project}`) });
}

export function useDatasets(ns: string, project: string) {
  return useQuery({ queryKey: keys.datasets(ns, project), queryFn: () => api.get<DatasetListResponse>(p`/v1/projects/${ns}/${project}/datasets?include_extra_details=true`) });
}

export function useHealth() {
  return useQuery({ queryKey: ['health'], queryFn: () => api.get<HealthResponse>('/health'), refetchInterval: 30_000 });
}

export function useVersionCheck() {
  return useQuery({ queryKey: ['version-check'], queryFn: () => api.get<VersionCheckResponse>('/v1/system/version-check'), staleTime: 6 * 3600_000, retry: false });
}
