import { Empty } from "antd";
import { useTranslation } from "react-i18next";

/** Contacts and Settings until their screens exist. */
export function Placeholder() {
  const { t } = useTranslation();
  return <Empty style={{ marginTop: 96 }} description={t("placeholder.soon")} />;
}
