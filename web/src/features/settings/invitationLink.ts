/**
 * The token of an invitation link, from `?token=…` or `#token=…`. The server's links carry it
 * after `#`, which browsers never send to a server or put in a Referer header.
 */
export function invitationToken(search: string, hash: string): string | null {
  for (const part of [search, hash]) {
    const token = new URLSearchParams(part.replace(/^[?#]/, "")).get("token")?.trim();
    if (token) return token;
  }
  return null;
}
