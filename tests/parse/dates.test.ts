import { describe, expect, it } from 'vitest';
import { isPartialDate, isSectionHeading, parseDateLine } from '../../src/parse/dates.js';

describe('date lines', () => {
  it.each([
    ['29 November 2021', '2021-11-29', null],
    ['17 January 2005,', '2005-01-17', null],
    ['24 November 2004, NEW DELHI', '2004-11-24', 'NEW DELHI'],
    ['08 April 2022', '2022-04-08', null],
    ['29 novembre 2021', '2021-11-29', null],
    ['1er mars 2021', '2021-03-01', null],
    ['29 DÉCEMBRE 2021, GENÈVE', '2021-12-29', 'GENÈVE'],
    ['3 août 2021', '2021-08-03', null],
    ['29 de noviembre de 2021', '2021-11-29', null],
    ['3 de Marzo de 2021, LIMA', '2021-03-03', 'LIMA'],
    ['5 Sept. 2020', '2020-09-05', null],
    ['29 February 2024', '2024-02-29', null],
  ])('%s', (line, date, location) => {
    expect(parseDateLine(line)).toEqual({ kind: 'date', value: { date, endDate: null, location, comma: line.includes(',') } });
  });

  // Event pages print ranges: hyphen, en dash or em dash, with or without spaces; the start leaves out
  // the month and year it shares with the end.
  it.each([
    ['5 - 6 June 2024', '2024-06-05', '2024-06-06', null],
    ['11 - 13 March 2024', '2024-03-11', '2024-03-13', null],
    ['11–13 March 2024', '2024-03-11', '2024-03-13', null],
    ['5-6 June 2024', '2024-06-05', '2024-06-06', null],
    ['29 April - 1 May 2024', '2024-04-29', '2024-05-01', null],
    ['29 April – 1 May 2024, GENEVA', '2024-04-29', '2024-05-01', 'GENEVA'],
    ['30 December 2024 - 3 January 2025', '2024-12-30', '2025-01-03', null],
    ['30 December - 3 January 2025', '2024-12-30', '2025-01-03', null],
    ['5 — 6 June 2024,', '2024-06-05', '2024-06-06', null],
    ['5 - 6 juin 2024', '2024-06-05', '2024-06-06', null],
    ['29 avril - 1er mai 2024, DAKAR', '2024-04-29', '2024-05-01', 'DAKAR'],
    ['30 décembre 2024 – 3 janvier 2025', '2024-12-30', '2025-01-03', null],
    ['5 - 6 de junio de 2024', '2024-06-05', '2024-06-06', null],
    ['29 de abril - 1 de mayo de 2024, LIMA', '2024-04-29', '2024-05-01', 'LIMA'],
    ['30 de diciembre de 2024 – 3 de enero de 2025', '2024-12-30', '2025-01-03', null],
  ])('%s is a range', (line, date, endDate, location) => {
    expect(parseDateLine(line)).toEqual({ kind: 'date', value: { date, endDate, location, comma: line.includes(',') } });
  });

  it.each(['29 February 2023', '31 April 2021', '0 May 2021', '32 January 2021', '6 - 5 June 2024', '30 - 31 June 2024'])(
    '%s is date-shaped but no real day or range',
    (line) => {
      expect(parseDateLine(line).kind).toBe('invalid');
    },
  );

  it.each([
    'ILO supports the Government',
    '2021 was a year',
    '12 angry men 2021',
    '29 Novembre',
    '',
    '2020 - 2021',
    '5 - 6 people in June 2024',
  ])('%s is not a date', (line) => {
    expect(parseDateLine(line).kind).toBe('none');
  });

  it('tells section headings: months and bare years', () => {
    expect(['October 2023', 'octobre 2023', '2021', 'Mayo de 2020'].every(isSectionHeading)).toBe(true);
    expect(['October 2023 news', '21', '12021', 'Report 2021'].some(isSectionHeading)).toBe(false);
  });

  it('tells the beginnings of dates and ranges that a cut stopped in', () => {
    const partial = [
      '19',
      '19 Oct',
      '19 October',
      '19 October 20',
      '19 de nov',
      '10 Feb',
      '5 -',
      '5 - 6',
      '5 - 6 Ju',
      '29 April -',
      '29 April - 1 Ma',
    ];
    expect(partial.filter((p) => !isPartialDate(p))).toEqual([]);
    expect(['19 people', 'Press release', '2021', '5 - 6 people', 'Jobs - 2021'].filter(isPartialDate)).toEqual([]);
  });
});
