import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { constants } from 'node:os'
import { createMockUpstream, type MockUpstream } from '@velox/mock-upstream'
import { listen, postJson } from '@velox/test-utils'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGateway, type Gateway, VeloxOptionsError } from '../src/index.js'
import { gatewayCore } from '../src/internal.js'
import { extractFields } from '../src/json/extract-fields.js'
import { createFieldParser } from '../src/json/field-parser.js'
import {
  loadSimdjson,
  type SimdjsonAddon,
  SimdjsonSyntaxError,
  simdjsonDlopenFlags,
  simdjsonFields,
} from '../src/json/simdjson.js'

// The addon is loaded with process.dlopen (not require), so the process's own map of loaded
// objects is the witness (Linux, where CI runs).
const loadedAddons = () =>
  readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .filter((line) => line.endsWith('simdjson.node'))
    .map((line) => line.slice(line.indexOf('/')))
    .filter((path, i, all) => all.indexOf(path) === i)

describe('the simdjson backend', () => {
  // First in the file (vitest runs each file in its own process): nothing has asked for simdjson yet.
  it('is not loaded unless asked for', async () => {
    const gateway = createGateway({ upstream: { origin: 'http://127.0.0.1:9' } })
    expect(gatewayCore(gateway).fieldParser.name).toBe('scanner')
    expect(loadedAddons()).toEqual([])
    await gateway.close()
    expect(
      gatewayCore(createGateway({ parser: 'simdjson', upstream: { origin: 'http://127.0.0.1:9' } }))
        .fieldParser.name,
    ).toBe('simdjson')
    expect(loadedAddons()).toHaveLength(1)
  })

  it('fails gateway creation with a VeloxOptionsError when the package is missing or not built', () => {
    expect(() => loadSimdjson('velox-no-such-package')).toThrow(VeloxOptionsError)
    expect(() => loadSimdjson('velox-no-such-package')).toThrow(
      `parser: 'simdjson' needs the optional peer dependency "velox-no-such-package" (npm i velox-no-such-package@0.9.2), which is not installed`,
    )
    // a package that is installed but has no compiled addon (pnpm skipped its build script)
    expect(() => loadSimdjson('fast-check')).toThrow(
      /found the package "fast-check" but not its compiled addon/,
    )
  })

  let loaded: SimdjsonAddon | undefined
  const getAddon = () => (loaded ??= loadSimdjson()) // not at collection time: the first test must run first
  const read = (text: string) => simdjsonFields(getAddon(), Buffer.from(text))

  it("binds the addon to its own simdjson, not Node's (Node 22+ carries simdjson 4.x and exports it)", () => {
    // Regression: on Node 22 and 24 a plain require bound the addon's calls to Node's copy, which
    // called `{"a":,}` a NUMBER_ERROR; the addon's own 0.9 code calls it a structure error, on every line.
    expect(() => getAddon().parse('{"a":,}')).toThrow(
      'The JSON document has an improper structure: missing or superfluous commas, braces, missing keys, etc.',
    )
    expect(getAddon()).toBe(loadSimdjson()) // loaded once
  })

  it('loads with RTLD_DEEPBIND where it exists, and refuses where Node carries a simdjson and it does not', () => {
    const now = constants.dlopen.RTLD_NOW!
    expect(simdjsonDlopenFlags({ deepBind: 8, nodeSimdjson: '4.6.7' })).toBe(now | 8)
    expect(simdjsonDlopenFlags({ deepBind: undefined, nodeSimdjson: undefined })).toBe(now)
    const host = { deepBind: undefined, nodeSimdjson: '4.6.7' }
    expect(() => loadSimdjson('simdjson', host)).toThrow(VeloxOptionsError)
    expect(() => loadSimdjson('simdjson', host)).toThrow(
      `parser: 'simdjson' cannot be used on this platform: Node ${process.version} carries its own simdjson 4.6.7, ` +
        "and without RTLD_DEEPBIND (Linux glibc only) the simdjson addon's calls bind to Node's copy, " +
        "which parses differently; use the default parser: 'scanner'",
    )
    // This machine (Linux glibc) has the flag on every line CI runs.
    expect(constants.dlopen.RTLD_DEEPBIND).toBe(8)
  })

  it('only ever calls parse() (lazyParse leaks native memory; valueForKeyPath can abort the process)', () => {
    const used: PropertyKey[] = []
    const spy = new Proxy(getAddon(), {
      get(target, key) {
        used.push(key)
        return Reflect.get(target, key)
      },
    })
    simdjsonFields(spy as SimdjsonAddon, Buffer.from('[{"model":"m"}]'))
    simdjsonFields(spy as SimdjsonAddon, Buffer.from('{"stream_options":[1,2],"model":"m"}'))
    expect(used).toEqual(['parse', 'parse'])
  })

  it('reads the model JSON.parse reads when a key hides a NUL (simdjson cuts keys at \\u0000)', () => {
    expect(getAddon().parse('{"model":"real","model\\u0000":"decoy"}')).toEqual({ model: 'decoy' }) // the trap
    expect(read('{"model":"real","model\\u0000":"decoy"}').model).toBe('real')
    expect(read('{"stream_options":{"include_usage":true,"include_usage\\u0000x":false}}').includeUsage).toBe(
      true,
    )
  })

  it('reads own properties only (a "__proto__" key sets the prototype)', () => {
    expect(read('{"__proto__":{"model":"x","user":"u"}}')).toMatchObject({
      model: undefined,
      user: undefined,
    })
    expect(read('{"stream_options":{"__proto__":{"include_usage":true}}}').includeUsage).toBeUndefined()
    expect(read('{"__proto__":null,"model":"m"}').model).toBe('m')
  })

  it('never crashes on arrays where objects are expected', () => {
    expect(read('[{"model":"m"}]')).toMatchObject({ isObject: false, model: undefined })
    expect(read('{"model":"m","stream_options":[{"include_usage":true}]}').invalidParam).toBe(
      'stream_options',
    )
  })

  it.each([
    [`${'['.repeat(1025)}${']'.repeat(1025)}`, 'too deep'],
    [`{"model":"m","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, 'too deep'],
    ['{"max_tokens":1e400}', 'number'],
    ['{"max_tokens":18446744073709551616}', 'number'], // an integer literal beyond 64 bits
    ['{"model":"\\ud800"}', 'string'],
    ['{"model":"a\nb"}', 'unescaped'],
    ['{"model":"m"} x', 'structure'],
  ])('refuses what it cannot represent with a SimdjsonSyntaxError (%#: %s)', (text, words) => {
    expect(() => read(text)).toThrow(SimdjsonSyntaxError)
    expect(() => read(text)).toThrow(new RegExp(words))
  })

  it('agrees with the scanner on generated request bodies', () => {
    const key = fc.constantFrom(
      'model',
      'stream',
      'stream_options',
      'include_usage',
      'max_tokens',
      'max_completion_tokens',
      'max_output_tokens',
      'user',
      'messages',
      '__proto__',
    )
    // Only what simdjson represents: well-formed strings (it refuses the lone surrogates JSON.stringify
    // escapes) and numbers whose integer literals fit 64 bits (JSON.stringify writes 1e20 in full).
    const leaf = fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.boolean(),
      fc.integer({ min: -5, max: 1_000_000 }),
      fc.double({ min: -1e18, max: 1e18, noNaN: true }),
      fc.constant(null),
    )
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
      array: fc.array(tie('node'), { maxLength: 4 }),
      object: fc.dictionary(fc.oneof(key, fc.string()), tie('node'), { maxKeys: 6 }),
    }))
    const body = fc.oneof(fc.dictionary(key, value.node, { maxKeys: 8 }), value.node)
    fc.assert(
      fc.property(body, (v) => {
        const bytes = Buffer.from(JSON.stringify(v))
        const { modelStart, modelEnd, ...scanned } = extractFields(bytes)
        expect({ ...simdjsonFields(getAddon(), bytes), modelStart, modelEnd }).toEqual({
          ...scanned,
          modelStart,
          modelEnd,
        })
      }),
      { numRuns: 2_000 },
    )
  })

  it('is reached through createFieldParser', () => {
    const parser = createFieldParser('simdjson')
    expect(parser.parse(Buffer.from('{"model":"m","stream":true}'))).toMatchObject({
      model: 'm',
      stream: true,
    })
  })
})

describe("a gateway with parser: 'simdjson'", () => {
  let mock: MockUpstream
  let gateway: Gateway
  let app: { url: string; close(): Promise<void> }

  beforeAll(async () => {
    mock = await createMockUpstream()
    gateway = createGateway({ parser: 'simdjson', upstream: { origin: mock.url, apiKey: 'sk-test' } })
    app = await listen(createServer((req, res) => gateway.handle(req, res)))
  })
  afterAll(async () => {
    await app.close()
    await gateway.close()
    await mock.close()
  })

  it('proxies a chat request byte for byte', async () => {
    const body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"via simdjson"}]}'
    const res = await postJson(`${app.url}/v1/chat/completions`, body)
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body.toString()).choices[0].message.content).toBe('Mock reply to: via simdjson')
    expect(mock.received.at(-1)!.body.toString()).toBe(body)
  })

  it('answers 400 VELOX_ERR_INVALID_JSON with simdjson’s reason', async () => {
    const res = await postJson(`${app.url}/v1/chat/completions`, '{"model":"gpt-4o-mini",}')
    expect(res.status).toBe(400)
    expect(JSON.parse(res.body.toString())).toEqual({
      error: {
        message:
          'The request body is not valid JSON: The JSON document has an improper structure: missing or superfluous commas, braces, missing keys, etc.',
        type: 'invalid_request_error',
        param: null,
        code: 'VELOX_ERR_INVALID_JSON',
      },
    })
  })

  it("splices a route's model alias even though simdjson reads no byte offsets", async () => {
    const aliasing = createGateway({
      parser: 'simdjson',
      upstream: { origin: mock.url },
      routes: [{ model: 'fast', upstreams: [{ upstream: 'default', model: 'gpt-4o-mini' }] }],
    })
    const aliasApp = await listen(createServer((req, res) => aliasing.handle(req, res)))
    try {
      const body = '{ "messages":[{"role":"user","content":"alias \\"q\\""}], "model" : "fast" ,"n":1}'
      const res = await postJson(`${aliasApp.url}/v1/chat/completions`, body)
      expect(res.status).toBe(200)
      expect(mock.received.at(-1)!.body.toString()).toBe(body.replace('"fast"', '"gpt-4o-mini"'))
    } finally {
      await aliasApp.close()
      await aliasing.close()
    }
  })

  it('answers the same 400 as the scanner for a field of the wrong type', async () => {
    const res = await postJson(`${app.url}/v1/chat/completions`, '{"model":"gpt-4o-mini","stream":"yes"}')
    expect(res.status).toBe(400)
    expect(JSON.parse(res.body.toString()).error).toMatchObject({
      code: 'VELOX_ERR_INVALID_FIELD',
      param: 'stream',
      message: "Invalid type for 'stream'",
    })
  })
})
