import type { IncomingMessage, ServerResponse } from 'node:http'
import fresh from 'fresh'
import Negotiator from 'negotiator'
import type { FileStore } from './file-store.js'
import { CODING_PREFERENCE, type ContentCoding, type FileVersion, type Representation } from './representations.js'
import { parseRequestPath } from './request-path.js'

export interface StaticOptions {
  store: FileStore
  /** `Cache-Control: max-age`, in seconds. */
  maxAge: number
}

/**
 * Serves a file of the out folder with the caching an aggregator needs:
 * a strong ETag per representation, Last-Modified, 304 on a match
 * (RFC 9110 §13), and a body compressed once per version.
 */
export async function serveStaticFile(
  request: IncomingMessage,
  response: ServerResponse,
  options: StaticOptions,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return sendText(response, 405, 'Only GET and HEAD are allowed here.\n', { Allow: 'GET, HEAD' })
  }
  const requestPath = parseRequestPath(request.url ?? '')
  if (requestPath.kind === 'malformed') return sendText(response, 400, `Bad request: ${requestPath.reason}.\n`)
  if (requestPath.kind === 'forbidden') return sendText(response, 404, 'Not found.\n')
  const version = await options.store.read(requestPath.relativePath)
  if (version === undefined) return sendText(response, 404, 'Not found.\n')
  const representation = chooseRepresentation(request, version)
  const headers = representationHeaders(version, representation, options.maxAge)
  // Conditional headers are compared with the representation being sent, so
  // a gzip ETag never validates a brotli body.
  if (fresh(request.headers, { etag: representation.etag, 'last-modified': version.lastModified })) {
    response.writeHead(304, headers)
    response.end()
    return
  }
  response.writeHead(200, {
    ...headers,
    'Content-Type': version.contentType,
    'Content-Length': representation.body.length,
  })
  response.end(request.method === 'HEAD' ? undefined : representation.body)
}

/** negotiator 1's `encoding()`: `@types/negotiator` predates its `preferred` option. */
interface EncodingNegotiator {
  encoding(available: readonly string[], options: { preferred: readonly string[] }): string | undefined
}

function chooseRepresentation(request: IncomingMessage, version: FileVersion): Representation {
  const identity = version.representations.get('identity') as Representation
  if (version.representations.size === 1) return identity
  const available = CODING_PREFERENCE.filter((coding) => version.representations.has(coding))
  const negotiator = new Negotiator(request) as unknown as EncodingNegotiator
  const coding = negotiator.encoding(available, { preferred: CODING_PREFERENCE }) as ContentCoding | undefined
  // A client that refuses every coding we have still gets the plain bytes
  // (RFC 9110 §12.5.3 allows it); a 406 would only break its poll.
  return (coding === undefined ? undefined : version.representations.get(coding)) ?? identity
}

function representationHeaders(
  version: FileVersion,
  representation: Representation,
  maxAge: number,
): Record<string, string> {
  const headers: Record<string, string> = {
    ETag: representation.etag,
    'Last-Modified': version.lastModified,
    'Cache-Control': `public, max-age=${maxAge}`,
    'X-Content-Type-Options': 'nosniff',
  }
  // Caches must key on Accept-Encoding whenever the body depends on it.
  if (version.representations.size > 1) headers.Vary = 'Accept-Encoding'
  if (representation.coding !== 'identity') headers['Content-Encoding'] = representation.coding
  return headers
}

function sendText(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  const body = Buffer.from(text)
  response.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  })
  response.end(response.req.method === 'HEAD' ? undefined : body)
}
