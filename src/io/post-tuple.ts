import type { Author } from '../core/config.js'
import type { Post } from '../core/post.js'

/**
 * A Post as a tuple, for the post cache and for posts a scanning worker
 * sends: its fields by position, without `file` (the keeper knows it) and
 * `body` (kept apart, or not at all), its `id` as `0` when it is the URL,
 * dates as numbers, and its authors as the keeper stores them (an index
 * into a table of author lists, or the list itself). Tuples, not objects:
 * the structured clone writes every key of every object, and writing and
 * reading 100,000 posts as objects took twice as long.
 */
export type PostTuple<StoredAuthors> = [
  slug: string,
  title: string,
  date: number,
  updated: number | undefined,
  id: string | 0,
  url: string,
  authors: StoredAuthors,
  tags: string[],
  summary: string | undefined,
  image: Post['image'],
  isDraft: boolean,
  excludedBecause: string | undefined,
  lang: string | undefined,
  content: Post['content'],
  bodyLine: number,
]

export function toPostTuple<StoredAuthors>(
  post: Post,
  storeAuthors: (authors: Author[]) => StoredAuthors,
): PostTuple<StoredAuthors> {
  return [
    post.slug,
    post.title,
    post.date.getTime(),
    post.updated?.getTime(),
    post.id === post.url ? 0 : post.id,
    post.url,
    storeAuthors(post.authors),
    post.tags,
    post.summary,
    post.image,
    post.isDraft,
    post.excludedBecause,
    post.lang,
    post.content,
    post.bodyLine,
  ]
}

/**
 * The post of `tuple`, read by position into an object literal of the shape
 * normalizePost makes: posts built field by field were dictionaries, twice
 * the memory and a quarter of opening the cache.
 */
export function fromPostTuple<StoredAuthors>(
  tuple: PostTuple<StoredAuthors>,
  file: string,
  body: string,
  authorsOf: (stored: StoredAuthors) => Author[],
): Post {
  const updated = tuple[3]
  const id = tuple[4]
  return {
    file,
    slug: tuple[0],
    title: tuple[1],
    date: new Date(tuple[2]),
    updated: updated === undefined ? undefined : new Date(updated),
    id: id === 0 ? tuple[5] : id,
    url: tuple[5],
    authors: authorsOf(tuple[6]),
    tags: tuple[7],
    summary: tuple[8],
    image: tuple[9],
    isDraft: tuple[10],
    excludedBecause: tuple[11],
    lang: tuple[12],
    content: tuple[13],
    body,
    bodyLine: tuple[14],
  }
}
