#!/usr/bin/env node
import { existsSync } from 'node:fs'

// The command line as one bundle (scripts/bundle.mjs, run by `npm run compile`): 25 ms faster to
// start than its modules one by one, which are used when it is missing.
const bundle = new URL('../lib/cli/main.bundle.js', import.meta.url)
const { main } = await import(existsSync(bundle) ? bundle.href : '../lib/cli/main.js')

process.exitCode = await main(process.argv.slice(2))
