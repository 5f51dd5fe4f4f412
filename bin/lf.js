#!/usr/bin/env node
// Entry point of the `lf` command: runs the built CLI (`npm start` and `npm run build` build it).
import '../dist/cli/main.js';
