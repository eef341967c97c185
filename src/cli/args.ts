import { parseArgs } from 'node:util'
import { PRESET_NAMES, type PresetChoice } from '../core/presets/types.js'
import { KabarError } from '../errors.js'

export type Command = 'build' | 'check' | 'serve' | 'watch' | 'ping' | 'links' | 'help' | 'version'

export interface CliArguments {
  command: Command
  config?: string
  posts?: string
  out?: string
  limit?: number
  drafts: boolean
  future: boolean
  strict: boolean
  json: boolean
  quiet: boolean
  /** Overrides the config's `preset`. */
  preset?: PresetChoice
  /** `kabar serve` only: the options below. */
  serve?: ServeArguments
  /** `kabar build` and `check`: compare ids with the feeds deployed there (a folder or URL). */
  compare?: string
  /** `kabar links` only: also the per-tag and per-author feeds. */
  links?: { tags: boolean; authors: boolean }
  /** `kabar ping` only: seconds to wait for the hub's answer. */
  pingTimeout?: number
}

export interface ServeArguments {
  port: number
  host: string
  /** Rebuild when posts or the config change. */
  watch: boolean
  /** Name of the environment variable holding the hook secret; the hook is off without it. */
  hookSecretEnv?: string
  /** `git pull --ff-only` in the posts folder before each hook build. */
  pull: boolean
  /** `Cache-Control: max-age` in seconds; default 300 (0 with --watch). */
  maxAge?: number
}

export const USAGE = `Usage: kabar <command> [options]

Commands:
  build            write RSS 2.0, Atom 1.0 and JSON Feed 1.1 files from Markdown posts
  check            report what a build would do, write nothing
  serve            serve the output folder over HTTP, with an optional publish hook
  watch            build, then rebuild whenever a post, an image or the config changes
  ping             tell the WebSub hub (site.hub) which feeds changed since the last ping
  links            print the <link rel="alternate"> tags for a site's <head>

Options:
  --config FILE    config file (default: kabar.config.mjs, .js or .json here)
  --posts DIR      posts folder, overriding the config
  --out DIR        output folder, overriding the config
  --limit N        newest N posts per feed; 0 means every post
  --preset NAME    read posts as jekyll, hugo, eleventy or astro does; auto (default) or none
  --drafts         include posts marked draft
  --future         include posts dated in the future (a preview)
  --strict         treat warnings as errors (for CI)
  --json           print a machine-readable report on stdout
  --quiet          print only errors
  -h, --help       show this help
  -v, --version    show the version

Serve options:
  --port N                 port to listen on (default 4173; 0 picks a free one)
  --host HOST              address to listen on (default 127.0.0.1)
  --watch                  rebuild when posts or the config change
  --max-age SECONDS        Cache-Control max-age of served files (default 300, 0 with --watch)
  --hook-secret-env NAME   accept signed POST /hooks/rebuild; the secret is read from $NAME
  --pull                   git pull --ff-only in the posts folder before each hook build

Build, ping and links options:
  --compare DIR|URL        build, check: compare ids with the feeds deployed there, not kabar.ids.json
  --timeout SECONDS        ping: how long to wait for the hub (default 10; 3 tries)
  --tags, --authors        links: also the per-tag and per-author feeds

Exit codes: 0 success, 1 invalid post or config or unwritable output, 2 bad usage.`

/** Parses argv (without `node` and the script). Throws `KabarError('USAGE')` on bad usage. */
export function parseCliArguments(argv: readonly string[]): CliArguments {
  let parsed: ReturnType<typeof parseArgsStrict>
  try {
    parsed = parseArgsStrict(argv)
  } catch (error) {
    throw new KabarError('USAGE', (error as Error).message.replace(/\. To specify a positional argument.*$/s, ''))
  }
  const { values, positionals } = parsed
  const base = {
    drafts: values.drafts === true,
    future: values.future === true,
    strict: values.strict === true,
    json: values.json === true,
    quiet: values.quiet === true,
  }
  if (values.help) return { command: 'help', ...base }
  if (values.version) return { command: 'version', ...base }
  const [command, ...rest] = positionals
  if (command === undefined) return { command: 'help', ...base }
  if (!COMMANDS.includes(command as Command) || command === 'help' || command === 'version')
    throw new KabarError('USAGE', `unknown command "${command}"`)
  if (rest.length > 0) throw new KabarError('USAGE', `unexpected argument "${rest[0]}"`)
  const result: CliArguments = { command: command as Command, ...base }
  if (values.config !== undefined) result.config = values.config
  if (values.posts !== undefined) result.posts = values.posts
  if (values.out !== undefined) result.out = values.out
  if (values.limit !== undefined) {
    if (!/^\d+$/.test(values.limit))
      throw new KabarError('USAGE', `--limit takes a whole number (0 for every post), not "${values.limit}"`)
    result.limit = Number(values.limit)
  }
  if (values.preset !== undefined) result.preset = parsePreset(values.preset)
  if (command === 'serve') result.serve = parseServeArguments(values)
  else rejectServeOptions(values, command)
  parseMoreFeedsOptions(values, result)
  return result
}

const COMMANDS: readonly Command[] = ['build', 'check', 'serve', 'watch', 'ping', 'links', 'help', 'version']

/** `--compare`, `--timeout`, `--tags`, `--authors`: each belongs to one or two commands. */
function parseMoreFeedsOptions(values: ParsedValues, result: CliArguments): void {
  const { command } = result
  const misplaced = (option: string, owner: string) =>
    new KabarError('USAGE', `--${option} is an option of kabar ${owner}, not of kabar ${command}`)
  if (values.compare !== undefined) {
    if (command !== 'build' && command !== 'check') throw misplaced('compare', 'build and kabar check')
    result.compare = values.compare
  }
  if (values.timeout !== undefined) {
    if (command !== 'ping') throw misplaced('timeout', 'ping')
    result.pingTimeout = wholeNumber('--timeout', values.timeout, 600)
    if (result.pingTimeout === 0) throw new KabarError('USAGE', '--timeout takes at least 1 second')
  }
  for (const option of ['tags', 'authors'] as const) {
    if (values[option] !== undefined && command !== 'links') throw misplaced(option, 'links')
  }
  if (command === 'links') result.links = { tags: values.tags === true, authors: values.authors === true }
}

type ParsedValues = ReturnType<typeof parseArgsStrict>['values']

const SERVE_OPTIONS = ['port', 'host', 'watch', 'max-age', 'hook-secret-env', 'pull'] as const

function parseServeArguments(values: ParsedValues): ServeArguments {
  const serve: ServeArguments = {
    port: values.port === undefined ? 4173 : wholeNumber('--port', values.port, 65_535),
    host: values.host ?? '127.0.0.1',
    watch: values.watch === true,
    pull: values.pull === true,
  }
  if (values['max-age'] !== undefined) serve.maxAge = wholeNumber('--max-age', values['max-age'], 2_147_483_647)
  const secretEnv = values['hook-secret-env']
  if (secretEnv !== undefined) {
    // A value that looks like a secret rather than a name was probably pasted in the wrong place.
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(secretEnv))
      throw new KabarError(
        'USAGE',
        '--hook-secret-env takes the name of an environment variable (like KABAR_HOOK_SECRET), not the secret itself',
      )
    serve.hookSecretEnv = secretEnv
  }
  if (serve.pull && serve.hookSecretEnv === undefined)
    throw new KabarError('USAGE', '--pull runs before hook builds: add --hook-secret-env NAME to turn the hook on')
  return serve
}

function rejectServeOptions(values: ParsedValues, command: string): void {
  const misplaced = SERVE_OPTIONS.find((option) => values[option] !== undefined)
  if (misplaced !== undefined)
    throw new KabarError('USAGE', `--${misplaced} is an option of kabar serve, not of kabar ${command}`)
}

function wholeNumber(flag: string, text: string, max: number): number {
  const value = Number(text)
  if (!/^\d+$/.test(text) || value > max)
    throw new KabarError('USAGE', `${flag} takes a whole number from 0 to ${max}, not "${text}"`)
  return value
}

function parsePreset(text: string): PresetChoice {
  const choices: readonly string[] = ['auto', 'none', ...PRESET_NAMES]
  if (!choices.includes(text)) {
    throw new KabarError('USAGE', `--preset takes ${PRESET_NAMES.join(', ')}, auto or none, not "${text}"`)
  }
  return text as PresetChoice
}

function parseArgsStrict(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string' },
      posts: { type: 'string' },
      out: { type: 'string' },
      limit: { type: 'string' },
      preset: { type: 'string' },
      drafts: { type: 'boolean' },
      future: { type: 'boolean' },
      strict: { type: 'boolean' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      port: { type: 'string' },
      host: { type: 'string' },
      watch: { type: 'boolean' },
      'max-age': { type: 'string' },
      'hook-secret-env': { type: 'string' },
      pull: { type: 'boolean' },
      compare: { type: 'string' },
      timeout: { type: 'string' },
      tags: { type: 'boolean' },
      authors: { type: 'boolean' },
    },
  })
}
