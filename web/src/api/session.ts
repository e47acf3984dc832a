// Sign-in exchanges a pasted API key for an HttpOnly session cookie (the key is never stored by
// the page); these are the three calls of /auth/session.
import { CSRF_HEADER } from "./client";

export interface Session {
  signedIn: boolean;
  anonymousRead: boolean;
  user: { id: string; name: string } | null;
}

const headers = { "content-type": "application/json", [CSRF_HEADER]: "1" };

export async function getSession(): Promise<Session> {
  const response = await fetch("/auth/session", { credentials: "same-origin", headers });
  return (await response.json()) as Session;
}

export async function signIn(apiKey: string): Promise<Session> {
  const response = await fetch("/auth/session", {
    method: "POST",
    credentials: "same-origin",
    headers,
    body: JSON.stringify({ apiKey }),
  });
  const body = (await response.json()) as Session & {
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  if (!response.ok) {
    const first = body.errors?.[0];
    throw new Error(first ? `${first.extensions?.code ?? "ERROR"}: ${first.message}` : `HTTP ${response.status}`);
  }
  return body;
}

export async function signOut(): Promise<void> {
  await fetch("/auth/session", { method: "DELETE", credentials: "same-origin", headers });
}
