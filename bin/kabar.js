#!/usr/bin/env node
import { existsSync } from 'node:fs'
import { setFlagsFromString } from 'node:v8'

// V8 allocates an object straight in the old generation once most objects made where it was
// made outlived a young-generation collection. A build reads posts in batches that live just long
// enough for that: the records, and the cache index's tuples, were then made in the old
// generation, and their garbage stayed until the process ended. Without it, a cold build of
// 100,000 posts peaked at 339 MB instead of 411 and took 4.77 s instead of 5.16 (6 runs each);
// builds of 10,000 posts were no slower. Only a heuristic of the collector: set before anything
// is allocated, as on the command line, and worker threads share it.
setFlagsFromString('--no-allocation-site-pretenuring')

// The command line as one bundle (scripts/bundle.mjs, run by `npm run compile`): 25 ms faster to
// start than its modules one by one, which are used when it is missing.
const bundle = new URL('../lib/cli/main.bundle.js', import.meta.url)
const { main } = await import(existsSync(bundle) ? bundle.href : '../lib/cli/main.js')

process.exitCode = await main(process.argv.slice(2))
