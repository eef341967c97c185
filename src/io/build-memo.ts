import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { deserialize, serialize } from 'node:v8'
import type { BuildReport } from '../build.js'
import type { ResolvedConfig } from '../core/config.js'
import type { Post } from '../core/post.js'
import { idEntriesDigest, idManifestHolds, idManifestStamp, trustIdManifest } from './id-manifest.js'
import { cacheFolderFor, cacheVersion } from './post-cache.js'
import type { OutputRecord, OutputRecords } from './write-outputs.js'

/**
 * The last build's report, in the post cache's folder, with what it was
 * built from: a build whose posts (by size and time), config, options and
 * output files are all as they were, and whose clock has not reached a
 * scheduled post, would write the same bytes and report the same things,
 * so it says so without selecting, rendering or serializing anything.
 */

const MEMO_FILE = 'build.bin'
const OUTPUTS_FILE = 'outputs.bin'
const ID_MANIFEST_FILE = 'ids.bin'
const OUTPUTS_MAGIC = Buffer.from('kabar outputs 1\n')
const HASH_BYTES = 20

/** A file the report depends on besides the posts: an output, an image, the id manifest. */
type Stamp = [file: string, size: number, mtimeMs: number]

interface BuildMemo {
  key: string
  /** The next future post's date, in ms: from then on the build differs. */
  validUntil: number | undefined
  report: BuildReport
  files: Stamp[]
}

export class BuildMemoStore {
  /** The last memo read or written, by config file. */
  readonly #memos = new Map<string, BuildMemo | undefined>()
  readonly #outputs = new Map<string, OutputRecordStore>()
  /** What `idManifestOf` read or its `remember` kept, by config file. */
  readonly #idManifests = new Map<string, IdManifestMemo | undefined>()

  /** Whether there is a last build to compare with: without one, no build needs its posts stat'ed for `replay`. */
  has(configPath: string): boolean {
    return this.#memoOf(configPath) !== undefined
  }

  /** The report of the last build, when `key` and every file it depends on are as they were then. */
  replay(configPath: string, key: string, now: Date): BuildReport | undefined {
    const memo = this.#memoOf(configPath)
    if (memo === undefined || memo.key !== key) return undefined
    if (memo.validUntil !== undefined && now.getTime() >= memo.validUntil) return undefined
    if (!memo.files.every(([file, size, mtimeMs]) => isSameStamp(stampOf(file), size, mtimeMs))) return undefined
    return { ...memo.report, written: [], unchanged: [...memo.report.written, ...memo.report.unchanged] }
  }

  /**
   * What the builds of this config wrote: for each feed file, the hash of
   * what it was serialized from and its size and time as written
   * (write-outputs.ts skips a file whose inputs and stamp are the same).
   */
  outputRecords(configPath: string): OutputRecordStore {
    let records = this.#outputs.get(configPath)
    if (records === undefined) {
      records = OutputRecordStore.open(path.join(cacheFolderFor(configPath), OUTPUTS_FILE))
      this.#outputs.set(configPath, records)
    }
    return records
  }

  /**
   * The id manifest of a build that publishes `published`, with what the last
   * build of this config kept of it (its stamp and the digest of the entries
   * it held): `undefined` when the config has none, or for an injected file
   * system (tests of faults, which must read it).
   */
  idManifestOf(
    config: ResolvedConfig,
    published: readonly Post[],
    isRealFileSystem: boolean,
  ): KeptIdManifest | undefined {
    const manifestPath = config.idManifest
    if (manifestPath === undefined || !isRealFileSystem) return undefined
    if (!this.#idManifests.has(config.configPath)) {
      const file = path.join(cacheFolderFor(config.configPath), ID_MANIFEST_FILE)
      this.#idManifests.set(config.configPath, readIdManifestMemo(file))
    }
    const kept = this.#idManifests.get(config.configPath)
    let digest: string | undefined
    const digestNow = () => {
      digest ??= idEntriesDigest(manifestPath, published)
      return digest
    }
    return {
      trust: () => {
        // A session knows without the digest (idManifestHolds): it is for a new process.
        if (kept === undefined || kept.stamp !== idManifestStamp(manifestPath)) return
        if (idManifestHolds(manifestPath, published) || digestNow() !== kept.digest) return
        trustIdManifest(manifestPath, kept.stamp, published)
      },
      remember: () => {
        // While the manifest is as it was kept, what was kept stands: the same entries.
        const stamp = idManifestStamp(manifestPath)
        if (kept?.stamp === stamp) return
        const memo = { stamp, digest: digestNow() }
        this.#idManifests.set(config.configPath, memo)
        writeInCacheFolder(config.configPath, ID_MANIFEST_FILE, serialize(memo))
      },
    }
  }

  #memoOf(configPath: string): BuildMemo | undefined {
    if (!this.#memos.has(configPath)) {
      this.#memos.set(configPath, readMemo(path.join(cacheFolderFor(configPath), MEMO_FILE)))
    }
    return this.#memos.get(configPath)
  }

  /** Keeps a build's report for the next build; never throws. */
  write(configPath: string, key: string, report: BuildReport, files: readonly string[]): void {
    const memo: BuildMemo = {
      key,
      validUntil: report.nextFutureDate === undefined ? undefined : Date.parse(report.nextFutureDate),
      report,
      files: files.map((file) => [file, ...stampOf(file)]),
    }
    this.#memos.set(configPath, memo)
    writeInCacheFolder(configPath, MEMO_FILE, serialize(memo))
  }
}

/** The id manifest's stamp (idManifestStamp) and the digest of its entries (idEntriesDigest). */
interface IdManifestMemo {
  stamp: string
  digest: string
}

/** The id manifest of one build, with what the last build kept of it. */
export interface KeptIdManifest {
  /**
   * When the manifest is as the last build left it and would hold this
   * build's very entries, lets this process take it so without reading it
   * (reading, checking and comparing 10,000 entries was a tenth of a build
   * after one edit). Call before the id check.
   */
  trust(): void
  /** Keeps the manifest's stamp and entries for the next build; call once it is written. Never throws. */
  remember(): void
}

function readIdManifestMemo(file: string): IdManifestMemo | undefined {
  try {
    const memo = deserialize(readFileSync(file)) as IdManifestMemo
    return typeof memo.stamp === 'string' && typeof memo.digest === 'string' ? memo : undefined
  } catch {
    return undefined
  }
}

/** Writes `name` in the config's cache folder by renaming a temp file; never throws (the next build does more). */
function writeInCacheFolder(configPath: string, name: string, bytes: Uint8Array): void {
  const folder = cacheFolderFor(configPath)
  try {
    mkdirSync(folder, { recursive: true })
    const temp = path.join(folder, `.${name}-${randomBytes(4).toString('hex')}.tmp`)
    writeFileSync(temp, bytes)
    renameSync(temp, path.join(folder, name))
  } catch {
    // The next build does this work again.
  }
}

/**
 * The key of a build: which kabar built it (another may write other bytes),
 * what its posts and config were (`fingerprint`), and the options that
 * change its output.
 */
export function memoKey(fingerprint: string, options: Record<string, unknown>): string {
  return createHash('sha1')
    .update(`${cacheVersion()}\0${fingerprint}\0`)
    .update(JSON.stringify(options))
    .digest('base64url')
}

function readMemo(file: string): BuildMemo | undefined {
  try {
    const memo = deserialize(readFileSync(file)) as BuildMemo
    return typeof memo.key === 'string' && Array.isArray(memo.files) ? memo : undefined
  } catch {
    return undefined
  }
}

/** Size and time of a file; size -1 when there is none. */
function stampOf(file: string): [size: number, mtimeMs: number] {
  try {
    const stats = statSync(file)
    return [stats.size, stats.mtimeMs]
  } catch {
    return [-1, 0]
  }
}

function isSameStamp([size, mtimeMs]: [number, number], expectedSize: number, expectedTime: number): boolean {
  return size === expectedSize && (size === -1 || mtimeMs === expectedTime)
}

/**
 * The output records file, `outputs.bin` beside the build memo: for each
 * feed file written, the hash of its inputs (render-outputs.ts) and its
 * size and time just after it was written. It belongs to one kabar (the
 * hash covers the model, not the code that serializes it), carries a hash
 * of its bytes, and is ignored whole when either does not match.
 */
export class OutputRecordStore implements OutputRecords {
  readonly #file: string
  readonly #records: Map<string, OutputRecord>

  private constructor(file: string, records: Map<string, OutputRecord>) {
    this.#file = file
    this.#records = records
  }

  static open(file: string): OutputRecordStore {
    return new OutputRecordStore(file, readOutputRecords(file) ?? new Map())
  }

  get(target: string): OutputRecord | undefined {
    return this.#records.get(target)
  }

  /** Records this build's files in `outDir`, forgets any other there, and saves; never throws. */
  replaceIn(outDir: string, records: ReadonlyMap<string, OutputRecord>): void {
    const inside = outDir.endsWith(path.sep) ? outDir : `${outDir}${path.sep}`
    for (const target of this.#records.keys()) if (target.startsWith(inside)) this.#records.delete(target)
    for (const [target, record] of records) this.#records.set(target, record)
    try {
      const payload = serialize({
        version: cacheVersion(),
        records: [...this.#records].map(([target, { hash, size, mtimeMs }]) => [target, hash, size, mtimeMs]),
      })
      const bytes = Buffer.concat([OUTPUTS_MAGIC, createHash('sha1').update(payload).digest(), payload])
      mkdirSync(path.dirname(this.#file), { recursive: true })
      const temp = `${this.#file}-${randomBytes(4).toString('hex')}.tmp`
      writeFileSync(temp, bytes)
      renameSync(temp, this.#file)
    } catch {
      // The next build serializes every file again.
    }
  }
}

function readOutputRecords(file: string): Map<string, OutputRecord> | undefined {
  try {
    const bytes = readFileSync(file)
    if (!bytes.subarray(0, OUTPUTS_MAGIC.length).equals(OUTPUTS_MAGIC)) return undefined
    const payload = bytes.subarray(OUTPUTS_MAGIC.length + HASH_BYTES)
    const hash = bytes.subarray(OUTPUTS_MAGIC.length, OUTPUTS_MAGIC.length + HASH_BYTES)
    if (!createHash('sha1').update(payload).digest().equals(hash)) return undefined
    const stored = deserialize(payload) as { version?: unknown; records?: unknown }
    if (stored.version !== cacheVersion() || !Array.isArray(stored.records)) return undefined
    const records = new Map<string, OutputRecord>()
    for (const entry of stored.records as unknown[]) {
      if (!Array.isArray(entry)) return undefined
      const [target, hash, size, mtimeMs] = entry as unknown[]
      if (typeof target !== 'string' || typeof hash !== 'string') return undefined
      if (typeof size !== 'number' || typeof mtimeMs !== 'number') return undefined
      records.set(target, { hash, size, mtimeMs })
    }
    return records
  } catch {
    return undefined
  }
}
