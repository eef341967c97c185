import path from 'node:path'
import { type FSWatcher, watch as watchFiles } from 'chokidar'
import type { ResolvedConfig } from '../core/config.js'
import { imageTypeFor } from '../core/media-types.js'
import { CONFIG_FILE_NAMES } from './load-config.js'

/**
 * Which files watch mode watches, through chokidar: the config file, and
 * the posts and images the feeds are built from. Each watcher reports
 * through callbacks and resolves once it has read its folders.
 *
 * `atomic: false` everywhere: chokidar's own atomic-save handling holds an
 * unlink back for 100 ms, which would split a rename into two rebuilds;
 * watch mode coalesces events itself and looks at the disk afterwards.
 */

/** Same as the posts reader: Markdown files. */
const POST_EXTENSION = /\.(md|markdown)$/i

export function isPostPath(filePath: string): boolean {
  return POST_EXTENSION.test(filePath)
}

export interface WatchHandlers {
  onError: (error: Error) => void
  /** Stops waiting for the watcher to be ready (the watch is being closed). */
  signal: AbortSignal
}

/**
 * Watches the config's folder rather than the file: a watch on the file
 * ends when an editor replaces it or it is deleted, and a config that does
 * not exist yet could not be watched at all. Without an explicit path, each
 * name the config is looked up by counts.
 */
export async function watchConfigFile(
  cwd: string,
  explicitPath: string | undefined,
  handlers: WatchHandlers & { onChange: () => void },
): Promise<FSWatcher> {
  const explicit = explicitPath === undefined ? undefined : path.resolve(cwd, explicitPath)
  const directory = explicit === undefined ? cwd : path.dirname(explicit)
  const names = new Set<string>(explicit === undefined ? CONFIG_FILE_NAMES : [path.basename(explicit)])
  const watcher = watchFiles(directory, {
    ignoreInitial: true,
    atomic: false,
    depth: 0,
    ignored: (filePath) => filePath !== directory && !names.has(path.basename(filePath)),
  })
  watcher.on('all', (event) => {
    if (event !== 'addDir' && event !== 'unlinkDir') handlers.onChange()
  })
  watcher.on('error', (error) => handlers.onError(watchError(error as Error)))
  await waitForReady(watcher, handlers.signal)
  return watcher
}

/**
 * Watches the posts folder and `publicDir`: posts, and images (whose sizes
 * go into RSS enclosures), not editors' backup and swap files; names that
 * start with `_` or `.` in the posts folder are skipped as the reader skips
 * them. Never the output folder, which may sit inside either.
 */
export async function watchContent(
  config: Pick<ResolvedConfig, 'postsDir' | 'publicDir' | 'outDir'>,
  handlers: WatchHandlers & {
    onFile: (event: 'add' | 'change' | 'unlink', filePath: string) => void
    /** A folder came or went. */
    onFolder: () => void
  },
): Promise<FSWatcher> {
  const { postsDir, publicDir } = config
  const roots = publicDir === undefined ? [postsDir] : [postsDir, publicDir]
  const watcher = watchFiles(roots, { ignoreInitial: true, atomic: false, ignored: ignoredContent(config) })
  watcher.on('all', (event, filePath) => {
    if (event === 'addDir' || event === 'unlinkDir') handlers.onFolder()
    else if ((event === 'add' || event === 'change' || event === 'unlink') && isBuiltFrom(filePath)) {
      handlers.onFile(event, filePath)
    }
  })
  watcher.on('error', (error) => handlers.onError(watchError(error as Error)))
  await waitForReady(watcher, handlers.signal)
  return watcher
}

/**
 * What the content watcher skips: the output folder, names that start with
 * `_` or `.` below the posts folder, and with `.` below `publicDir`.
 */
export function ignoredContent(
  config: Pick<ResolvedConfig, 'postsDir' | 'publicDir' | 'outDir'>,
): (filePath: string) => boolean {
  const { postsDir, publicDir, outDir } = config
  const isOutput = insideTest(outDir)
  const isSkippedPost = skippedSegmentTest(postsDir, /^[._]/)
  const isSkippedPublic = publicDir === undefined ? () => false : skippedSegmentTest(publicDir, /^\./)
  return (filePath) => isOutput(filePath) || isSkippedPost(filePath) || isSkippedPublic(filePath)
}

/** Posts, and images (whose sizes go into RSS enclosures). */
function isBuiltFrom(filePath: string): boolean {
  return isPostPath(filePath) || imageTypeFor(filePath) !== undefined
}

/** Resolves when the watcher has read its folders, or at once when `signal` stops the watch. */
function waitForReady(watcher: FSWatcher, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    signal.addEventListener('abort', () => resolve(), { once: true })
    watcher.once('ready', resolve)
  })
}

/**
 * Whether a path is `directory` or inside it. chokidar asks `ignored` of
 * every entry of a folder each time something in it changes, so this is a
 * comparison of strings, not path.relative: with 10,000 posts in one folder
 * that was 10,000 calls per edit. chokidar's paths are absolute and
 * normalized, as `directory` is made here; on Windows, case does not count.
 */
function insideTest(directory: string): (filePath: string) => boolean {
  const fold = process.platform === 'win32' ? (text: string) => text.toLowerCase() : (text: string) => text
  const root = fold(path.resolve(directory))
  const prefix = root.endsWith(path.sep) ? root : root + path.sep
  return (filePath) => {
    const folded = fold(filePath)
    return folded === root || folded.startsWith(prefix)
  }
}

/** Whether a path below `root` has a folder or file name matching `skipped` (the root's own name never counts). */
function skippedSegmentTest(root: string, skipped: RegExp): (filePath: string) => boolean {
  const isInside = insideTest(root)
  const start = path.resolve(root).replace(/[\\/]*$/, '').length + 1
  return (filePath) =>
    isInside(filePath) &&
    filePath
      .slice(start)
      .split(path.sep)
      .some((segment) => segment !== '' && skipped.test(segment))
}

function watchError(error: Error): Error {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOSPC' || code === 'EMFILE') {
    return new Error(
      `the system limit on watched files was reached (${code}) — raise it (on Linux: sysctl fs.inotify.max_user_watches=524288) or watch fewer files`,
      { cause: error },
    )
  }
  return error
}
