/** Compiles `source` (a stage-1 AssemblyScript path) into `outFile` with the package's flags. */
export function compileStage1(source: string, outFile: string): Promise<void>
