import { createRequire } from 'node:module'
import { parseFeed } from '@rowanmanning/feed-parser'
import Ajv from 'ajv'
import addFormats from 'ajv-formats'
import { SaxesParser } from 'saxes'

const require = createRequire(import.meta.url)

/** Throws with the position when `xml` is not well-formed XML 1.0 (namespaces checked). */
export function assertWellFormedXml(xml: string): void {
  const parser = new SaxesParser({ xmlns: true })
  let failure: Error | undefined
  parser.on('error', (error) => {
    failure ??= error
  })
  parser.write(xml).close()
  if (failure) throw failure
}

let validateJsonFeedSchema: (((data: unknown) => boolean) & { errors?: unknown }) | undefined

/** Errors from the `jsonfeed-schema` JSON Schema for version 1.1 (empty when valid). */
export function jsonFeedSchemaErrors(document: unknown): unknown[] {
  if (validateJsonFeedSchema === undefined) {
    const ajv = new Ajv.default({ allErrors: true, strict: false })
    addFormats.default(ajv)
    validateJsonFeedSchema = ajv.compile(require('jsonfeed-schema/schema-v1.1.json'))
  }
  return validateJsonFeedSchema(document) ? [] : ((validateJsonFeedSchema.errors as unknown[]) ?? [])
}

export interface ReadBackItem {
  id: string | null
  title: string | null
  url: string | null
  published: string | null
  updated: string | null
}

/** Items as an independent feed parser (@rowanmanning/feed-parser) reads an RSS or Atom document. */
export function readBackXmlItems(xml: string): ReadBackItem[] {
  const feed = parseFeed(xml)
  return feed.items.map((item) => ({
    id: item.id,
    title: item.title,
    url: item.url,
    published: item.published?.toISOString() ?? null,
    updated: item.updated?.toISOString() ?? null,
  }))
}
