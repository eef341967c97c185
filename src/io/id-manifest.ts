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

/** The entries of the manifest; none when it does not exist yet. */
export async function readIdManifest(
  manifestPath: string,
  fileSystem: FileSystem = nodeFileSystem,
): Promise<{ entries: PublishedId[]; problems: KabarError[] }> {
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

/** Records the published posts' ids; the file is rewritten only when it changes. */
export async function writeIdManifest(
  manifestPath: string,
  posts: readonly Post[],
  fileSystem: FileSystem = nodeFileSystem,
): Promise<void> {
  await writeFileAtomically(manifestPath, idManifestText(manifestPath, posts), fileSystem)
}

/**
 * The manifest as `JSON.stringify(manifest, null, 2)` writes it, built
 * entry by entry: at 100,000 posts the object tree it would stringify is
 * three times the size of the text.
 */
export function idManifestText(manifestPath: string, posts: readonly Post[]): string {
  const projectDir = path.dirname(manifestPath)
  const prefix = projectDir + path.sep
  const relative = (file: string) => {
    const inProject = file.startsWith(prefix) ? file.slice(prefix.length) : path.relative(projectDir, file)
    return path.sep === '/' ? inProject : inProject.split(path.sep).join('/')
  }
  const entries = posts
    .map((post) => [relative(post.file), post] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  let text = `{\n  "//": ${JSON.stringify(NOTE)},\n  "version": 1,\n  "posts": {`
  for (const [index, [file, post]] of entries.entries()) {
    text += `${index === 0 ? '' : ','}\n    ${JSON.stringify(file)}: {\n      "id": ${JSON.stringify(post.id)},\n      "date": "${post.date.toISOString()}",\n      "title": ${JSON.stringify(post.title)}\n    }`
  }
  return `${text}${entries.length === 0 ? '' : '\n  '}}\n}\n`
}
