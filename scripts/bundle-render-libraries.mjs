#!/usr/bin/env node
// Bundles lib/core/render-bundle-entry.js (compiled by tsc) and the Markdown
// and HTML libraries it re-exports into lib/core/render-bundle.js, one file
// that loads four times faster than the modules it holds (see
// src/core/render-bundle-entry.ts). Run by `npm run compile`, after tsc.
//
// The bundle is made on install (`prepare`) from the installed packages, so
// it is never committed and never older than package-lock.json says.

import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'rolldown'

const LIB_CORE = path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), 'lib', 'core')

await build({
  input: path.join(LIB_CORE, 'render-bundle-entry.js'),
  platform: 'node',
  logLevel: 'warn',
  output: { file: path.join(LIB_CORE, 'render-bundle.js'), format: 'esm' },
})
