import { createHash } from 'node:crypto'
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import { isCompressible } from './content-types.js'

const gzip = promisify(zlib.gzip)
const brotliCompress = promisify(zlib.brotliCompress)

export type ContentCoding = 'br' | 'gzip' | 'identity'

/** The server's preference between codings the client accepts equally. */
export const CODING_PREFERENCE: readonly ContentCoding[] = ['br', 'gzip', 'identity']

/** One encoding of one version of a file: the exact bytes sent, and their ETag. */
export interface Representation {
  coding: ContentCoding
  body: Buffer
  /** Strong ETag (RFC 9110 §8.8.3), quoted: a hash of `body`, so each coding has its own. */
  etag: string
}

/** One version of a file, with every representation made up front. */
export interface FileVersion {
  /** Changes whenever the file is replaced (device, inode, size, mtime). */
  key: string
  contentType: string
  /** HTTP date of the file's mtime. */
  lastModified: string
  /** `identity` always; `br` and `gzip` when they came out smaller. */
  representations: ReadonlyMap<ContentCoding, Representation>
}

/** What identifies a version of a file without reading it. */
export interface FileStamp {
  dev: number
  ino: number
  size: number
  mtimeMs: number
}

/** Files are replaced by rename, never rewritten in place, so a new version always has a new stamp. */
export function versionKey(stamp: FileStamp): string {
  return `${stamp.dev}:${stamp.ino}:${stamp.size}:${stamp.mtimeMs}`
}

/**
 * Makes every representation of a file's bytes. Compression runs here, once
 * per version of the file, at the highest settings: its cost is paid once,
 * and every later request gets the smallest body for free.
 */
export async function makeFileVersion(body: Buffer, stamp: FileStamp, contentType: string): Promise<FileVersion> {
  const representations = new Map<ContentCoding, Representation>([
    ['identity', { coding: 'identity', body, etag: strongEtag(body) }],
  ])
  if (isCompressible(contentType)) {
    const [brotliBody, gzipBody] = await Promise.all([compressBrotli(body), gzip(body, { level: 9 })])
    if (brotliBody.length < body.length) {
      representations.set('br', { coding: 'br', body: brotliBody, etag: strongEtag(brotliBody) })
    }
    if (gzipBody.length < body.length) {
      representations.set('gzip', { coding: 'gzip', body: gzipBody, etag: strongEtag(gzipBody) })
    }
  }
  return {
    key: versionKey(stamp),
    contentType,
    lastModified: new Date(stamp.mtimeMs).toUTCString(),
    representations,
  }
}

function compressBrotli(body: Buffer): Promise<Buffer> {
  return brotliCompress(body, {
    params: {
      [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
      [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  })
}

// 128 bits of SHA-256 are plenty to tell versions of one URL apart.
function strongEtag(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`
}
