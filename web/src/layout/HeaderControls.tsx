import { MoonOutlined, SunOutlined } from "@ant-design/icons";
import { Segmented, Space, Switch, Tooltip } from "antd";
import { useTranslation } from "react-i18next";

import type { Language } from "../i18n";
import { usePrefs } from "../prefs";

// Each language is named in itself, so it can be found whatever the current one is.
const LANGUAGE_NAMES: Record<Language, string> = { en: "English", "zh-CN": "中文" };

export function HeaderControls() {
  const { t } = useTranslation();
  const { dark, setDark, language, setLanguage } = usePrefs();
  return (
    <Space size="middle">
      <Segmented<Language>
        aria-label={t("header.language")}
        value={language}
        onChange={setLanguage}
        options={(Object.keys(LANGUAGE_NAMES) as Language[]).map((value) => ({
          value,
          label: LANGUAGE_NAMES[value],
        }))}
      />
      <Tooltip title={t("header.darkMode")}>
        <Switch
          aria-label={t("header.darkMode")}
          checked={dark}
          onChange={setDark}
          checkedChildren={<MoonOutlined />}
          unCheckedChildren={<SunOutlined />}
        />
      </Tooltip>
    </Space>
  );
}
