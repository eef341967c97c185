import { createHash } from 'node:crypto'
import { statSync } from 'node:fs'
import path from 'node:path'
import type { PublishedId } from '../core/id-check.js'
import type { Post } from '../core/post.js'
import { type KabarError, kabarWarning } from '../errors.js'
import { type FileSystem, nodeFileSystem } from './file-system.js'
import { writeFileAtomically } from './write-file-atomically.js'

/**
 * `kabar.ids.json`, next to the config: the id each post was published
 * with, by source file. Publish pipelines build from clean clones, so this
 * lives in the repository (commit it), not in the output folder.
 *
 * ```json
 * { "version": 1, "posts": { "posts/hello.md": { "id": "https://…/hello/", "date": "…", "title": "Hello" } } }
 * ```
 * The date and title let a renamed file be recognised as the same post.
 */
interface ManifestFile {
  version: 1
  posts: Record<string, { id: string; date: string; title: string }>
}

const NOTE =
  'Ids kabar has published, by post file. Commit this file: a build that would change one of these ids warns (fails with --strict).'

/**
 * The manifest as this process last read or wrote it, by path, with the
 * file's size and time then. While the file is as it was left, a watch
 * session's rebuild neither parses its 10,000 entries again nor rebuilds
 * its text: the two were 35 ms of every rebuild at 10,000 posts.
 */
const lastSeen = new Map<string, SeenManifest>()

interface SeenManifest {
  stamp: string
  /**
   * The entries as read, or the posts as written: entries are made from
   * those only when a rebuild asks for them. A one-off build that writes
   * the manifest of 100,000 posts never does.
   */
  read?: PublishedId[]
  written?: readonly Post[]
  /**
   * The entries by absolute path (the posts' own `file` strings, whose hash
   * the engine keeps: made relative again at every rebuild, they took 9 ms
   * of each at 10,000 posts), made when first compared.
   */
  byFile?: Map<string, Pick<PublishedId, 'id' | 'title' | 'date'>>
}

/** A manifest's entries, made from the posts it was written from when it was written. */
function entriesOf(seen: SeenManifest, manifestPath: string): PublishedId[] {
  seen.read ??= manifestEntries(manifestPath, seen.written ?? [])
  return seen.read
}

/** The entries of the manifest; none when it does not exist yet. */
export async function readIdManifest(
  manifestPath: string,
  fileSystem: FileSystem = nodeFileSystem,
): Promise<{ entries: PublishedId[]; problems: KabarError[] }> {
  const stamp = fileSystem === nodeFileSystem ? idManifestStamp(manifestPath) : undefined
  const known = lastSeen.get(manifestPath)
  if (known !== undefined && stamp === known.stamp) return { entries: entriesOf(known, manifestPath), problems: [] }
  const bytes = await fileSystem.readFile(manifestPath).catch(() => undefined)
  if (bytes === undefined) return { entries: [], problems: [] }
  try {
    const manifest = JSON.parse(bytes.toString('utf8')) as Partial<ManifestFile>
    const entries: PublishedId[] = []
    for (const [file, entry] of Object.entries(manifest.posts ?? {})) {
      if (typeof entry?.id !== 'string') throw new Error(`no id for ${file}`)
      entries.push({
        id: entry.id,
        file,
        date: typeof entry.date === 'string' ? new Date(entry.date) : undefined,
        title: typeof entry.title === 'string' ? entry.title : undefined,
      })
    }
    // Read again when it changed meanwhile: the stamp must be the one of these bytes.
    if (stamp !== undefined && stamp === idManifestStamp(manifestPath))
      lastSeen.set(manifestPath, { stamp, read: entries })
    return { entries, problems: [] }
  } catch (error) {
    return {
      entries: [],
      problems: [
        kabarWarning(
          'ID_MANIFEST_INVALID',
          `the id manifest cannot be read (${(error as Error).message}), so changed ids cannot be detected — restore it from git, or delete it to start a new one`,
          { file: manifestPath },
        ),
      ],
    }
  }
}

/**
 * Records the published posts' ids; the file is rewritten only when it
 * changes. When it holds the same entries as this process last read or
 * wrote it, not even its text is made again.
 */
export async function writeIdManifest(
  manifestPath: string,
  posts: readonly Post[],
  fileSystem: FileSystem = nodeFileSystem,
): Promise<void> {
  if (fileSystem !== nodeFileSystem) {
    await writeFileAtomically(manifestPath, idManifestChunks(manifestPath, posts), fileSystem)
    return
  }
  if (idManifestHolds(manifestPath, posts)) return
  lastSeen.delete(manifestPath)
  await writeFileAtomically(manifestPath, idManifestChunks(manifestPath, posts), fileSystem)
  const stamp = idManifestStamp(manifestPath)
  if (stamp !== 'none') lastSeen.set(manifestPath, { stamp, written: [...posts] })
}

/**
 * A digest of the entries a manifest of `posts` holds, in their order: a new
 * process that finds the manifest as the last build left it (same stamp),
 * and this digest as that build's, knows the manifest holds these entries
 * without parsing it (reading, checking and comparing 10,000 entries was a
 * tenth of a build after one edit).
 */
export function idEntriesDigest(manifestPath: string, posts: readonly Post[]): string {
  const relative = relativeTo(manifestPath)
  const hash = createHash('sha1')
  // Hashed by pieces of 256 entries: at 100,000 posts the whole text is 10 MB, and hashing pieces of
  // 1,024 took twice as long (flattening the longer strings).
  let text = ''
  for (const [index, post] of posts.entries()) {
    text += `${relative(post.file)}\0${post.id}\0${post.date.getTime()}\0${post.title}\n`
    if (index % DIGEST_PIECE === DIGEST_PIECE - 1) {
      hash.update(text)
      text = ''
    }
  }
  return hash.update(text).digest('base64url')
}

/**
 * Takes the manifest at `manifestPath` to hold the entries of `posts`, as it
 * is now: for a caller that knows so from an earlier process (by its stamp
 * and {@link idEntriesDigest}).
 */
export function trustIdManifest(manifestPath: string, stamp: string, posts: readonly Post[]): void {
  if (stamp === idManifestStamp(manifestPath)) lastSeen.set(manifestPath, { stamp, written: [...posts] })
}

/** The entries a manifest of `posts` holds. */
function manifestEntries(manifestPath: string, posts: readonly Post[]): PublishedId[] {
  const relative = relativeTo(manifestPath)
  return posts.map((post) => ({ id: post.id, file: relative(post.file), date: post.date, title: post.title }))
}

/**
 * Whether the manifest at `manifestPath`, as this process last read or
 * wrote it and unchanged since, holds exactly the entries of `posts`: then
 * no post's id changed since it was published.
 */
export function idManifestHolds(manifestPath: string, posts: readonly Post[]): boolean {
  const known = lastSeen.get(manifestPath)
  return (
    known !== undefined && idManifestStamp(manifestPath) === known.stamp && holdsEntriesOf(known, manifestPath, posts)
  )
}

/** Whether a manifest holds exactly the entries of `posts`, in any order. */
function holdsEntriesOf(manifest: SeenManifest, manifestPath: string, posts: readonly Post[]): boolean {
  if ((manifest.read ?? manifest.written ?? []).length !== posts.length) return false
  // A rebuild's posts are mostly the very objects last written, in the same order: only the others are looked up.
  const { written } = manifest
  if (
    written !== undefined &&
    posts.every(
      (post, index) =>
        post === written[index] || (written[index]?.file === post.file && isSameEntry(written[index], post)),
    )
  ) {
    return true
  }
  const projectDir = path.dirname(manifestPath)
  const byFile =
    manifest.byFile ??
    new Map(
      manifest.read?.map((entry) => [path.resolve(projectDir, entry.file ?? ''), entry]) ??
        manifest.written?.map((post) => [post.file, post]),
    )
  manifest.byFile = byFile
  const holds = posts.every((post) => {
    const entry = byFile.get(post.file)
    return entry === post || (entry !== undefined && isSameEntry(entry, post))
  })
  // These posts make the same entries: the next rebuild compares its posts with them, in order, first.
  if (holds) manifest.written = [...posts]
  return holds
}

/** Whether an entry (of a post, or as read) is the one `post` makes, file apart. */
function isSameEntry(entry: Pick<PublishedId, 'id' | 'title' | 'date'> | undefined, post: Post): boolean {
  return (
    entry !== undefined &&
    entry.id === post.id &&
    entry.title === post.title &&
    entry.date?.getTime() === post.date.getTime()
  )
}

/**
 * The manifest file's size, time and inode as text; `none` when there is no
 * such file. Equal stamps: the file is as it was (a build that rewrote it
 * does not stand for the next, and what this process read of it stands).
 */
export function idManifestStamp(file: string | undefined): string {
  try {
    const stats = statSync(file ?? '')
    return `${stats.size}:${stats.mtimeMs}:${stats.ino}`
  } catch {
    return 'none'
  }
}

/** Paths relative to the manifest's folder, with `/`. */
function relativeTo(manifestPath: string): (file: string) => string {
  const projectDir = path.dirname(manifestPath)
  const prefix = projectDir + path.sep
  return (file) => {
    const inProject = file.startsWith(prefix) ? file.slice(prefix.length) : path.relative(projectDir, file)
    return path.sep === '/' ? inProject : inProject.split(path.sep).join('/')
  }
}

/**
 * The manifest as `JSON.stringify(manifest, null, 2)` writes it, made in
 * pieces of {@link ENTRIES_PER_PIECE} entries, to be written as they come:
 * at 100,000 posts the whole text is 24 MB, and making it as one string
 * took a second of a build (most of it collecting the garbage).
 */
export function* idManifestChunks(manifestPath: string, posts: readonly Post[]): Generator<string> {
  const relative = relativeTo(manifestPath)
  const entries = posts.map((post) => [relative(post.file), post] as const)
  // Posts come in file order (Selection's `publishedByFile`): a look at each pair is cheaper than a sort.
  if (!entries.every(([file], index) => index === 0 || (entries[index - 1]?.[0] ?? '') <= file)) {
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  }
  yield `{\n  "//": ${JSON.stringify(NOTE)},\n  "version": 1,\n  "posts": {`
  for (let start = 0; start < entries.length; start += ENTRIES_PER_PIECE) {
    let piece = ''
    for (let index = start; index < Math.min(start + ENTRIES_PER_PIECE, entries.length); index++) {
      const [file, post] = entries[index] as (typeof entries)[number]
      piece += `${index === 0 ? '' : ','}\n    ${jsonString(file)}: {\n      "id": ${jsonString(post.id)},\n      "date": "${post.date.toISOString()}",\n      "title": ${jsonString(post.title)}\n    }`
    }
    yield piece
  }
  yield `${entries.length === 0 ? '' : '\n  '}}\n}\n`
}

const ENTRIES_PER_PIECE = 1024
const DIGEST_PIECE = 256

/** The manifest's whole text (see {@link idManifestChunks}). */
export function idManifestText(manifestPath: string, posts: readonly Post[]): string {
  return [...idManifestChunks(manifestPath, posts)].join('')
}

/** What JSON.stringify makes of `text`, without calling it for the many strings that need no escape. */
function jsonString(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`
}

/** What JSON.stringify escapes: quotes, backslashes, control characters and surrogates (lone ones, as \uXXXX). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/
