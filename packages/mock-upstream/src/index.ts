/**
 * @velox/mock-upstream: a deterministic OpenAI-compatible HTTP server for tests, examples and benchmarks.
 * It serves chat completions, responses, embeddings and models, streaming included, so the official
 * `openai` SDK works against it unchanged; request headers (MOCK_HEADERS) inject latency, errors and
 * transport faults. Node builtins only.
 */
export { MOCK_FAULTS, MOCK_HEADERS, type MockFault } from './controls.js'
export type { OpenAIErrorBody } from './errors.js'
export { createMockUpstream } from './server.js'
export type { MockFaults } from './server-faults.js'
export { createTestCertificate } from './test-certificate.js'
export type { MockUpstream, MockUpstreamOptions, ReceivedRequest } from './types.js'
