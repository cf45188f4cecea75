// Types for the server, which imports the browser module directly.
export const DECIMAL_TEXT: RegExp;
