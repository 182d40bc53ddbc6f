import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { findNativeBinding } from '../../src/store/db.js';

// The store hands better-sqlite3 its compiled addon (the CLI bundles the driver's JavaScript, whose
// own search would look next to the bundle): the file where the install puts it, or else the addon
// as the `bindings` package finds it in the driver's folder.

describe('findNativeBinding', () => {
  it('gives the path of the addon where the install put it', () => {
    const found = findNativeBinding();
    expect(found).toMatch(/better-sqlite3[\\/]build[\\/]Release[\\/]better_sqlite3\.node$/);
    const db = new Database(':memory:', { nativeBinding: found as string });
    expect(db.prepare('SELECT 6 * 7 AS n').get()).toEqual({ n: 42 });
    db.close();
  });

  it("finds the addon through the driver's own search when it is not at the usual place", () => {
    const found = findNativeBinding('better-sqlite3/build/Nowhere/better_sqlite3.node');
    expect(typeof found).toBe('object');
    const db = new Database(':memory:', { nativeBinding: found as unknown as string });
    expect(db.prepare('SELECT sqlite_version() AS v').get()).toEqual({ v: expect.stringMatching(/^3\.\d+\.\d+$/) });
    db.close();
  });
});
