import type { Stats } from 'node:fs'
import { open, realpath, stat } from 'node:fs/promises'
import path from 'node:path'
import { contentTypeFor, type FeedFileNames } from './content-types.js'
import { type FileVersion, makeFileVersion, versionKey } from './representations.js'

/** The files of the served folder, read whole and kept in memory per version. */
export interface FileStore {
  /** The current version of the file at `relativePath` (a folder gives its `index.html`), or `undefined`. */
  read(relativePath: string): Promise<FileVersion | undefined>
}

const INDEX_FILE = 'index.html'
/** Errors that mean "there is no such file for you": answered with 404. */
const MISSING_CODES = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG', 'EACCES', 'EISDIR'])

/**
 * A store over `root`. Each request costs at most one `stat` (requests for
 * the same path that arrive while one is in flight share it); the file is
 * read again only when its stamp changed. Builds replace feeds by renaming a complete
 * temp file over them, and a file is read through one open handle, so a
 * version is always a whole old file or a whole new one, never a mix.
 */
export function createFileStore(root: string, feedFiles: FeedFileNames): FileStore {
  const rootPath = path.resolve(root)
  const versions = new Map<string, FileVersion>()
  const loading = new Map<string, Promise<FileVersion | undefined>>()
  const finding = new Map<string, Promise<FoundFile | undefined>>()

  // Fifty pollers asking at once need one stat, not fifty trips to the
  // thread pool. A shared stat may predate a request by a moment; it still
  // names one whole version.
  function findShared(relativePath: string): Promise<FoundFile | undefined> {
    const inFlight = finding.get(relativePath)
    if (inFlight !== undefined) return inFlight
    const found = findFile(rootPath, relativePath).finally(() => finding.delete(relativePath))
    finding.set(relativePath, found)
    return found
  }

  async function read(relativePath: string): Promise<FileVersion | undefined> {
    const found = await findShared(relativePath)
    if (found === undefined) {
      versions.delete(path.join(rootPath, relativePath))
      return undefined
    }
    const cached = versions.get(found.filePath)
    if (cached?.key === versionKey(found.stats)) return cached
    // Requests arriving while a new version loads share that one load.
    const pending = loading.get(found.filePath)
    if (pending !== undefined) return pending
    const load = loadVersion(rootPath, found.filePath, contentTypeFor(found.relativePath, feedFiles))
      .then((version) => {
        if (version === undefined) versions.delete(found.filePath)
        else versions.set(found.filePath, version)
        return version
      })
      .finally(() => loading.delete(found.filePath))
    loading.set(found.filePath, load)
    return load
  }

  return { read }
}

interface FoundFile {
  filePath: string
  relativePath: string
  stats: Stats
}

async function findFile(rootPath: string, relativePath: string): Promise<FoundFile | undefined> {
  const filePath = path.join(rootPath, ...relativePath.split('/'))
  const stats = await statOrUndefined(filePath)
  if (stats?.isFile()) return { filePath, relativePath, stats }
  if (!stats?.isDirectory()) return undefined
  // A folder is served by its index.html, never by a listing.
  const indexPath = path.join(filePath, INDEX_FILE)
  const indexStats = await statOrUndefined(indexPath)
  if (!indexStats?.isFile()) return undefined
  return {
    filePath: indexPath,
    relativePath: relativePath === '' ? INDEX_FILE : `${relativePath}/${INDEX_FILE}`,
    stats: indexStats,
  }
}

/**
 * Reads a new version. The symlink check runs here, on every new version: a
 * link that resolves outside the served folder is treated as missing.
 */
async function loadVersion(rootPath: string, filePath: string, contentType: string): Promise<FileVersion | undefined> {
  const [realRoot, realFile] = await Promise.all([realpathOrUndefined(rootPath), realpathOrUndefined(filePath)])
  if (realRoot === undefined || realFile === undefined || !isInside(realRoot, realFile)) return undefined
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(realFile, 'r')
  } catch (error) {
    if (isMissing(error)) return undefined
    throw error
  }
  try {
    // Stamp and bytes come from the same open file, so they always agree.
    const stats = await handle.stat()
    if (!stats.isFile()) return undefined
    const body = await handle.readFile()
    return await makeFileVersion(body, stats, contentType)
  } finally {
    await handle.close()
  }
}

function isInside(folder: string, file: string): boolean {
  const relative = path.relative(folder, file)
  return relative !== '' && !relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative)
}

async function statOrUndefined(filePath: string): Promise<Stats | undefined> {
  try {
    return await stat(filePath)
  } catch (error) {
    if (isMissing(error)) return undefined
    throw error
  }
}

async function realpathOrUndefined(filePath: string): Promise<string | undefined> {
  try {
    return await realpath(filePath)
  } catch (error) {
    if (isMissing(error)) return undefined
    throw error
  }
}

function isMissing(error: unknown): boolean {
  return MISSING_CODES.has((error as NodeJS.ErrnoException).code ?? '')
}
