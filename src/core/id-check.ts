import path from 'node:path'
import { type KabarError, kabarWarning } from '../errors.js'
import type { Post } from './post.js'

/**
 * Readers remember the ids they have shown: a post whose id changes (a new
 * slug, site URL or permalink pattern) comes back as new in every reader.
 * These are the ids published before, from the id manifest or from the
 * deployed feeds, and what is known about the post each belonged to.
 */
export interface PublishedId {
  id: string
  /** Source file, relative to the config's folder with `/` (manifest only). */
  file?: string | undefined
  /** Item URL (deployed feeds only). */
  url?: string | undefined
  title?: string | undefined
  date?: Date | undefined
}

/**
 * One warning per post whose id differs from the id it was published with,
 * naming the post, both ids and the fix. A previous id counts as changed
 * when no post has it any more and a post can be matched to it: by source
 * file, else by URL, else by the same date (and title, when known), and
 * only when exactly one such post has a new id.
 */
export function findChangedIds(
  posts: readonly Post[],
  previous: readonly PublishedId[],
  options: { projectDir: string; source: string },
): KabarError[] {
  // Nothing published before (a first build): nothing to compare, and 100,000 posts need no sets.
  if (previous.length === 0) return []
  const currentIds = new Set(posts.map((post) => post.id))
  const previousIds = new Set(previous.map((entry) => entry.id))
  const candidates = posts.filter((post) => !previousIds.has(post.id))
  const relative = (post: Post) => path.relative(options.projectDir, post.file).split(path.sep).join('/')
  const warnings: KabarError[] = []
  const matched = new Set<Post>()
  for (const entry of previous) {
    if (currentIds.has(entry.id)) continue
    const post = matchPost(entry, candidates, relative)
    if (post === undefined || matched.has(post)) continue
    matched.add(post)
    warnings.push(
      kabarWarning(
        'ID_CHANGED',
        `the id of this post changed from ${entry.id} (as published, per ${options.source}) to ${post.id}: readers would show it again as new — add "id: ${entry.id}" to its frontmatter to keep the published id`,
        { file: post.file, line: 1, field: 'id' },
      ),
    )
  }
  return warnings
}

function matchPost(
  entry: PublishedId,
  candidates: readonly Post[],
  relative: (post: Post) => string,
): Post | undefined {
  const only = (posts: Post[]) => (posts.length === 1 ? posts[0] : undefined)
  if (entry.file !== undefined) {
    const byFile = candidates.find((post) => relative(post) === entry.file)
    if (byFile !== undefined) return byFile
  }
  if (entry.url !== undefined) {
    const byUrl = candidates.find((post) => post.url === entry.url)
    if (byUrl !== undefined) return byUrl
  }
  const date = entry.date?.getTime()
  if (date === undefined) return undefined
  return only(
    candidates.filter(
      (post) => post.date.getTime() === date && (entry.title === undefined || post.title === entry.title),
    ),
  )
}
