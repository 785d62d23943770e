import { expect, it } from '@jest/globals';

/**
 * The table-driven test of a pure function: one test per `[input, expected]` row, titled by
 * `title` (printf-style over the row, as it.each: `%s`, `%j`), each asserting that `fn(input)`
 * equals `expected`, so a failure names the row.
 */
export function itMapsEach<I, O>(title: string, fn: (input: I) => O, rows: [input: I, expected: O][]): void {
  it.each(rows)(title, (input, expected) => {
    expect(fn(input)).toEqual(expected);
  });
}
