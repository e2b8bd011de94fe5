import { useCallback, useEffect, useRef, useState } from "react";

import type { RealtimeClient } from "./realtime";
import { activeTypists, nextExpiry, TypingThrottle, withTypingFrame, type Typists } from "./typing";

/** The other members typing in this conversation now (user ids), expiring on their own. */
export function useTypists(client: RealtimeClient | null, conversationId: string, myUserId: string | undefined): string[] {
  const [typists, setTypists] = useState<Typists>(new Map());
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    if (!client) return;
    return client.onTyping((frame) => {
      if (frame.conversation_id !== conversationId || frame.user_id === myUserId) return;
      const at = Date.now();
      setTypists((current) => withTypingFrame(current, frame, at));
      setNow(at);
    });
  }, [client, conversationId, myUserId]);

  // Re-render when the next typist expires, so the line goes without another frame.
  useEffect(() => {
    const wait = nextExpiry(typists, now);
    if (wait === null) return;
    const timer = setTimeout(() => setNow(Date.now()), wait + 50);
    return () => clearTimeout(timer);
  }, [typists, now]);

  return activeTypists(typists, now);
}

/** `typed()` on each keystroke sends a throttled `start`; `stopped()` after a send or a cleared input. */
export function useTypingSender(client: RealtimeClient | null, conversationId: string) {
  const throttle = useRef(new TypingThrottle());
  const started = useRef(false);
  const typed = useCallback(() => {
    if (!client || !throttle.current.take(Date.now())) return;
    if (client.sendTyping(conversationId, "start")) started.current = true;
    else throttle.current.reset();
  }, [client, conversationId]);
  const stopped = useCallback(() => {
    throttle.current.reset();
    if (started.current) client?.sendTyping(conversationId, "stop");
    started.current = false;
  }, [client, conversationId]);
  return { typed, stopped };
}
