import type { FeedModel } from '../core/feed-model.js'
import { atomChunks, serializeAtom } from './atom.js'
import { jsonChunks, serializeJson } from './json.js'
import { rssChunks, serializeRss } from './rss.js'

export type FormatName = 'rss' | 'atom' | 'json'

/** Every output format: a new format is a new module plus one entry here. */
export const formats: Readonly<Record<FormatName, (feed: FeedModel) => string>> = {
  rss: serializeRss,
  atom: serializeAtom,
  json: serializeJson,
}

/** Each format's document in pieces (one per item) whose concatenation is what `formats` returns. */
export const formatChunks: Readonly<Record<FormatName, (feed: FeedModel) => Iterable<string>>> = {
  rss: rssChunks,
  atom: atomChunks,
  json: jsonChunks,
}

export const FORMAT_NAMES = Object.keys(formats) as FormatName[]
