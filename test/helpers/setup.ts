import { loadRenderLibraries } from '../../src/core/render-libraries.js'

// Run from source, the render libraries cannot be required synchronously
// (their module is TypeScript): load them before any test renders a post.
await loadRenderLibraries()
