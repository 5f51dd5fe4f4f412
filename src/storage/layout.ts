/**
 * The data-dir layout (original §1). Every path is built from names already checked by the name rules and
 * re-checked for containment by `safeJoin`.
 */
import { safeJoin } from '../core/names.js';

export class DataLayout {
  constructor(readonly dataDir: string) {}

  get projectsDir(): string {
    return safeJoin(this.dataDir, 'projects');
  }
  get templatesDir(): string {
    return safeJoin(this.dataDir, 'templates');
  }
  get metadataDbPath(): string {
    return safeJoin(this.dataDir, 'llamafarm.db');
  }
  namespaceDir(ns: string): string {
    return safeJoin(this.projectsDir, ns);
  }
  projectDir(ns: string, project: string): string {
    return safeJoin(this.projectsDir, ns, project);
  }
  datasetDir(ns: string, project: string, dataset: string): string {
    return safeJoin(this.projectDir(ns, project), 'lf_data', 'datasets', dataset);
  }
  storeDir(ns: string, project: string, database: string): string {
    return safeJoin(this.projectDir(ns, project), 'lf_data', 'stores', database);
  }
  configSnapshotsDir(ns: string, project: string): string {
    return safeJoin(this.projectDir(ns, project), 'configs');
  }
}
