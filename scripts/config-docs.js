#!/usr/bin/env node
// npm run config:docs: rewrites the README's table of environment variables and .env.example from the
// one declaration of each variable (src/config/app-config.ts, compiled to dist/ by the script first).
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { envExample, withReadmeTable } = require('../dist/src/config/config-docs');

const root = path.resolve(__dirname, '..');
const readmePath = path.join(root, 'README.md');
writeFileSync(readmePath, withReadmeTable(readFileSync(readmePath, 'utf8')));
writeFileSync(path.join(root, '.env.example'), envExample());
