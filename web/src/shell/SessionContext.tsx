import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { getSession, signIn as postSignIn, signOut as deleteSession, type Session } from "../api/session";

interface SessionState {
  session: Session | null;
  signIn(apiKey: string): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionState>({
  session: null,
  signIn: async () => undefined,
  signOut: async () => undefined,
});

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(null);
  useEffect(() => {
    getSession().then(setSession, () => setSession({ signedIn: false, anonymousRead: false, user: null }));
  }, []);
  const signIn = useCallback(async (apiKey: string) => setSession(await postSignIn(apiKey)), []);
  const signOut = useCallback(async () => {
    await deleteSession();
    setSession(await getSession());
  }, []);
  return <SessionContext.Provider value={{ session, signIn, signOut }}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  return useContext(SessionContext);
}
