#!/usr/bin/env node
/** Process entry of the `lf` command (bin/lf.js runs the built copy of this file). */
import { main } from './index.js';

await main();
