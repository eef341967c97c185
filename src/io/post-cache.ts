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
import type { Author } from '../core/config.js'
import type { Post } from '../core/post.js'
import type { RenderResult } from '../core/render.js'
import type { KabarError } from '../errors.js'
import type { PostRecord, RenderedEntry } from './post-store.js'
import { fromPostTuple, type PostTuple, toPostTuple } from './post-tuple.js'
import type { FileStamp } from './read-head.js'
import {
  fromStoredProblem,
  fromStoredRender,
  type StoredProblem,
  type StoredRender,
  toStoredProblem,
  toStoredRender,
} from './render-pool.js'
import { hasRenderedFields, type RenderedFields, type RenderStore, renderedFieldsOf } from './render-store.js'

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
 *   to a file of its own and replaces the index (or the journal) by renaming.
 * - A build that changed a few records writes only those, to a journal
 *   beside the index: every record changed since the index was written,
 *   tied to that index by its id. Rewriting the index of 10,000 posts for one
 *   edit was a tenth of such a build, and of every rebuild in watch mode.
 */

const INDEX_FILE = 'index.bin'
const JOURNAL_FILE = 'journal.bin'
const MAGIC = Buffer.from('kabar post cache\n')
const JOURNAL_MAGIC = Buffer.from('kabar post cache journal\n')
/** A journal holds at most this many entries, or one per this many records: beyond, the index is rewritten. */
const JOURNAL_MIN_LIMIT = 256
const RECORDS_PER_JOURNAL_ENTRY = 8
const HASH_BYTES = 20
const SEGMENT_PREFIX = 'renders-'
/** Renderings files are rewritten when less than this share of their bytes is still used. */
const MIN_LIVE_SHARE = 0.5

/** Where a rendering sits: its file, offset, length and hash; and its warnings, known without reading it. */
interface RenderLocation {
  segment: string
  offset: number
  length: number
  hash: string
  /** Absent when there are none, as for most posts. */
  warnings?: StoredProblem[]
}

/**
 * A record as stored: an array, not an object, and without what every
 * record repeats (the post's `file` is the record's path, its empty body,
 * an `id` equal to its URL, the config hash and clock of the run), so that
 * writing 100,000 of them is half the bytes and a third of the reading.
 */
type StoredRecord = [
  path: string,
  size: number,
  mtimeMs: number,
  hash: string,
  /** 0: not read whole; 1: the same as `hash`. */
  wholeHash: string | 0 | 1,
  isRacy: boolean,
  normalized: StoredNormalized | 0,
  rendered: StoredRendered | 0,
]

/**
 * A record's rendering entry, without what it shares with the record: most
 * often its whole hash, config hash and fields are the record's own (`1`).
 * Stored as they were, they were a third of the index.
 */
type StoredRendered = [key: string, wholeHash: string | 1, configHash: number, fields: RenderedFields | 1]

type StoredNormalized = [
  /** Index into the batch's config hashes. */
  configHash: number,
  isWhole: boolean,
  /** Index into the batch's clocks. */
  now: number,
  post: StoredPost | 0,
  problems: StoredProblem[],
  /** The post's item digest and the rendering key it goes with (`1`: the record's rendering's), or none (`0`). */
  itemDigest: [renderingKey: string | 1, digest: string] | 0,
]

/**
 * A Post as stored (see post-tuple.ts), its body empty and its authors an
 * index into the batch's table of author lists: Date objects and one object
 * per author were most of reading the index.
 */
type StoredPost = PostTuple<number>

const NO_WARNINGS: readonly KabarError[] = Object.freeze([])

/** Records are written in batches, each serialized on its own: the index is never one 100 MB buffer. */
const RECORDS_PER_BATCH = 4096

interface RecordBatch {
  configHashes: string[]
  nows: number[]
  /** The author lists of the batch's posts, each once: a read post shares its list with the others. */
  authors: Author[][]
  records: StoredRecord[]
}

interface IndexHeader {
  version: string
  /** Names this index for a journal: a new one each time the index is written. */
  id: string
  renders: StoredLocations
  batches: number
}

/**
 * Where renderings sit, as stored: their files' names once, then for each
 * rendering, one after the other in a flat array, its key, file (an index
 * into `segments`), offset, length, hash and warnings (`0` for none). One
 * object per rendering, each repeating its file's name and its fields'
 * names, was a seventh of the index.
 */
interface StoredLocations {
  segments: string[]
  entries: (string | number | StoredProblem[])[]
}

const FIELDS_PER_LOCATION = 6

interface IndexPayload {
  version: string
  id: string
  records: PostRecord[]
  paths: string[]
  renders: Iterable<[key: string, location: RenderLocation]>
}

/** What changed since the index with id `indexId` was written. */
interface JournalHeader {
  version: string
  indexId: string
}

interface JournalBody {
  /** Records changed, in one batch. */
  records: RecordBatch
  /** Paths whose records went. */
  removed: string[]
  /** Renderings stored since, or moved. */
  renders: StoredLocations
  /** Renderings no record uses any more. */
  removedRenders: string[]
}

/**
 * The cache folder of a config: `.cache/kabar/<config file name>/` beside
 * it. One folder per config, not per project: two configs in one folder
 * (a site's main feeds and a full archive, say) otherwise replaced each
 * other's records, build memo and output records at every build, and
 * neither build ever found its own.
 */
export function cacheFolderFor(configPath: string): string {
  return path.join(path.dirname(configPath), '.cache', 'kabar', path.basename(configPath))
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
  /**
   * Renderings files opened for reading, kept open until `save`: a build
   * with archive pages reads back every post's rendering, and opening the
   * file for each one was a third of that build.
   */
  readonly #openSegments = new Map<string, number | undefined>()
  /** The id of the index on disk; `undefined` when there is none this cache can add a journal to. */
  #indexId: string | undefined
  /** Paths and rendering keys the journal on disk holds: each save's journal holds them again, updated. */
  #journalPaths = new Set<string>()
  #journalKeys = new Set<string>()
  /** Rendering keys stored, moved or let go since the last save. */
  readonly #changedKeys = new Set<string>()

  private constructor(
    folder: string,
    records: Map<string, PostRecord>,
    locations: Map<string, RenderLocation>,
    indexId: string | undefined,
  ) {
    this.folder = folder
    this.records = records
    this.#locations = locations
    this.#indexId = indexId
  }

  /**
   * When the cache in `folder` was last saved (its index or journal written), in ms;
   * `undefined` when it holds neither. A file modified since was edited after that build.
   */
  static savedAt(folder: string): number | undefined {
    let savedAt: number | undefined
    for (const name of [INDEX_FILE, JOURNAL_FILE]) {
      try {
        savedAt = Math.max(savedAt ?? 0, statSync(path.join(folder, name)).mtimeMs)
      } catch {
        // Not there: the other may be.
      }
    }
    return savedAt
  }

  /** Opens the cache in `folder`; empty when there is none, or it is from another kabar, or damaged. */
  static open(folder: string): PostCache {
    const payload = readIndex(path.join(folder, INDEX_FILE))
    const records = new Map<string, PostRecord>()
    const locations = new Map<string, RenderLocation>()
    if (payload === undefined || payload.version !== cacheVersion()) {
      return new PostCache(folder, records, locations, undefined)
    }
    for (const [index, record] of payload.records.entries()) records.set(payload.paths[index] as string, record)
    for (const [key, location] of payload.renders) locations.set(key, location)
    const cache = new PostCache(folder, records, locations, payload.id)
    // A journal of another index (written since by another build), or damaged, is not applied.
    const journal = readJournal(path.join(folder, JOURNAL_FILE), payload.id)
    if (journal !== undefined) {
      for (const stored of journal.records.records) {
        records.set(stored[0], fromStoredRecord(stored, journal.records))
        cache.#journalPaths.add(stored[0])
      }
      for (const filePath of journal.removed) {
        records.delete(filePath)
        cache.#journalPaths.add(filePath)
      }
      for (const [key, location] of fromStoredLocations(journal.renders)) {
        locations.set(key, location)
        cache.#journalKeys.add(key)
      }
      for (const key of journal.removedRenders) {
        locations.delete(key)
        cache.#journalKeys.add(key)
      }
    }
    return cache
  }

  get(key: string): RenderResult | undefined {
    const known = this.#fresh.get(key) ?? this.#read.get(key)
    if (known !== undefined) return known
    const location = this.#locations.get(key)
    if (location === undefined) return undefined
    const result = this.#readRender(location)
    if (result === undefined) {
      this.#locations.delete(key)
      this.#changedKeys.add(key)
    } else this.#read.set(key, result)
    return result
  }

  set(key: string, result: RenderResult): void {
    this.#fresh.set(key, result)
  }

  has(key: string): boolean {
    return this.#fresh.has(key) || this.#read.has(key) || this.#locations.has(key)
  }

  warningsOf(key: string): readonly KabarError[] | undefined {
    const known = this.#fresh.get(key) ?? this.#read.get(key)
    if (known !== undefined) return known.warnings
    const location = this.#locations.get(key)
    if (location === undefined) return undefined
    // Most renderings have none: one empty list for them all, not an array for each of 10,000 posts.
    const warnings = location.warnings
    return warnings === undefined || warnings.length === 0 ? NO_WARNINGS : warnings.map(fromStoredProblem)
  }

  /**
   * Writes the records and the renderings they refer to. Renderings made
   * since the last save go to a new file; files no record needs any more are
   * deleted, and files mostly unused are rewritten. Only the records of
   * `touched` (paths whose records changed or went since the last save) are
   * written, to the journal, while it stays small; else the whole index.
   * Never throws: a cache that cannot be written only makes the next build slower.
   */
  save(records: ReadonlyMap<string, PostRecord>, touched: ReadonlySet<string>): void {
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
          this.#changedKeys.add(key)
        }
      }
      if (toWrite.size > 0) this.#writeSegment(toWrite)
      for (const key of this.#locations.keys()) {
        if (liveKeys.has(key)) continue
        this.#locations.delete(key)
        this.#changedKeys.add(key)
      }
      this.#fresh.clear()
      this.#read.clear()
      this.#writeRecords(records, touched)
      // Closed before unused files are deleted (Windows deletes no open file); rewriting may have opened some.
      this.#closeSegments()
      this.#removeUnusedSegments()
    } catch {
      // A read-only or full disk: the build itself is not affected.
    } finally {
      this.#closeSegments()
    }
  }

  /** The journal, when it stays small and there is an index to add it to; else a new index. */
  #writeRecords(records: ReadonlyMap<string, PostRecord>, touched: ReadonlySet<string>): void {
    const limit = Math.max(JOURNAL_MIN_LIMIT, Math.ceil(records.size / RECORDS_PER_JOURNAL_ENTRY))
    // A first build (no index) or one that touched too many records writes the index: gathering
    // the 100,000 paths it touched into a set only to count them was garbage at its peak.
    const journalOf = touched.size + this.#changedKeys.size <= limit ? this.#indexId : undefined
    const paths = journalOf === undefined ? new Set<string>() : new Set([...this.#journalPaths, ...touched])
    const keys = journalOf === undefined ? new Set<string>() : new Set([...this.#journalKeys, ...this.#changedKeys])
    this.#changedKeys.clear()
    if (journalOf !== undefined && paths.size + keys.size <= limit) {
      writeJournal(this.folder, journalOf, records, paths, this.#locations, keys)
      this.#journalPaths = paths
      this.#journalKeys = keys
      return
    }
    // The journal is of the old index: removed first, so that no moment has it beside the new one.
    this.#indexId = undefined
    this.#journalPaths = new Set()
    this.#journalKeys = new Set()
    try {
      unlinkSync(path.join(this.folder, JOURNAL_FILE))
    } catch {
      // There was none.
    }
    const id = randomBytes(12).toString('base64url')
    writeIndex(this.folder, records, {
      version: cacheVersion(),
      id,
      renders: toStoredLocations(this.#locations),
      batches: 0,
    })
    this.#indexId = id
  }

  #readRender(location: RenderLocation): RenderResult | undefined {
    if (!this.#openSegments.has(location.segment)) {
      let descriptor: number | undefined
      try {
        descriptor = openSync(path.join(this.folder, location.segment), 'r')
      } catch {
        descriptor = undefined
      }
      this.#openSegments.set(location.segment, descriptor)
    }
    const descriptor = this.#openSegments.get(location.segment)
    if (descriptor === undefined) return undefined
    try {
      const bytes = Buffer.alloc(location.length)
      if (readSync(descriptor, bytes, 0, location.length, location.offset) !== location.length) return undefined
      if (hashOf(bytes) !== location.hash) return undefined
      return fromStoredRender(deserialize(bytes) as StoredRender)
    } catch {
      return undefined
    }
  }

  #closeSegments(): void {
    for (const descriptor of this.#openSegments.values()) {
      if (descriptor === undefined) continue
      try {
        closeSync(descriptor)
      } catch {
        // Already closed: nothing to do.
      }
    }
    this.#openSegments.clear()
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
        const stored = toStoredRender(result)
        const bytes = serialize(stored)
        writeSync(descriptor, bytes)
        const location: RenderLocation = { segment, offset, length: bytes.length, hash: hashOf(bytes) }
        if (stored.warnings.length > 0) location.warnings = stored.warnings
        this.#locations.set(key, location)
        this.#changedKeys.add(key)
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

/**
 * The index: MAGIC, then frames of [byte length (4), SHA-1 (20), v8-serialized
 * value]: the header, then the record batches. Any frame that does not match
 * its hash, or a missing one, makes the whole index unused.
 */
function readIndex(file: string): IndexPayload | undefined {
  try {
    const frames = frameReader(readFileSync(file), MAGIC)
    const header = frames.next() as IndexHeader
    if (header.version !== cacheVersion() || !Array.isArray(header.renders?.entries)) return undefined
    const payload: IndexPayload = {
      version: header.version,
      id: header.id,
      renders: fromStoredLocations(header.renders),
      records: [],
      paths: [],
    }
    for (let batch = 0; batch < header.batches; batch++) {
      const batch = frames.next() as RecordBatch
      for (const stored of batch.records) {
        payload.paths.push(stored[0])
        payload.records.push(fromStoredRecord(stored, batch))
      }
    }
    return frames.isAtEnd() ? payload : undefined
  } catch {
    return undefined
  }
}

/** The journal: JOURNAL_MAGIC, then a header frame and a body frame. `undefined` unless whole and of index `indexId`. */
function readJournal(file: string, indexId: string): JournalBody | undefined {
  try {
    const frames = frameReader(readFileSync(file), JOURNAL_MAGIC)
    const header = frames.next() as JournalHeader
    if (header.version !== cacheVersion() || header.indexId !== indexId) return undefined
    const body = frames.next() as JournalBody
    return frames.isAtEnd() ? body : undefined
  } catch {
    return undefined
  }
}

/** Reads the frames after `magic`, each checked against its hash; throws at the first that does not match. */
function frameReader(bytes: Buffer, magic: Buffer): { next(): unknown; isAtEnd(): boolean } {
  if (!bytes.subarray(0, magic.length).equals(magic)) throw new Error('not a cache file')
  let offset = magic.length
  return {
    next() {
      if (offset + 4 + HASH_BYTES > bytes.length) throw new Error('truncated')
      const length = bytes.readUInt32LE(offset)
      const hash = bytes.subarray(offset + 4, offset + 4 + HASH_BYTES)
      const payload = bytes.subarray(offset + 4 + HASH_BYTES, offset + 4 + HASH_BYTES + length)
      offset += 4 + HASH_BYTES + length
      if (payload.length !== length || !createHash('sha1').update(payload).digest().equals(hash)) {
        throw new Error('damaged')
      }
      return deserialize(payload)
    },
    isAtEnd: () => offset === bytes.length,
  }
}

/**
 * Writes `magic` and each value as a frame to a temp file, then renames it
 * to `name`: a reader finds the old file or the new one, whole. Values are
 * serialized one at a time, as they come.
 */
function writeFrames(folder: string, name: string, magic: Buffer, values: Iterable<unknown>): void {
  const temp = path.join(folder, `.${name}-${randomBytes(4).toString('hex')}.tmp`)
  const descriptor = openSync(temp, 'w')
  try {
    writeSync(descriptor, magic)
    for (const value of values) {
      const bytes = serialize(value)
      const length = Buffer.alloc(4)
      length.writeUInt32LE(bytes.length)
      for (const part of [length, createHash('sha1').update(bytes).digest(), bytes]) writeSync(descriptor, part)
    }
  } finally {
    closeSync(descriptor)
  }
  renameSync(temp, path.join(folder, name))
}

/**
 * Record batches of `records`, each of at most `perBatch`, with its own
 * tables of config hashes and clocks; made one at a time, as they are taken.
 */
function* recordBatches(records: Iterable<[string, PostRecord]>, perBatch: number): Generator<RecordBatch> {
  let batch = emptyBatch()
  const tables = {
    configHashes: new Map<string, number>(),
    nows: new Map<number, number>(),
    authors: new Map<string, number>(),
    authorLists: new Map<Author[], number>(),
  }
  const indexes: TableIndexes = {
    configHash: (configHash) => indexIn(tables.configHashes, batch.configHashes, configHash, configHash),
    now: (now) => indexIn(tables.nows, batch.nows, now, now),
    // Posts share their lists (valueSharer in post-store.ts): known by identity, most need no JSON key.
    authors: (authors) => {
      let index = tables.authorLists.get(authors)
      if (index === undefined) {
        index = indexIn(tables.authors, batch.authors, JSON.stringify(authors), authors)
        tables.authorLists.set(authors, index)
      }
      return index
    },
  }
  for (const [filePath, record] of records) {
    const stored = toStoredRecord(filePath, record, indexes)
    if (stored === undefined) continue
    batch.records.push(stored)
    if (batch.records.length === perBatch) {
      yield batch
      batch = emptyBatch()
      for (const table of Object.values(tables)) table.clear()
    }
  }
  if (batch.records.length > 0) yield batch
}

function emptyBatch(): RecordBatch {
  return { configHashes: [], nows: [], authors: [], records: [] }
}

/** Where a value goes in the batch's tables. */
interface TableIndexes {
  configHash(configHash: string): number
  now(now: number): number
  authors(authors: Author[]): number
}

/**
 * Writes the index, each batch of records made, serialized and let go in
 * turn: making every batch first held a second copy of 100,000 records
 * while they were written.
 */
function writeIndex(folder: string, records: ReadonlyMap<string, PostRecord>, header: IndexHeader): void {
  let kept = 0
  for (const record of records.values()) if (isKept(record)) kept++
  function* frames(): Generator<unknown> {
    yield { ...header, batches: Math.ceil(kept / RECORDS_PER_BATCH) }
    yield* recordBatches(records, RECORDS_PER_BATCH)
  }
  writeFrames(folder, INDEX_FILE, MAGIC, frames())
}

/**
 * The journal of index `indexId`: the records of `paths` as they are now
 * (a path whose record went, or is not kept, as removed) and the locations
 * of `keys`.
 */
function writeJournal(
  folder: string,
  indexId: string,
  records: ReadonlyMap<string, PostRecord>,
  paths: ReadonlySet<string>,
  locations: ReadonlyMap<string, RenderLocation>,
  keys: ReadonlySet<string>,
): void {
  const changed: [string, PostRecord][] = []
  for (const filePath of paths) {
    const record = records.get(filePath)
    if (record !== undefined) changed.push([filePath, record])
  }
  const batch: RecordBatch = recordBatches(changed, Number.POSITIVE_INFINITY).next().value ?? emptyBatch()
  const kept = new Set(batch.records.map((stored) => stored[0]))
  const renders: [string, RenderLocation][] = []
  const removedRenders: string[] = []
  for (const key of keys) {
    const location = locations.get(key)
    if (location === undefined) removedRenders.push(key)
    else renders.push([key, location])
  }
  const body: JournalBody = {
    records: batch,
    removed: [...paths].filter((filePath) => !kept.has(filePath)),
    renders: toStoredLocations(renders),
    removedRenders,
  }
  const header: JournalHeader = { version: cacheVersion(), indexId }
  writeFrames(folder, JOURNAL_FILE, JOURNAL_MAGIC, [header, body])
}

function toStoredLocations(locations: Iterable<[key: string, location: RenderLocation]>): StoredLocations {
  const segments = new Map<string, number>()
  const stored: StoredLocations = { segments: [], entries: [] }
  for (const [key, location] of locations) {
    const segment = indexIn(segments, stored.segments, location.segment, location.segment)
    stored.entries.push(key, segment, location.offset, location.length, location.hash, location.warnings ?? 0)
  }
  return stored
}

function* fromStoredLocations(stored: StoredLocations): Generator<[key: string, location: RenderLocation]> {
  const { segments, entries } = stored
  for (let at = 0; at + FIELDS_PER_LOCATION <= entries.length; at += FIELDS_PER_LOCATION) {
    const location: RenderLocation = {
      segment: segments[entries[at + 1] as number] as string,
      offset: entries[at + 2] as number,
      length: entries[at + 3] as number,
      hash: entries[at + 4] as string,
    }
    const warnings = entries[at + 5]
    if (warnings !== 0) location.warnings = warnings as StoredProblem[]
    yield [entries[at] as string, location]
  }
}

/** The index of `value` (known by `key`) in a batch's table, added when new. */
function indexIn<K, T>(indexes: Map<K, number>, table: T[], key: K, value: T): number {
  let index = indexes.get(key)
  if (index === undefined) {
    index = table.length
    table.push(value)
    indexes.set(key, index)
  }
  return index
}

/** Whether a record is kept in the cache: a file that could not be read is read again next time, whatever its time says. */
function isKept(record: PostRecord): record is PostRecord & { stamp: FileStamp } {
  return record.stamp !== undefined && record.problem === undefined
}

function toStoredRecord(filePath: string, record: PostRecord, indexes: TableIndexes): StoredRecord | undefined {
  if (!isKept(record)) return undefined
  const normalized = record.normalized
  const post = normalized?.result.post
  return [
    filePath,
    record.stamp.size,
    record.stamp.mtimeMs,
    record.hash,
    record.wholeHash === undefined ? 0 : record.wholeHash === record.hash ? 1 : record.wholeHash,
    record.isRacy,
    normalized === undefined
      ? 0
      : [
          indexes.configHash(normalized.configHash),
          normalized.isWhole,
          indexes.now(normalized.now),
          post === undefined ? 0 : toStoredPost(post, indexes),
          normalized.result.problems.map(toStoredProblem),
          normalized.itemDigest === undefined
            ? 0
            : [
                normalized.itemDigest.renderingKey === record.rendered?.key ? 1 : normalized.itemDigest.renderingKey,
                normalized.itemDigest.digest,
              ],
        ],
    record.rendered === undefined ? 0 : toStoredRendered(record.rendered, record, post, indexes),
  ]
}

function toStoredRendered(
  rendered: RenderedEntry,
  record: PostRecord,
  post: Post | undefined,
  indexes: TableIndexes,
): StoredRendered {
  return [
    rendered.key,
    rendered.wholeHash === record.wholeHash ? 1 : rendered.wholeHash,
    indexes.configHash(rendered.configHash),
    post !== undefined && hasRenderedFields(post, rendered.fields) ? 1 : renderedFieldsOf(rendered.fields),
  ]
}

function fromStoredRecord(stored: StoredRecord, batch: RecordBatch): PostRecord {
  const [filePath, size, mtimeMs, hash, storedWholeHash, isRacy, normalized, rendered] = stored
  const wholeHash = storedWholeHash === 0 ? undefined : storedWholeHash === 1 ? hash : storedWholeHash
  const post = normalized === 0 || normalized[3] === 0 ? undefined : fromStoredPost(normalized[3], filePath, batch)
  const itemDigest = normalized === 0 ? 0 : (normalized[5] ?? 0)
  const renderingKey =
    itemDigest === 0 ? undefined : itemDigest[0] === 1 ? (rendered === 0 ? undefined : rendered[0]) : itemDigest[0]
  return {
    stamp: { size, mtimeMs },
    isRacy,
    problem: undefined,
    hash,
    wholeHash,
    normalized:
      normalized === 0
        ? undefined
        : {
            configHash: batch.configHashes[normalized[0]] as string,
            isWhole: normalized[1],
            now: batch.nows[normalized[2]] as number,
            result: { post, problems: normalized[4].map(fromStoredProblem) },
            itemDigest:
              itemDigest === 0 || renderingKey === undefined ? undefined : { renderingKey, digest: itemDigest[1] },
          },
    rendered: rendered === 0 ? undefined : fromStoredRendered(rendered, wholeHash, post, batch),
  }
}

function fromStoredRendered(
  stored: StoredRendered,
  wholeHash: string | undefined,
  post: Post | undefined,
  batch: RecordBatch,
): RenderedEntry | undefined {
  const [key, storedWholeHash, configHash, fields] = stored
  const entryWholeHash = storedWholeHash === 1 ? wholeHash : storedWholeHash
  const entryFields = fields === 1 ? post : fields
  // Only a damaged index lacks these; such an entry is dropped, and the post rendered again.
  if (entryWholeHash === undefined || entryFields === undefined) return undefined
  return {
    key,
    wholeHash: entryWholeHash,
    configHash: batch.configHashes[configHash] as string,
    fields: entryFields,
  }
}

function toStoredPost(post: Post, indexes: TableIndexes): StoredPost {
  return toPostTuple(post, indexes.authors)
}

function fromStoredPost(stored: StoredPost, filePath: string, batch: RecordBatch): Post {
  return fromPostTuple(stored, filePath, '', (authors) => batch.authors[authors] as Author[])
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
