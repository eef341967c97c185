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
  const { postsDir, publicDir, outDir } = config
  const roots = publicDir === undefined ? [postsDir] : [postsDir, publicDir]
  const watcher = watchFiles(roots, {
    ignoreInitial: true,
    atomic: false,
    ignored: (filePath) =>
      isInside(filePath, outDir) ||
      hasSkippedSegment(filePath, postsDir, /^[._]/) ||
      (publicDir !== undefined && hasSkippedSegment(filePath, publicDir, /^\./)),
  })
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

function isInside(filePath: string, directory: string): boolean {
  const relative = path.relative(directory, filePath)
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))
}

/** Whether a path below `root` has a folder or file name matching `skipped` (the root's own name never counts). */
function hasSkippedSegment(filePath: string, root: string, skipped: RegExp): boolean {
  if (filePath === root || !isInside(filePath, root)) return false
  return path
    .relative(root, filePath)
    .split(path.sep)
    .some((segment) => skipped.test(segment))
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
