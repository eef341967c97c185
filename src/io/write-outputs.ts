import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { KabarError } from '../errors.js'
import { errorCode, type FileSystem, nodeFileSystem } from './file-system.js'

export interface WriteResult {
  /** Files whose bytes changed and were replaced. */
  written: string[]
  /** Files whose bytes were already right: not touched, mtime kept. */
  unchanged: string[]
}

const LOCK_NAME = '.kabar.lock'
const TEMP_PREFIX = '.kabar-'
const TEMP_SUFFIX = '.tmp'
/** How long a second build waits for the first one to finish writing. */
const LOCK_TIMEOUT_MS = 60_000
const LOCK_POLL_MS = 25

/**
 * Writes feed files into `outDir` so that a reader polling at any moment sees
 * the complete old file or the complete new one, never half of either:
 * each file goes to a temp file in the same folder (same file system), is
 * flushed, then renamed over the old one. All temp files are written before
 * any rename, so a full disk leaves every old feed in place.
 *
 * A lock file keeps two builds (a publish hook firing twice) from
 * interleaving; temp files left by a killed run are removed under the lock.
 */
export async function writeOutputs(
  outDir: string,
  files: ReadonlyMap<string, string>,
  options: { fileSystem?: FileSystem } = {},
): Promise<WriteResult> {
  const fileSystem = options.fileSystem ?? nodeFileSystem
  try {
    await fileSystem.mkdir(outDir)
  } catch (error) {
    throw outputError(error, outDir)
  }
  const release = await acquireLock(outDir, fileSystem)
  const temps: string[] = []
  try {
    await removeStaleTemps(outDir, fileSystem)
    const changed: [target: string, temp: string][] = []
    const unchanged: string[] = []
    for (const [name, contents] of files) {
      const target = path.join(outDir, name)
      const existing = await fileSystem.readFile(target).catch(() => undefined)
      if (existing?.equals(Buffer.from(contents, 'utf8'))) {
        unchanged.push(name)
        continue
      }
      await fileSystem.mkdir(path.dirname(target))
      const temp = path.join(
        path.dirname(target),
        `${TEMP_PREFIX}${path.basename(name)}-${process.pid}-${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`,
      )
      temps.push(temp)
      await fileSystem.writeFile(temp, contents)
      changed.push([target, temp])
    }
    for (const [target, temp] of changed) await fileSystem.rename(temp, target)
    temps.length = 0
    return { written: changed.map(([target]) => path.relative(outDir, target).split(path.sep).join('/')), unchanged }
  } catch (error) {
    throw outputError(error, outDir)
  } finally {
    await Promise.all(temps.map((temp) => fileSystem.unlink(temp).catch(() => undefined)))
    await release()
  }
}

async function acquireLock(outDir: string, fileSystem: FileSystem): Promise<() => Promise<void>> {
  const lockPath = path.join(outDir, LOCK_NAME)
  const deadline = Date.now() + LOCK_TIMEOUT_MS
  for (;;) {
    try {
      const handle = await fileSystem.open(lockPath, 'wx')
      await handle.writeFile(String(process.pid))
      await handle.close()
      return () => fileSystem.unlink(lockPath).catch(() => undefined)
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw outputError(error, outDir)
    }
    if (await isStaleLock(lockPath, fileSystem)) {
      await fileSystem.unlink(lockPath).catch(() => undefined)
      continue
    }
    if (Date.now() > deadline) {
      throw new KabarError(
        'LOCKED',
        `another kabar build has been writing to ${outDir} for a minute — if none is running, delete ${lockPath}`,
        {
          file: lockPath,
        },
      )
    }
    await sleep(LOCK_POLL_MS)
  }
}

/** A lock whose process is gone was left by a killed build. */
async function isStaleLock(lockPath: string, fileSystem: FileSystem): Promise<boolean> {
  const content = await fileSystem.readFile(lockPath).then(String, () => '')
  const pid = Number.parseInt(content, 10)
  if (!Number.isInteger(pid) || pid <= 0) {
    // Written but not yet filled by its owner, or garbage: stale only if old.
    const stats = await fileSystem.stat(lockPath).catch(() => undefined)
    return stats !== undefined && Date.now() - stats.mtimeMs > 5_000
  }
  try {
    process.kill(pid, 0)
    return false
  } catch (error) {
    return errorCode(error) === 'ESRCH'
  }
}

async function removeStaleTemps(directory: string, fileSystem: FileSystem): Promise<void> {
  const entries = await fileSystem.readdir(directory, { withFileTypes: true }).catch(() => [])
  for (const entry of entries) {
    const entryPath = path.join(directory, entry.name)
    if (entry.isDirectory()) await removeStaleTemps(entryPath, fileSystem)
    else if (entry.name.startsWith(TEMP_PREFIX) && entry.name.endsWith(TEMP_SUFFIX)) {
      await fileSystem.unlink(entryPath).catch(() => undefined)
    }
  }
}

function outputError(error: unknown, outDir: string): KabarError {
  if (error instanceof KabarError) return error
  const code = errorCode(error)
  const hint =
    code === 'ENOSPC'
      ? 'the disk is full — free some space'
      : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? 'the folder is not writable — check its permissions or choose another "out" folder'
        : 'check that the folder exists and is writable'
  return new KabarError(
    'OUTPUT_FAILED',
    `cannot write the feeds to ${outDir} (${code ?? String(error)}): ${hint}; the feeds already there were left as they were`,
    {
      file: outDir,
    },
  )
}
