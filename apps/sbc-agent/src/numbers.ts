// Telephone numbers as SIP carries them (URIs in From, To, P-Asserted-Identity, Diversion) turned
// into E.164 (`+` and up to 15 digits).

const e164 = /^\+[1-9][0-9]{1,14}$/;

/** The user part of the first SIP/SIPS/TEL URI in a header value or URI, or undefined. */
export function uriUser(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const match = /\b(?:sips?|tel):([^@;>?\s]+)/i.exec(value);
  return match ? decodeURIComponent(match[1]!) : undefined;
}

/**
 * A dialled or presented number in E.164: `+CC…` is kept, `00CC…` is international, and any
 * other run of digits is national (one leading trunk `0` dropped) in the home country. Visual
 * separators are ignored. Undefined when it is not a number at all (a name, `anonymous`).
 */
export function toE164(user: string | undefined, homeCountryCode: string): string | undefined {
  if (!user) return undefined;
  const compact = user.replace(/[\s().-]/g, '');
  let candidate: string;
  if (/^\+[0-9]+$/.test(compact)) candidate = compact;
  else if (/^00[0-9]+$/.test(compact)) candidate = `+${compact.slice(2)}`;
  else if (/^0?[1-9][0-9]*$/.test(compact)) candidate = `+${homeCountryCode}${compact.replace(/^0/, '')}`;
  else return undefined;
  return e164.test(candidate) ? candidate : undefined;
}

/** The E.164 number of the first URI in a header value. */
export function numberOf(headerValue: string | undefined, homeCountryCode: string): string | undefined {
  return toE164(uriUser(headerValue), homeCountryCode);
}
