#!/usr/bin/env node
// Edits one post of a warm corpus and rebuilds it with a build session,
// printing what the second run did: { listed, read, readWhole, normalized, rendered }.
//
//   node bench/rendered-after-edit.mjs <corpus>/kabar.config.json

import fs from 'node:fs'
import path from 'node:path'
import { createBuildSession } from '../lib/session.js'

const config = process.argv[2]
const session = createBuildSession({ config, limit: 0 })
const first = await session.run()
if (!first.ok) throw new Error(`build failed: ${JSON.stringify(first.errors.slice(0, 3))}`)
const postsDir = path.join(path.dirname(config), 'posts')
const posts = fs
  .readdirSync(postsDir, { recursive: true })
  .filter((name) => name.endsWith('.md'))
  .sort()
const file = path.join(postsDir, posts[Math.floor(posts.length / 3)])
const text = fs.readFileSync(file, 'utf8')
fs.writeFileSync(file, `${text}\nOne more paragraph.\n`)
try {
  await session.run({ changed: [file] })
  console.log(JSON.stringify(session.lastRun))
} finally {
  fs.writeFileSync(file, text)
  await session.run({ changed: [file] })
  session.close()
}
