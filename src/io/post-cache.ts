import { createHash, randomBytes } from 'node:crypto'
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { deserialize, serialize } from 'node:v8'
import type { NormalizeResult } from '../core/normalize.js'
import type { RenderResult } from '../core/render.js'
import type { NormalizedEntry, PostRecord } from './post-store.js'
import {
  fromStoredProblem,
  fromStoredRender,
  type StoredProblem,
  type StoredRender,
  toStoredProblem,
  toStoredRender,
} from './render-pool.js'
import type { RenderStore } from './render-store.js'

/**
 * The post cache, `.cache/kabar/` next to the config: what a build learned
 * about each post (size and time, content hash, normalized frontmatter, the
 * key of its rendering) and the renderings themselves, so that the next
 * build stats files instead of reading them and renders only what changed.
 *
 * - It is only ever a shortcut: deleting it changes nothing but speed.
 * - It belongs to one kabar: a different version or build of kabar starts
 *   afresh (see `CACHE_VERSION`), and the config's hash is checked per post.
 * - It is never trusted when damaged: the index and every rendering carry a
 *   hash of their bytes, and anything that does not match is ignored.
 * - Two builds at once cannot mix their writes: each writes its renderings
 *   to a file of its own and replaces the index by renaming.
 */

const INDEX_FILE = 'index.bin'
const MAGIC = Buffer.from('kabar post cache\n')
const HASH_BYTES = 20
const SEGMENT_PREFIX = 'renders-'
/** Renderings files are rewritten when less than this share of their bytes is still used. */
const MIN_LIVE_SHARE = 0.5

/** Where a rendering sits: its file, offset, length and hash. */
interface RenderLocation {
  segment: string
  offset: number
  length: number
  hash: string
}

interface StoredRecord {
  path: string
  size: number
  mtimeMs: number
  hash: string
  wholeHash: string | undefined
  isRacy: boolean
  normalized:
    | (Omit<NormalizedEntry, 'result'> & { post: NormalizeResult['post']; problems: StoredProblem[] })
    | undefined
  rendered: PostRecord['rendered']
}

interface IndexPayload {
  version: string
  records: StoredRecord[]
  renders: [key: string, location: RenderLocation][]
}

/** The cache folder of a project: `.cache/kabar` beside its config file. */
export function cacheFolderFor(configPath: string): string {
  return path.join(path.dirname(configPath), '.cache', 'kabar')
}

export class PostCache implements RenderStore {
  readonly folder: string
  /** Records as the last build left them, by absolute path. */
  readonly records: Map<string, PostRecord>
  readonly #locations: Map<string, RenderLocation>
  /** Renderings made or read in this process: written by `save`, kept for the next run of a session. */
  readonly #fresh = new Map<string, RenderResult>()
  /** Renderings read from disk in this process. */
  readonly #read = new Map<string, RenderResult>()

  private constructor(folder: string, records: Map<string, PostRecord>, locations: Map<string, RenderLocation>) {
    this.folder = folder
    this.records = records
    this.#locations = locations
  }

  /** Opens the cache in `folder`; empty when there is none, or it is from another kabar, or damaged. */
  static open(folder: string): PostCache {
    const payload = readIndex(path.join(folder, INDEX_FILE))
    const records = new Map<string, PostRecord>()
    const locations = new Map<string, RenderLocation>()
    if (payload !== undefined && payload.version === cacheVersion()) {
      for (const stored of payload.records) records.set(stored.path, fromStoredRecord(stored))
      for (const [key, location] of payload.renders) locations.set(key, location)
    }
    return new PostCache(folder, records, locations)
  }

  get(key: string): RenderResult | undefined {
    const known = this.#fresh.get(key) ?? this.#read.get(key)
    if (known !== undefined) return known
    const location = this.#locations.get(key)
    if (location === undefined) return undefined
    const result = readRender(this.folder, location)
    if (result === undefined) this.#locations.delete(key)
    else this.#read.set(key, result)
    return result
  }

  set(key: string, result: RenderResult): void {
    this.#fresh.set(key, result)
  }

  /**
   * Writes the records and the renderings they refer to. Renderings made
   * since the last save go to a new file; files no record needs any more are
   * deleted, and files mostly unused are rewritten. Never throws: a cache
   * that cannot be written only makes the next build slower.
   */
  save(records: ReadonlyMap<string, PostRecord>): void {
    try {
      mkdirSync(this.folder, { recursive: true })
      const liveKeys = new Set<string>()
      for (const record of records.values()) if (record.rendered !== undefined) liveKeys.add(record.rendered.key)
      const toWrite = new Map<string, RenderResult>()
      for (const key of liveKeys) {
        const fresh = this.#fresh.get(key)
        if (fresh !== undefined) toWrite.set(key, fresh)
      }
      for (const segment of this.#segmentsToRewrite(liveKeys)) {
        for (const [key, location] of this.#locations) {
          if (location.segment !== segment || !liveKeys.has(key) || toWrite.has(key)) continue
          const result = this.get(key)
          if (result !== undefined) toWrite.set(key, result)
          this.#locations.delete(key)
        }
      }
      if (toWrite.size > 0) this.#writeSegment(toWrite)
      for (const key of this.#locations.keys()) if (!liveKeys.has(key)) this.#locations.delete(key)
      this.#fresh.clear()
      this.#read.clear()
      writeIndex(this.folder, {
        version: cacheVersion(),
        records: [...records].flatMap(([filePath, record]) => toStoredRecord(filePath, record) ?? []),
        renders: [...this.#locations],
      })
      this.#removeUnusedSegments()
    } catch {
      // A read-only or full disk: the build itself is not affected.
    }
  }

  #segmentsToRewrite(liveKeys: ReadonlySet<string>): string[] {
    const live = new Map<string, number>()
    for (const [key, location] of this.#locations) {
      if (liveKeys.has(key)) live.set(location.segment, (live.get(location.segment) ?? 0) + location.length)
    }
    return [...live]
      .filter(([segment, bytes]) => bytes < MIN_LIVE_SHARE * sizeOf(path.join(this.folder, segment)))
      .map(([segment]) => segment)
  }

  #writeSegment(results: ReadonlyMap<string, RenderResult>): void {
    const segment = `${SEGMENT_PREFIX}${Date.now().toString(36)}-${randomBytes(4).toString('hex')}.bin`
    // Written one rendering at a time: a full archive's renderings are hundreds of megabytes.
    const descriptor = openSync(path.join(this.folder, segment), 'w')
    try {
      let offset = 0
      for (const [key, result] of results) {
        const bytes = serialize(toStoredRender(result))
        writeSync(descriptor, bytes)
        this.#locations.set(key, { segment, offset, length: bytes.length, hash: hashOf(bytes) })
        offset += bytes.length
      }
    } finally {
      closeSync(descriptor)
    }
  }

  #removeUnusedSegments(): void {
    const used = new Set([...this.#locations.values()].map((location) => location.segment))
    for (const name of readdirSync(this.folder)) {
      if (name.startsWith(SEGMENT_PREFIX) && !used.has(name)) {
        try {
          unlinkSync(path.join(this.folder, name))
        } catch {
          // Already gone, or another build's file being written: left for later.
        }
      }
    }
  }
}

function readIndex(file: string): IndexPayload | undefined {
  try {
    const bytes = readFileSync(file)
    const start = MAGIC.length + HASH_BYTES
    if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) return undefined
    const payload = bytes.subarray(start)
    if (!createHash('sha1').update(payload).digest().equals(bytes.subarray(MAGIC.length, start))) return undefined
    const value = deserialize(payload) as IndexPayload
    return Array.isArray(value.records) && Array.isArray(value.renders) ? value : undefined
  } catch {
    return undefined
  }
}

function writeIndex(folder: string, payload: IndexPayload): void {
  const bytes = serialize(payload)
  const temp = path.join(folder, `.${INDEX_FILE}-${randomBytes(4).toString('hex')}.tmp`)
  // Not joined into one buffer: at 100,000 posts the index is about 90 MB.
  const descriptor = openSync(temp, 'w')
  try {
    for (const part of [MAGIC, createHash('sha1').update(bytes).digest(), bytes]) writeSync(descriptor, part)
  } finally {
    closeSync(descriptor)
  }
  renameSync(temp, path.join(folder, INDEX_FILE))
}

function readRender(folder: string, location: RenderLocation): RenderResult | undefined {
  let descriptor: number | undefined
  try {
    descriptor = openSync(path.join(folder, location.segment), 'r')
    const bytes = Buffer.alloc(location.length)
    if (readSync(descriptor, bytes, 0, location.length, location.offset) !== location.length) return undefined
    if (hashOf(bytes) !== location.hash) return undefined
    return fromStoredRender(deserialize(bytes) as StoredRender)
  } catch {
    return undefined
  } finally {
    if (descriptor !== undefined) closeSync(descriptor)
  }
}

function toStoredRecord(filePath: string, record: PostRecord): StoredRecord | undefined {
  // A file that could not be read is read again next time, whatever its time says.
  if (record.stamp === undefined || record.problem !== undefined) return undefined
  const normalized = record.normalized
  return {
    path: filePath,
    size: record.stamp.size,
    mtimeMs: record.stamp.mtimeMs,
    hash: record.hash,
    wholeHash: record.wholeHash,
    isRacy: record.isRacy,
    normalized:
      normalized === undefined
        ? undefined
        : {
            configHash: normalized.configHash,
            isWhole: normalized.isWhole,
            now: normalized.now,
            post: normalized.result.post,
            problems: normalized.result.problems.map(toStoredProblem),
          },
    rendered: record.rendered,
  }
}

function fromStoredRecord(stored: StoredRecord): PostRecord {
  const normalized = stored.normalized
  return {
    stamp: { size: stored.size, mtimeMs: stored.mtimeMs },
    isRacy: stored.isRacy,
    problem: undefined,
    hash: stored.hash,
    wholeHash: stored.wholeHash,
    normalized:
      normalized === undefined
        ? undefined
        : {
            configHash: normalized.configHash,
            isWhole: normalized.isWhole,
            now: normalized.now,
            result: { post: normalized.post, problems: normalized.problems.map(fromStoredProblem) },
          },
    rendered: stored.rendered,
  }
}

function hashOf(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('base64url')
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}

let version: string | undefined

/**
 * The cache belongs to one build of kabar: its version, and the size and
 * time of each of its own files, so that a cache written by other code
 * (an upgrade, or a local change to kabar) is never used.
 */
export function cacheVersion(): string {
  version ??= codeVersion()
  return version
}

function codeVersion(): string {
  const hash = createHash('sha1')
  const root = fileURLToPath(new URL('../', import.meta.url))
  try {
    hash.update(readFileSync(new URL('../../package.json', import.meta.url)))
    for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue
      const file = path.join(entry.parentPath, entry.name)
      const stats = statSync(file)
      hash.update(`${path.relative(root, file)}\0${stats.size}\0${stats.mtimeMs}\n`)
    }
  } catch {
    hash.update(randomBytes(16))
  }
  return hash.digest('base64url')
}
