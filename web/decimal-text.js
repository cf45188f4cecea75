// The one spelling of an exact decimal in facts and rules (the `decimal` format):
// no leading zeros, no exponent, no plus sign. Served to the browser as it is and
// imported by the server (src/eval/decimal.ts, src/schema/ajv.ts), so both check alike.
export const DECIMAL_TEXT = /^-?(0|[1-9]\d*)(\.\d+)?$/;
