import { createHash } from 'node:crypto'
import type { Post } from '../core/post.js'
import type { RenderResult } from '../core/render.js'
import type { KabarError } from '../errors.js'

/**
 * Renderings of post bodies by key: the key holds everything `renderPost`
 * reads, so a stored rendering is exactly what rendering again would give.
 */
export interface RenderStore {
  /** The rendering stored under `key`, read (and checked) now; `undefined` when none is, or it is damaged. */
  get(key: string): RenderResult | undefined
  set(key: string, result: RenderResult): void
  /**
   * The warnings of the rendering stored under `key`, without reading its
   * HTML (for the report of a build that reads HTML only for the files it
   * serializes); `undefined` when none is stored.
   */
  warningsOf(key: string): readonly KabarError[] | undefined
  /** Whether a rendering is stored under `key` (not read, so not checked). */
  has(key: string): boolean
}

/** Bumped when rendering changes in a way the key does not show. */
const RENDER_KEY_VERSION = 1

/** The key of a post's rendering: a hash of its body and of the fields renderPost reads. */
export function renderKeyOf(post: Post): string {
  return createHash('sha1')
    .update(JSON.stringify([RENDER_KEY_VERSION, post.url, post.file, post.bodyLine, post.summary ?? null]))
    .update('\0')
    .update(post.body)
    .digest('base64url')
}

/**
 * What renderPost reads of a post besides its body and file: a rendering is
 * reused only while these are the same. A Post is one: a record read from
 * the cache refers to its post rather than holding a copy.
 */
export type RenderedFields = Readonly<Pick<Post, 'url' | 'bodyLine' | 'summary'>>

export function renderedFieldsOf(post: RenderedFields): RenderedFields {
  return { url: post.url, bodyLine: post.bodyLine, summary: post.summary }
}

/** Whether `post` has `fields`; compared one by one (a JSON key of them cost 10 ms per 10,000 shown posts). */
export function hasRenderedFields(post: Post, fields: RenderedFields): boolean {
  return post.url === fields.url && post.bodyLine === fields.bodyLine && post.summary === fields.summary
}

/** Renderings kept in memory only: what one session reuses from run to run. */
export class MemoryRenderStore implements RenderStore {
  readonly #results = new Map<string, RenderResult>()

  get(key: string): RenderResult | undefined {
    return this.#results.get(key)
  }

  set(key: string, result: RenderResult): void {
    this.#results.set(key, result)
  }

  warningsOf(key: string): readonly KabarError[] | undefined {
    return this.#results.get(key)?.warnings
  }

  has(key: string): boolean {
    return this.#results.has(key)
  }

  /** Forgets every rendering but those in `keys` (the ones the last run used). */
  keepOnly(keys: ReadonlySet<string>): void {
    for (const key of this.#results.keys()) if (!keys.has(key)) this.#results.delete(key)
  }
}
