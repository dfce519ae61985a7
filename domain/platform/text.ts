import * as z from 'zod';

/*
 * One-line text that came from people or other systems (a name from the HRIS, one typed into a form)
 * made safe to keep and to put anywhere: in Unicode's composed form, so "Å" typed or imported either
 * way is one name that sorts, compares and matches as one; without control characters, so no CR/LF
 * can start a new line in an email header or a log line, and no NUL or bidirectional override
 * can hide or reorder what a reader sees.
 */

// The control characters (C0, DEL, C1: \p{Cc}), the line and paragraph separators, and the
// bidirectional embeddings, overrides and isolates: none belongs in one line of text.
const UNSAFE = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

/** One line of text as it is kept and shown: NFC, every control character a space, spaces single, trimmed. */
export const oneLine = (value: string): string =>
  value.normalize('NFC').replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim();

/**
 * A string schema that stores the value as `oneLine` makes it, before any length check; zod's
 * `overwrite` keeps it describable as a plain string in the OpenAPI document.
 */
export const oneLineText = () => z.string().overwrite(oneLine);
