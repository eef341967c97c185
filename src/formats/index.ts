import type { FeedModel } from '../core/feed-model.js'
import { serializeAtom } from './atom.js'
import { serializeJson } from './json.js'
import { serializeRss } from './rss.js'

export type FormatName = 'rss' | 'atom' | 'json'

/** Every output format: a new format is a new module plus one entry here. */
export const formats: Readonly<Record<FormatName, (feed: FeedModel) => string>> = {
  rss: serializeRss,
  atom: serializeAtom,
  json: serializeJson,
}

export const FORMAT_NAMES = Object.keys(formats) as FormatName[]
