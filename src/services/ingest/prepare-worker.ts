/** Worker-thread entry for `prepareFile`. */
import { serveWorker } from '../../core/worker-pool.js';
import { prepareFile } from './prepare.js';

await serveWorker({ prepareFile });
