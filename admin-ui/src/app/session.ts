/** The signed-in user's Matrix session, kept in sessionStorage for this tab only. */
export interface Session {
  homeserverUrl: string;
  userId: string;
  accessToken: string;
  deviceId: string;
}

const STORAGE_KEY = "aachat.console.session";

export function loadSession(): Session | null {
  const stored = sessionStorage.getItem(STORAGE_KEY);
  if (!stored) return null;
  try {
    const parsed = JSON.parse(stored) as Partial<Session>;
    if (parsed.homeserverUrl && parsed.userId && parsed.accessToken && parsed.deviceId) return parsed as Session;
  } catch {
    // A damaged entry is treated as no session.
  }
  sessionStorage.removeItem(STORAGE_KEY);
  return null;
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
