/** Test helpers shared by the adapters: the contract suite and what a harness must provide. */
export { runAdapterContract } from './adapter-contract.js'
export type { AdapterTraits, Harness, HarnessOptions, MakeHarness } from './harness.js'
export { agent, errorBody, postJson, type RawResponse, send, sendRaw } from './http.js'
export { listen } from './listen.js'
