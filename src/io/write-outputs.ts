import { randomBytes } from 'node:crypto'
import type { Stats } from 'node:fs'
import { rmdir } from 'node:fs/promises'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { OutputFile } from '../core/render-outputs.js'
import { KabarError } from '../errors.js'
import { errorCode, type FileSystem, nodeFileSystem } from './file-system.js'

export interface WriteResult {
  /** Files whose bytes changed and were replaced. */
  written: string[]
  /** Files whose bytes were already right: not touched, mtime kept. */
  unchanged: string[]
  /** `false` when `shouldReplace` said no: nothing was replaced, and both lists are empty. */
  isReplaced: boolean
}

/** A file written by an earlier build: the hash of its inputs, and its size and time as written. */
export interface OutputRecord {
  hash: string
  size: number
  mtimeMs: number
}

/** What earlier builds wrote, by absolute path (kept by build-memo.ts). */
export interface OutputRecords {
  get(target: string): OutputRecord | undefined
  /** Records this build's files in `outDir`, forgetting any other there. */
  replaceIn(outDir: string, records: ReadonlyMap<string, OutputRecord>): void
}

export interface WriteOptions {
  fileSystem?: FileSystem
  /**
   * What earlier builds wrote: a file whose inputs hash the same, and which
   * is on disk with the size and time it was written with, is not serialized
   * again. Brought up to date after a write that went through.
   */
  records?: OutputRecords | undefined
  /** UTF-16 units of a file held whole before it is streamed to its temp file instead (for tests). */
  streamAbove?: number | undefined
  /**
   * Asked once every temp file is written, before the first rename (a
   * `--strict` build learns the feeds' sizes only by making them): `false`
   * removes the temp files and replaces nothing.
   */
  shouldReplace?: (() => boolean) | undefined
}

const LOCK_NAME = '.kabar.lock'
const TEMP_PREFIX = '.kabar-'
const TEMP_SUFFIX = '.tmp'
/** How long a second build waits for the first one to finish writing. */
const LOCK_TIMEOUT_MS = 60_000
const LOCK_POLL_MS = 25
/** UTF-16 units compared at a time with a file on disk: at most 3 MiB of bytes. */
const COMPARE_CHUNK = 1024 * 1024
/**
 * A file longer than this many UTF-16 units is not joined into one string:
 * its pieces go to its temp file as they are made. A full archive's feed is
 * 100 MB, and joining it held its pieces, the whole and its bytes at once.
 */
const STREAM_ABOVE = 4 * 1024 * 1024
/** Bytes gathered before one write to a streamed temp file. */
const WRITE_CHUNK = 1024 * 1024

/**
 * Writes feed files into `outDir` so that a reader polling at any moment sees
 * the complete old file or the complete new one, never half of either:
 * each file goes to a temp file in the same folder (same file system), is
 * flushed, then renamed over the old one. All temp files are written before
 * any rename, so a full disk leaves every old feed in place.
 *
 * Files are serialized one at a time, compared with the file on disk
 * (by size, then chunk by chunk), and written to their temp file; each
 * string is let go before the next file is made, and a big one (a full
 * archive's feed) is never joined into one string: its pieces are written
 * as they are made. A file whose inputs and stamp match `records` is not
 * serialized at all.
 *
 * A lock file keeps two builds (a publish hook firing twice) from
 * interleaving; temp files left by a killed run are removed under the lock.
 */
export async function writeOutputs(
  outDir: string,
  files: Iterable<OutputFile>,
  options: WriteOptions = {},
): Promise<WriteResult> {
  const fileSystem = options.fileSystem ?? nodeFileSystem
  try {
    await fileSystem.mkdir(outDir)
  } catch (error) {
    throw outputError(error, outDir)
  }
  const release = await acquireLock(outDir, fileSystem)
  const temps: string[] = []
  /** Folders inside `outDir` this write made, for a write that replaces nothing to take away again. */
  const madeFolders: string[] = []
  const knownFolders = new Set([outDir])
  try {
    await removeStaleTemps(outDir, fileSystem)
    const changed: [target: string, temp: string][] = []
    const unchanged: string[] = []
    const hashes = new Map<string, string>()
    /** A temp file beside `target`, its folder made when needed. */
    const tempFor = async (target: string): Promise<string> => {
      const folder = path.dirname(target)
      if (!knownFolders.has(folder)) {
        if (!(await isDirectory(folder, fileSystem))) madeFolders.push(folder)
        knownFolders.add(folder)
      }
      await fileSystem.mkdir(folder)
      const temp = path.join(
        folder,
        `${TEMP_PREFIX}${path.basename(target)}-${process.pid}-${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`,
      )
      temps.push(temp)
      return temp
    }
    const streamAbove = options.streamAbove ?? STREAM_ABOVE
    const list = [...files]
    const recordedStats = statRecorded(outDir, list, options.records, fileSystem)
    /** Files found as recorded: their records stand, without a stat after the renames. */
    const confirmed = new Map<string, OutputRecord>()
    for (const file of list) {
      const target = path.join(outDir, file.name)
      const hash = file.inputsHash()
      if (hash !== undefined) hashes.set(target, hash)
      const record = await asRecorded(file, target, hash, options.records, recordedStats)
      if (record !== undefined) {
        confirmed.set(target, record)
        unchanged.push(file.name)
        continue
      }
      const temp = await writeTemp(file, target, tempFor, streamAbove, fileSystem)
      if (temp === undefined) unchanged.push(file.name)
      else changed.push([target, temp])
    }
    if (options.shouldReplace !== undefined && !options.shouldReplace()) {
      // Under the lock still: another build may be about to write into these folders.
      await removeTemps(temps, fileSystem)
      await removeEmptyFolders(madeFolders)
      return { written: [], unchanged: [], isReplaced: false }
    }
    for (const [target, temp] of changed) await fileSystem.rename(temp, target)
    temps.length = 0
    if (options.records !== undefined) {
      options.records.replaceIn(outDir, await recordsOf(hashes, confirmed, fileSystem))
    }
    return {
      written: changed.map(([target]) => path.relative(outDir, target).split(path.sep).join('/')),
      unchanged,
      isReplaced: true,
    }
  } catch (error) {
    throw outputError(error, outDir)
  } finally {
    await removeTemps(temps, fileSystem)
    await release()
  }
}

/**
 * What a build that writes nothing (a check, or a build with errors) still
 * reports: each file's size, for the size warnings. A file on disk as
 * `records` says it was written from the same inputs is not serialized.
 */
export async function measureOutputs(
  outDir: string,
  files: Iterable<OutputFile>,
  options: Pick<WriteOptions, 'fileSystem' | 'records'> = {},
): Promise<void> {
  const fileSystem = options.fileSystem ?? nodeFileSystem
  const list = [...files]
  const recordedStats = statRecorded(outDir, list, options.records, fileSystem)
  for (const file of list) {
    const target = path.join(outDir, file.name)
    if (await asRecorded(file, target, file.inputsHash(), options.records, recordedStats)) continue
    for (const _chunk of file.chunks());
  }
}

/**
 * Serializes `file` into a temp file beside `target`; `undefined` when
 * `target` already holds the same bytes (no temp file is left then).
 */
async function writeTemp(
  file: OutputFile,
  target: string,
  tempFor: (target: string) => Promise<string>,
  streamAbove: number,
  fileSystem: FileSystem,
): Promise<string | undefined> {
  const pieces: string[] = []
  let length = 0
  const chunks = file.chunks()[Symbol.iterator]()
  for (let next = chunks.next(); next.done !== true; next = chunks.next()) {
    pieces.push(next.value)
    length += next.value.length
    if (length > streamAbove) return streamTemp(pieces, chunks, target, tempFor, fileSystem)
  }
  const contents = pieces.join('')
  pieces.length = 0
  if (await hasSameBytes(target, contents, file.size, fileSystem)) return undefined
  const temp = await tempFor(target)
  await fileSystem.writeFile(temp, contents)
  return temp
}

/**
 * Writes the pieces already made, then the rest as they are made, to a temp
 * file, comparing them with `target` on the way; flushed, like every temp
 * file, before it can be renamed. `undefined` (and the temp file removed)
 * when `target` held the same bytes.
 */
export async function streamTemp(
  made: string[],
  rest: Iterator<string>,
  target: string,
  tempFor: (target: string) => Promise<string>,
  fileSystem: FileSystem,
): Promise<string | undefined> {
  const temp = await tempFor(target)
  const output = await fileSystem.open(temp, 'wx')
  const existing = await openRegularFile(target, fileSystem)
  let isSame = existing !== undefined
  let position = 0
  const buffered: Buffer[] = []
  let bufferedBytes = 0
  const flush = async () => {
    const bytes = buffered.length === 1 ? (buffered[0] as Buffer) : Buffer.concat(buffered, bufferedBytes)
    buffered.length = 0
    bufferedBytes = 0
    for (let written = 0; written < bytes.length; ) {
      written += (await output.write(bytes, written, bytes.length - written, position + written)).bytesWritten
    }
    if (isSame && existing !== undefined) isSame = await hasBytesAt(existing.handle, bytes, position)
    position += bytes.length
  }
  // A piece that ends half-way through a surrogate pair keeps that half for the next: apart, each would be U+FFFD.
  let held = ''
  const add = async (piece: string, isLast = false) => {
    let text = held + piece
    held = ''
    if (!isLast && text.length > 0 && isHighSurrogate(text.charCodeAt(text.length - 1))) {
      held = text.slice(-1)
      text = text.slice(0, -1)
    }
    const bytes = Buffer.from(text, 'utf8')
    buffered.push(bytes)
    bufferedBytes += bytes.length
    if (bufferedBytes >= WRITE_CHUNK) await flush()
  }
  try {
    for (let piece = made.shift(); piece !== undefined; piece = made.shift()) await add(piece)
    for (let next = rest.next(); next.done !== true; next = rest.next()) await add(next.value)
    if (held !== '') await add('', true)
    if (bufferedBytes > 0) await flush()
    if (isSame && position === existing?.size) {
      await output.close()
      await fileSystem.unlink(temp)
      return undefined
    }
    await output.sync()
  } finally {
    await output.close().catch(() => undefined)
    await existing?.handle.close().catch(() => undefined)
  }
  return temp
}

/** An open handle on `target` and its size, when it is a regular file that can be read. */
async function openRegularFile(
  target: string,
  fileSystem: FileSystem,
): Promise<{ handle: Awaited<ReturnType<FileSystem['open']>>; size: number } | undefined> {
  const stats = await fileSystem.stat(target).catch(() => undefined)
  if (stats === undefined || !stats.isFile()) return undefined
  const handle = await fileSystem.open(target, 'r').catch(() => undefined)
  return handle === undefined ? undefined : { handle, size: stats.size }
}

/** Whether the file holds `expected` at `position`. */
async function hasBytesAt(
  handle: Awaited<ReturnType<FileSystem['open']>>,
  expected: Buffer,
  position: number,
): Promise<boolean> {
  const actual = Buffer.allocUnsafe(expected.length)
  for (let filled = 0; filled < actual.length; ) {
    const { bytesRead } = await handle.read(actual, filled, actual.length - filled, position + filled)
    if (bytesRead === 0) return false
    filled += bytesRead
  }
  return actual.equals(expected)
}

/**
 * Each file `records` knows, stat'ed all at once: one after another, the
 * stats of a site's 600 archive pages were a tenth of a build after one edit.
 */
function statRecorded(
  outDir: string,
  files: readonly OutputFile[],
  records: OutputRecords | undefined,
  fileSystem: FileSystem,
): Map<string, Promise<Stats | undefined>> {
  const stats = new Map<string, Promise<Stats | undefined>>()
  if (records === undefined) return stats
  for (const file of files) {
    const target = path.join(outDir, file.name)
    if (records.get(target) === undefined) continue
    stats.set(
      target,
      fileSystem.stat(target).catch(() => undefined),
    )
  }
  return stats
}

/**
 * The record of the file on disk, when it was written from these inputs and
 * not touched since (its size is then taken); `undefined` when not.
 */
async function asRecorded(
  file: OutputFile,
  target: string,
  hash: string | undefined,
  records: OutputRecords | undefined,
  recordedStats: ReadonlyMap<string, Promise<Stats | undefined>>,
): Promise<OutputRecord | undefined> {
  const record = hash === undefined ? undefined : records?.get(target)
  if (record === undefined || record.hash !== hash) return undefined
  const stats = await recordedStats.get(target)
  if (stats === undefined || !stats.isFile() || stats.size !== record.size || stats.mtimeMs !== record.mtimeMs) {
    return undefined
  }
  file.size = record.size
  return record
}

/**
 * Whether `target` holds exactly `contents`: sizes first, then chunk by
 * chunk, so that a 100 MB feed is never held twice more as bytes.
 */
async function hasSameBytes(
  target: string,
  contents: string,
  size: number | undefined,
  fileSystem: FileSystem,
): Promise<boolean> {
  const stats = await fileSystem.stat(target).catch(() => undefined)
  if (stats === undefined || !stats.isFile() || stats.size !== (size ?? Buffer.byteLength(contents, 'utf8'))) {
    return false
  }
  const handle = await fileSystem.open(target, 'r').catch(() => undefined)
  if (handle === undefined) return false
  try {
    let position = 0
    for (let start = 0; start < contents.length; ) {
      let end = Math.min(contents.length, start + COMPARE_CHUNK)
      // A surrogate pair stays in one chunk: split, each half would encode as U+FFFD.
      if (end < contents.length && isHighSurrogate(contents.charCodeAt(end - 1))) end--
      const expected = Buffer.from(contents.slice(start, end), 'utf8')
      if (!(await hasBytesAt(handle, expected, position))) return false
      position += expected.length
      start = end
    }
    return true
  } catch {
    return false
  } finally {
    await handle.close().catch(() => undefined)
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff
}

/** Each hashed file's record, as it now is on disk. */
async function recordsOf(
  hashes: ReadonlyMap<string, string>,
  confirmed: ReadonlyMap<string, OutputRecord>,
  fileSystem: FileSystem,
): Promise<Map<string, OutputRecord>> {
  const records = new Map<string, OutputRecord>()
  for (const [target, hash] of hashes) {
    const record = confirmed.get(target)
    if (record !== undefined) {
      records.set(target, record)
      continue
    }
    const stats = await fileSystem.stat(target).catch(() => undefined)
    if (stats?.isFile()) records.set(target, { hash, size: stats.size, mtimeMs: stats.mtimeMs })
  }
  return records
}

async function isDirectory(folder: string, fileSystem: FileSystem): Promise<boolean> {
  const stats = await fileSystem.stat(folder).catch(() => undefined)
  return stats?.isDirectory() === true
}

async function removeTemps(temps: string[], fileSystem: FileSystem): Promise<void> {
  await Promise.all(temps.map((temp) => fileSystem.unlink(temp).catch(() => undefined)))
  temps.length = 0
}

/** Removes the folders a write made, deepest first, when they are empty; never throws. */
async function removeEmptyFolders(folders: readonly string[]): Promise<void> {
  for (const folder of [...folders].sort((a, b) => b.length - a.length)) {
    await rmdir(folder).catch(() => undefined)
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
