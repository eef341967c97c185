import path from 'node:path'
import type { KabarError } from '../../errors.js'
import type { ResolvedConfig } from '../config.js'
import type { ParsedFrontmatter } from '../frontmatter.js'
import type { SourceFile } from '../post.js'
import { astro } from './astro.js'
import { eleventy } from './eleventy.js'
import { hugo } from './hugo.js'
import { jekyll } from './jekyll.js'
import type { ActivePreset, DatedPost, Preset, PresetName, PresetPost, UrlDecision } from './types.js'

/**
 * Presets let kabar read another generator's posts as that generator does
 * (field names, URLs, ids, feed file names), so a site moves to kabar with
 * no edits and its subscribers see no change. Each hook below is called by
 * the core at one point and does nothing when no preset is active.
 */

const PRESETS: Readonly<Record<PresetName, Preset>> = { jekyll, hugo, eleventy, astro }

/** The config with the preset's feed file names, and the generator's timezone, wherever the config sets none. */
export function applyPreset(config: ResolvedConfig, active: ActivePreset | undefined): ResolvedConfig {
  if (active === undefined) return config
  const output = { ...config.output }
  for (const [format, name] of Object.entries(PRESETS[active.name].output) as [keyof typeof output, string][]) {
    if (!config.configuredKeys.has(`output.${format}`)) output[format] = name
  }
  const timezone = config.configuredKeys.has('site.timezone') ? undefined : active.generatorTimezone
  const site = timezone === undefined ? config.site : { ...config.site, timezone }
  return { ...config, site, output, activePreset: active }
}

/** Renames and fills frontmatter fields the preset's generator reads differently. */
export function preparePresetFrontmatter(
  parsed: ParsedFrontmatter,
  source: SourceFile,
  config: ResolvedConfig,
): { parsed: ParsedFrontmatter; problems: KabarError[] } {
  const active = config.activePreset
  if (active === undefined) return { parsed, problems: [] }
  const post: PresetPost = {
    file: source.path,
    relativePath: source.relativePath,
    data: parsed.data,
    fieldLines: parsed.fieldLines,
  }
  const prepared = PRESETS[active.name].prepareData(post, { config, preset: active })
  return {
    parsed: { ...parsed, data: prepared.data, fieldLines: prepared.fieldLines ?? parsed.fieldLines },
    problems: prepared.problems,
  }
}

/** The item URL the preset's generator gives the post, or `undefined` for kabar's own rules. */
export function presetPostUrl(config: ResolvedConfig, post: DatedPost): UrlDecision | undefined {
  const active = config.activePreset
  return active === undefined ? undefined : PRESETS[active.name].postUrl(post, { config, preset: active })
}

/** The entry id the preset's generator gave, when it was not the item URL. */
export function presetPostId(config: ResolvedConfig, post: DatedPost & { url: string }): string | undefined {
  const active = config.activePreset
  return active === undefined ? undefined : PRESETS[active.name].postId?.(post, { config, preset: active })
}

/** Why the preset's generator would never publish the post, if so. */
export function presetExclusion(config: ResolvedConfig, post: PresetPost, now: Date): string | undefined {
  const active = config.activePreset
  return active === undefined ? undefined : PRESETS[active.name].exclusion(post, { config, preset: active, now })
}

/**
 * Where a relative frontmatter image sits on disk when the generator serves
 * files beside the post (a Hugo page bundle's `cover.jpg`); never outside
 * the post's folder.
 */
export function presetImagePath(config: ResolvedConfig, postFile: string, written: string): string | undefined {
  const active = config.activePreset
  if (active === undefined || !PRESETS[active.name].hasBundles) return undefined
  if (written.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(written)) return undefined
  const folder = path.dirname(postFile)
  const candidate = path.resolve(folder, decodeURIComponentSafe(written.split(/[?#]/)[0] ?? ''))
  return candidate.startsWith(folder + path.sep) ? candidate : undefined
}

/** The template syntax of the active preset's posts. */
export function presetTemplates(config: ResolvedConfig): Preset['templates'] {
  const active = config.activePreset
  return active === undefined ? 'none' : PRESETS[active.name].templates
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
