#!/usr/bin/env node
// The `peerbook` command. The code lives in dist/ (built by `npm ci`/`npm install` through the prepare script).
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv);
