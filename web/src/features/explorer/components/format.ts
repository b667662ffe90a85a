/** What every explorer view takes: where to look. */
export type Props = { account: string; region: string };

/** A JSON value as one line of text. */
export const str = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
