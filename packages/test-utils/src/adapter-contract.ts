/**
 * The behaviour every adapter must have, run unchanged against Express, Koa and Fastify: an
 * adapter's contract test only builds its app (see harness.ts) and calls this.
 */
import { describe } from 'vitest'
import { describeErrors } from './contract/errors.js'
import { useContractFixture } from './contract/fixture.js'
import { describeHostApp } from './contract/host-app.js'
import { describeProxying } from './contract/proxying.js'
import { describeSdk } from './contract/sdk.js'
import { describeStreaming } from './contract/streaming.js'
import { describeTranslation } from './contract/translation.js'
import type { AdapterTraits, MakeHarness } from './harness.js'

/**
 * @example
 * runAdapterContract('express', async ({ gateway, bodyParserFirst }) => { ...build app...; return { url, close } }, {
 *   afterBodyParser: 'reserialized',
 * })
 */
export function runAdapterContract(name: string, makeHarness: MakeHarness, traits: AdapterTraits): void {
  describe(`${name} adapter contract`, () => {
    const fixture = useContractFixture(makeHarness)
    describeProxying(fixture)
    describeStreaming(fixture)
    describeErrors(fixture)
    describeSdk(fixture)
    describeTranslation(fixture)
    describeHostApp(fixture, traits)
  })
}
