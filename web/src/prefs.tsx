import { App as AntApp, ConfigProvider, theme } from "antd";
import enUS from "antd/locale/en_US";
import zhCN from "antd/locale/zh_CN";
import { createContext, useContext, useMemo, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";

import { rememberLanguage, type Language } from "./i18n";
import { useMedia } from "./useMedia";

const DARK_KEY = "relaydesk.dark";

interface Prefs {
  dark: boolean;
  setDark(dark: boolean): void;
  language: Language;
  setLanguage(language: Language): void;
}

const PrefsContext = createContext<Prefs | null>(null);

export function usePrefs(): Prefs {
  const prefs = useContext(PrefsContext);
  if (!prefs) throw new Error("usePrefs outside PrefsProvider");
  return prefs;
}

function initialDark(): boolean {
  const stored = localStorage.getItem(DARK_KEY);
  if (stored !== null) return stored === "true";
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ?? false;
}

/** Language and colour scheme, remembered in localStorage and applied to Ant Design. */
export function PrefsProvider({ children }: { children: ReactNode }) {
  const { i18n } = useTranslation();
  const [dark, setDarkState] = useState(initialDark);
  const language = (i18n.resolvedLanguage ?? "en") as Language;
  // The system's "reduce motion" setting turns Ant Design's animations off.
  const reducedMotion = useMedia("(prefers-reduced-motion: reduce)");

  const prefs = useMemo<Prefs>(
    () => ({
      dark,
      setDark(value) {
        localStorage.setItem(DARK_KEY, String(value));
        setDarkState(value);
      },
      language,
      setLanguage(value) {
        rememberLanguage(value);
        document.documentElement.lang = value;
        void i18n.changeLanguage(value);
      },
    }),
    [dark, language, i18n],
  );

  return (
    <PrefsContext.Provider value={prefs}>
      <ConfigProvider
        locale={language === "zh-CN" ? zhCN : enUS}
        theme={{
          algorithm: dark ? theme.darkAlgorithm : theme.defaultAlgorithm,
          token: { motion: !reducedMotion },
        }}
      >
        <AntApp>{children}</AntApp>
      </ConfigProvider>
    </PrefsContext.Provider>
  );
}
