#!/usr/bin/env node
// "The obvious script": what someone would write in an afternoon with the
// usual packages. It is the baseline kabar is compared against.
//
//   node bench/naive.mjs <postsDir> <outDir> [--render all|shown] [--limit 20]
//
// 1. gray-matter (no options) on every .md file under <postsDir>
// 2. drop drafts, sort by date (newest first)
// 3. remark().use(remarkGfm).use(remarkHtml) on every post (--render all) or
//    only on the posts the feed shows (--render shown)
// 4. the `feed` package builds RSS 2.0, Atom 1.0 and JSON Feed; writes
//    rss.xml, atom.xml, feed.json into <outDir>
//
// --limit N: number of newest posts in the feeds (default 20; 0 = all posts).
// The channel options mirror the bench corpus' kabar.config.json.

import fs from 'node:fs'
import path from 'node:path'
import { Feed } from 'feed'
import matter from 'gray-matter'
import { remark } from 'remark'
import remarkGfm from 'remark-gfm'
import remarkHtml from 'remark-html'

const SITE = {
  title: 'Bench',
  url: 'https://bench.example/',
  language: 'id',
  author: { name: 'Bench' },
}
// The corpus' dates are "YYYY-MM-DD HH:MM" wall-clock times in the site
// timezone (Asia/Jakarta, UTC+7 all year, no DST).
const TZ_OFFSET = '+07:00'

function usage(msg) {
  if (msg) console.error(`naive: ${msg}`)
  console.error('usage: node bench/naive.mjs <postsDir> <outDir> [--render all|shown] [--limit 20]')
  process.exit(2)
}

const positional = []
let render = 'shown'
let limit = 20
const argv = process.argv.slice(2)
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]
  if (a === '--render') render = argv[++i]
  else if (a === '--limit') limit = Number(argv[++i])
  else if (a.startsWith('--')) usage(`unknown option ${a}`)
  else positional.push(a)
}
if (positional.length !== 2) usage()
if (render !== 'all' && render !== 'shown') usage('--render must be all or shown')
if (!Number.isInteger(limit) || limit < 0) usage('--limit must be a non-negative integer')
const [postsDir, outDir] = positional

function listMarkdown(dir) {
  const out = []
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) out.push(...listMarkdown(p))
    else if (e.name.endsWith('.md')) out.push(p)
  }
  return out
}

function toDate(v) {
  if (v instanceof Date) return v
  if (v == null) return undefined
  const s = String(v).trim()
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(:\d{2})?$/.exec(s)
  const d = m ? new Date(`${m[1]}T${m[2]}${m[3] ?? ':00'}${TZ_OFFSET}`) : new Date(s)
  return Number.isNaN(d.getTime()) ? undefined : d
}

const processor = remark().use(remarkGfm).use(remarkHtml)

const posts = []
for (const file of listMarkdown(postsDir)) {
  const { data, content } = matter(fs.readFileSync(file, 'utf8'))
  if (data.draft === true) continue
  const slug = path.basename(file, '.md').replace(/^\d{4}-\d{2}-\d{2}-/, '')
  posts.push({ file, slug, data, content, date: toDate(data.date) ?? new Date(0) })
}
posts.sort((a, b) => b.date - a.date)

const shown = limit === 0 ? posts : posts.slice(0, limit)
for (const post of render === 'all' ? posts : shown) {
  post.html = String(processor.processSync(post.content))
}

const feed = new Feed({
  title: SITE.title,
  id: SITE.url,
  link: SITE.url,
  language: SITE.language,
  updated: shown[0]?.date ?? new Date(0),
  generator: 'naive.mjs',
  author: SITE.author,
  feedLinks: {
    rss: new URL('rss.xml', SITE.url).href,
    atom: new URL('atom.xml', SITE.url).href,
    json: new URL('feed.json', SITE.url).href,
  },
})

for (const post of shown) {
  const { data } = post
  const link = new URL(`${post.slug}/`, SITE.url).href
  const author =
    typeof data.author === 'object' && data.author
      ? data.author
      : data.author
        ? { name: String(data.author) }
        : SITE.author
  feed.addItem({
    title: String(data.title ?? post.slug),
    id: link,
    link,
    date: toDate(data.updated) ?? post.date,
    published: post.date,
    description: data.summary,
    content: post.html,
    author: [author],
    category: Array.isArray(data.tags) ? data.tags.map((t) => ({ name: String(t) })) : [],
    image: data.image ? new URL(data.image, SITE.url).href : undefined,
  })
}

fs.mkdirSync(outDir, { recursive: true })
fs.writeFileSync(path.join(outDir, 'rss.xml'), feed.rss2())
fs.writeFileSync(path.join(outDir, 'atom.xml'), feed.atom1())
fs.writeFileSync(path.join(outDir, 'feed.json'), feed.json1())
console.log(
  `naive: ${posts.length} posts, ${render === 'all' ? posts.length : shown.length} rendered, ${shown.length} in feeds -> ${outDir}`,
)
