import { describe, expect, it } from 'vitest';
import { isMonthHeading, isPartialDate, parseDateLine } from '../../src/parse/dates.js';

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
    expect(parseDateLine(line)).toEqual({ kind: 'date', value: { date, location, comma: line.includes(',') } });
  });

  it.each(['29 February 2023', '31 April 2021', '0 May 2021', '32 January 2021'])('%s is date-shaped but no real day', (line) => {
    expect(parseDateLine(line).kind).toBe('invalid');
  });

  it.each(['ILO supports the Government', '2021 was a year', '12 angry men 2021', '29 Novembre', ''])('%s is not a date', (line) => {
    expect(parseDateLine(line).kind).toBe('none');
  });

  it('tells month headings and partial dates', () => {
    expect(isMonthHeading('October 2023')).toBe(true);
    expect(isMonthHeading('octobre 2023')).toBe(true);
    expect(isMonthHeading('October 2023 news')).toBe(false);
    expect(['19', '19 Oct', '19 October', '19 October 20', '19 de nov'].every(isPartialDate)).toBe(true);
    expect(['19 people', 'Press release', '2021'].some(isPartialDate)).toBe(false);
  });
});
