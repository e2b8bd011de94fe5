import i18n from "i18next";
import { Navigate, Route, Routes, useParams } from "react-router";

import { BuilderPage } from "./Builder";
import en from "./i18n/en.json";
import zhCN from "./i18n/zh-CN.json";
import { WorkflowList } from "./WorkflowList";

// The texts arrive with this lazily loaded page, so the app's entry need not carry them.
i18n.addResourceBundle("en", "automation", en, true, true);
i18n.addResourceBundle("zh-CN", "automation", zhCN, true, true);

function BuilderRoute({ tab }: { tab: "builder" | "runs" }) {
  const { workspaceId = "", workflowId = "" } = useParams();
  return <BuilderPage ws={workspaceId} workflowId={workflowId} tab={tab} />;
}

/** /w/:workspaceId/automation/*: workflows, the builder, run history and templates. */
export default function AutomationPage() {
  const { workspaceId = "" } = useParams();
  return (
    <div style={{ height: "100%", overflow: "auto" }}>
      <Routes>
        <Route index element={<WorkflowList ws={workspaceId} />} />
        <Route path=":workflowId" element={<BuilderRoute tab="builder" />} />
        <Route path=":workflowId/runs" element={<BuilderRoute tab="runs" />} />
        <Route path="*" element={<Navigate to="." replace />} />
      </Routes>
    </div>
  );
}
