import type { ResolvedConfig } from '../core/config.js'
import type { NormalizeResult } from '../core/normalize.js'
import { type SelectOptions, selectNormalized } from '../core/pipeline.js'
import type { Post } from '../core/post.js'

/**
 * Which posts the outputs will show, guessed before every post is read.
 *
 * A cold build of a big site spends most of its time reading and
 * normalizing every post's head (on two threads), then renders the few
 * posts its feeds show, cold, on one. Most sites name their posts by date
 * (`2025/2025-02-25-slug.md`, Jekyll's `_posts/2025-02-25-slug.md`), so a
 * scan in reverse path order meets the newest posts first: after a few
 * hundred files, the posts the outputs would show of those are very likely
 * the ones they will show of all. They can then be rendered while the other
 * thread goes on reading. A guess is only a head start: a rendering made
 * from it is used only for a post whose render key is unchanged at the end
 * (see `renderWithEarly`), and every post is still read and selected.
 */

/** Posts a guess names at most: more would cost more than the head start saves when it is wrong. */
export const LIKELY_SHOWN_AT_MOST = 48

/**
 * The posts `neededPosts` returns for the posts scanned so far, when the
 * scan order looks chronological: each of them among the first quarter of
 * `scanned` (newest first). In any other order (names without dates), the
 * newest of a few hundred posts are spread over them, and there is no guess.
 *
 * `scanned` are the files read so far, in the order the scan took them;
 * `results` their normalized posts (files without one are skipped).
 */
export function guessShownPosts(
  scanned: readonly string[],
  results: ReadonlyMap<string, NormalizeResult>,
  config: ResolvedConfig,
  options: SelectOptions & { neededPosts: (published: readonly Post[], config: ResolvedConfig) => readonly Post[] },
): Post[] | undefined {
  const inPathOrder: NormalizeResult[] = []
  for (const filePath of [...scanned].sort()) {
    const result = results.get(filePath)
    if (result !== undefined) inPathOrder.push(result)
  }
  const shown = options.neededPosts(selectNormalized(inPathOrder, config, options).published, config)
  if (shown.length === 0 || shown.length > LIKELY_SHOWN_AT_MOST) return undefined
  const frontPart = new Set(scanned.slice(0, Math.ceil(scanned.length / 4)))
  return shown.every((post) => frontPart.has(post.file)) ? [...shown] : undefined
}
