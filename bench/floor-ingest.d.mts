/** Ingests `paths` into a new database at `dbPath`; returns the milliseconds it took. */
export function floorIngest(paths: string[], dbPath: string): number;
/** The files directly in `folder`, in the order `dumpfeed ingest FOLDER` takes them (by name). */
export function dumpFiles(folder: string): string[];
