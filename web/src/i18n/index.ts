import i18n from "i18next";
import { initReactI18next } from "react-i18next";

import en from "./en.json";
import zhCN from "./zh-CN.json";
import inboxEn from "../features/inbox/i18n/en.json";
import inboxZhCN from "../features/inbox/i18n/zh-CN.json";

export const LANGUAGES = ["en", "zh-CN"] as const;
export type Language = (typeof LANGUAGES)[number];

const KEY = "relaydesk.language";

export function initialLanguage(): Language {
  const stored = localStorage.getItem(KEY);
  if (stored === "en" || stored === "zh-CN") return stored;
  return navigator.language.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

export function rememberLanguage(language: Language): void {
  localStorage.setItem(KEY, language);
}

// Screens loaded on demand (contacts, settings, automation) add their own namespaces when
// they load, so the inbox does not carry their texts.
void i18n.use(initReactI18next).init({
  resources: {
    en: { translation: en, inbox: inboxEn },
    "zh-CN": { translation: zhCN, inbox: inboxZhCN },
  },
  lng: initialLanguage(),
  fallbackLng: "en",
  interpolation: { escapeValue: false }, // React escapes
});

export default i18n;
