/** Ingests `paths` into a new database at `dbPath`; returns the milliseconds it took. */
export function floorIngest(paths: string[], dbPath: string): number;
