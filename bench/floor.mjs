#!/usr/bin/env node
// Floor reference: the least any feed generator has to do — find every .md
// file under <postsDir> (recursively) and read each one fully as UTF-8.
// Nothing is parsed and nothing is written.
//
//   node bench/floor.mjs <postsDir>

import fs from 'node:fs'
import path from 'node:path'

const dir = process.argv[2]
if (!dir) {
  console.error('usage: node bench/floor.mjs <postsDir>')
  process.exit(2)
}

function listMarkdown(root) {
  const out = []
  const stack = [root]
  while (stack.length > 0) {
    const d = stack.pop()
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) stack.push(p)
      else if (e.isFile() && e.name.endsWith('.md')) out.push(p)
    }
  }
  return out
}

const files = listMarkdown(path.resolve(dir))
let chars = 0
let bytes = 0
for (const f of files) {
  // Same work as fs.readFileSync(f, 'utf8') (read, then decode), but keeps the
  // byte count without re-scanning the string.
  const buf = fs.readFileSync(f)
  const text = buf.toString('utf8')
  bytes += buf.length
  chars += text.length
}
console.log(`floor: ${files.length} files, ${bytes} bytes (${chars} UTF-16 code units)`)
