/** Common emoji for the composer's picker: no dependency, no network. */
export const EMOJI: readonly string[] = [
  "😀", "😃", "😄", "😁", "😆", "😅", "😂", "🤣", "😊", "😇",
  "🙂", "😉", "😍", "🥰", "😘", "😋", "😎", "🤩", "🥳", "🤔",
  "🤗", "🤭", "😐", "😑", "😶", "🙄", "😏", "😬", "😌", "😴",
  "😷", "🤒", "🤕", "😵", "🤯", "😕", "😟", "🙁", "😮", "😲",
  "😳", "🥺", "😢", "😭", "😤", "😠", "😡", "🤬", "😱", "😨",
  "👍", "👎", "👌", "✌️", "🤞", "👏", "🙌", "🙏", "🤝", "💪",
  "👋", "👀", "❤️", "🧡", "💛", "💚", "💙", "💜", "💔", "💯",
  "✨", "🎉", "🎁", "🔥", "⭐", "✅", "❌", "⚠️", "📦", "🚚",
  "📞", "📧", "⏰", "💰",
];

/** `text` with `insert` replacing the selection [start, end); the caret goes after it. */
export function insertAt(text: string, start: number, end: number, insert: string): { text: string; caret: number } {
  const from = Math.max(0, Math.min(start, text.length));
  const to = Math.max(from, Math.min(end, text.length));
  return { text: text.slice(0, from) + insert + text.slice(to), caret: from + insert.length };
}
