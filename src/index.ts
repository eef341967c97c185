/**
 * kabar's public API. `build()` does what `kabar build` does; the pure
 * pieces are exported for tools that bring their own file handling.
 */
export { type BuildOptions, type BuildReport, build, type Problem } from './build.js'
export { main } from './cli/main.js'
export { type Author, defineConfig, type ResolvedConfig, resolveConfig, type UserConfig } from './core/config.js'
export { buildFeedModel, type FeedItem, type FeedModel } from './core/feed-model.js'
export { renderFeeds, selectPosts } from './core/pipeline.js'
export type { Post, RenderedPost, SourceFile } from './core/post.js'
export { isKabarError, KabarError, type KabarErrorCode } from './errors.js'
export { serializeAtom } from './formats/atom.js'
export { serializeJson } from './formats/json.js'
export { serializeRss } from './formats/rss.js'
export {
  type RebuildTrigger,
  type RebuiltEvent,
  type Watcher,
  type WatcherEvents,
  type WatchOptions,
  watch,
} from './io/watch.js'
export { type BuildSession, type BuildSessionOptions, createBuildSession, type PostChanges } from './session.js'
